import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { buildOpenApi, serviceModule } from './app.factory';
import { loadConfig } from './config/app-config';

async function main() {
  // The defaults, not this shell's environment: the document does not depend on where it is made.
  const config = loadConfig({});
  const app = await NestFactory.create(serviceModule(config, { url: 'postgres://unused@127.0.0.1:1/none', embedded: false }), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  const doc = buildOpenApi(app);
  process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  await app.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
