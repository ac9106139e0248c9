import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { buildAsyncApi } from './realtime/asyncapi';

/** Prints the AsyncAPI document (`npm run asyncapi` writes it to asyncapi.json); needs no database. */
async function main() {
  const app = await NestFactory.create(AppModule.forRoot({ url: 'postgres://unused@127.0.0.1:1/none', embedded: false }), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  const doc = buildAsyncApi(app);
  process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  await app.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
