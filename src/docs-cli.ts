import 'reflect-metadata';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { loadConfig } from './config/app-config';

/**
 * Prints a document built from the Nest module graph in preview mode (nothing is instantiated, no
 * database is needed): `npm run openapi` and `npm run asyncapi` write openapi.json and asyncapi.json.
 * The configuration is the defaults, not this shell's environment, so the document does not depend on
 * where it is made.
 */
export function printDocument(build: (app: INestApplication) => unknown): void {
  const run = async () => {
    const app = await NestFactory.create(
      AppModule.forRoot(loadConfig({}), { url: 'postgres://unused@127.0.0.1:1/none', embedded: false }),
      {
        preview: true,
        logger: false,
        abortOnError: false,
      },
    );
    process.stdout.write(`${JSON.stringify(build(app), null, 2)}\n`);
    await app.close();
  };
  run().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
