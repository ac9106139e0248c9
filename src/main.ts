import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { ConfigError, loadConfig } from './config/app-config';
import { startEmbeddedPostgres } from './database/embedded-postgres';

async function bootstrap() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`configuration error: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const logger = new Logger('Bootstrap');
  const embedded = config.databaseUrl ? null : await startEmbeddedPostgres(config.dataDir);
  const app = await createApp(config, { url: config.databaseUrl ?? embedded!.url, embedded: embedded !== null });
  if (config.jwtSecretGenerated) logger.warn('JWT_SECRET is not set: using a random secret, tokens end at restart');
  if (embedded) {
    logger.log(`DATABASE_URL unset: embedded PostgreSQL (PGlite) under ${config.dataDir}`);
    // Closes after the app (and its connection pool) has shut down.
    process.once('beforeExit', () => void embedded.stop());
  }
  await app.listen(config.port, process.env.HOST ?? '0.0.0.0');
  logger.log(`listening on ${await app.getUrl()}`);
}

bootstrap().catch((err) => {
  console.error(err);
  process.exit(1);
});
