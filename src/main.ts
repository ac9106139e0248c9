import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig } from './config/app-config';
import { startEmbeddedPostgres } from './database/embedded-postgres';

/** How long closing may take (after the drain period) before the process gives up and exits 1. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

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
  // The embedded database starts on its own thread while this one loads the service's modules (a
  // second each): they are imported only now, after it was started.
  const starting = config.databaseUrl
    ? null
    : startEmbeddedPostgres(config.dataDir, {
        onFailure: (err) => {
          console.error(`embedded PostgreSQL stopped: ${err.message}`);
          process.exit(1);
        },
      });
  // Never left unhandled while the modules load: awaited (and thrown) below.
  starting?.catch(() => undefined);
  const [{ Logger }, { createApp }, { Draining }] = await Promise.all([
    import('@nestjs/common'),
    import('./app.factory'),
    import('./health/draining'),
  ]);
  const logger = new Logger('Bootstrap');
  const embedded = await starting;
  const app = await createApp(config, { url: config.databaseUrl ?? embedded!.url, embedded: embedded !== null });
  if (config.jwtSecretGenerated) logger.warn('JWT_SECRET is not set: using a random secret, tokens end at restart');
  if (embedded)
    logger.log(
      `DATABASE_URL unset: embedded PostgreSQL (PGlite) under ${config.dataDir}${embedded.fromTemplate ? ' (new: copied from the build template)' : ''}`,
    );

  // Graceful shutdown, done here rather than with Nest's enableShutdownHooks(): Nest re-raises the
  // signal after closing (the process then dies "killed by SIGTERM", exit status 143), and the
  // embedded database must be closed after the app (and its connection pool), before exiting.
  // SIGTERM (an orchestrator, a balancer's rolling restart) drains first: SHUTDOWN_DRAIN_MS with
  // /health at 503 and everything else still served, so that the balancer moves new connections
  // away before this instance closes its sockets. SIGINT (Ctrl-C) closes at once.
  let shuttingDown = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (shuttingDown) return;
    shuttingDown = true;
    const drainMs = signal === 'SIGTERM' ? config.shutdownDrainMs : 0;
    logger.log(drainMs > 0 ? `${signal}: draining for ${drainMs} ms, then shutting down` : `${signal}: shutting down`);
    app.get(Draining).drain();
    setTimeout(() => {
      logger.error(`shutdown took longer than ${drainMs + SHUTDOWN_TIMEOUT_MS} ms: exiting`);
      process.exit(1);
    }, drainMs + SHUTDOWN_TIMEOUT_MS).unref();
    (async () => {
      if (drainMs > 0) await new Promise((resolve) => setTimeout(resolve, drainMs));
      await app.close(); // HTTP server, sockets, shutdown hooks of the providers, database pool
      if (embedded) await embedded.stop();
      logger.log('stopped');
      process.exit(0);
    })().catch((err) => {
      logger.error(`shutdown failed: ${(err as Error).stack ?? err}`);
      process.exit(1);
    });
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, shutdown);

  await app.listen(config.port, config.host);
  logger.log(`listening on ${listeningUrl(app.getHttpServer().address())}`);
}

/**
 * The address the server really listens on, as the OS reports it after listen (PORT=0 shows the
 * port it got; HOST=0.0.0.0 shows 0.0.0.0, i.e. every interface), not a guess from the config.
 */
function listeningUrl(address: AddressInfo | string | null): string {
  if (address === null || typeof address === 'string') return String(address);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

bootstrap().catch((err) => {
  console.error(err);
  process.exit(1);
});
