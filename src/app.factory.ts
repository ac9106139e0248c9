import { NestFactory, Reflector } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { dirname, join } from 'node:path';
import { AppModule } from './app.module';
import { AppException } from './common/app.exception';
import { inputShapeProblem } from './common/input-shape';
import { JSON_MEDIA_TYPE, JsonBodyGuard } from './common/json-body.guard';
import { createHttpLogger, createRootLogger, PinoNestLogger } from './common/logging';
import { RedisConnections } from './common/redis-connections';
import { createValidationPipe } from './common/validation';
import { AppConfig } from './config/app-config';
import { DatabaseTarget } from './database/database.module';
import { buildOpenApi } from './openapi';
import { AsyncApiDocument, buildAsyncApi } from './realtime/asyncapi';
import { RealtimeIoAdapter } from './realtime/socket-io.adapter';

const WEB_CLIENT_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The Nest application with everything that is not a module: middleware, pipes, docs. */
export async function createApp(config: AppConfig, database: DatabaseTarget, logs = true): Promise<NestExpressApplication> {
  const logger = logs ? createRootLogger(config.logLevel, config.logFormat) : null;
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, database), {
    logger: logger ? new PinoNestLogger(logger) : false,
    bodyParser: false,
  });
  app.disable('x-powered-by');
  // No weak ETags on JSON answers (a 304 nobody documents or expects); downloads set their own ETag.
  app.set('etag', false);
  // TRUST_PROXY: by default (false) the peer is the client and X-Forwarded-For is ignored, so no client
  // can pick the address its rate limit is counted under; behind a proxy, req.ip follows the header
  // through the trusted hops only.
  app.set('trust proxy', config.trustProxy);
  if (logger) app.use(createHttpLogger(logger));
  app.use(helmet({ contentSecurityPolicy: false }));
  // The web client (public/) at /, with a strict CSP of its own (no inline code), and socket.io's
  // browser client from the installed package at /vendor/socket.io/ (the gateway does not serve it).
  const setHeaders = (res: { setHeader(name: string, value: string): unknown }) => res.setHeader('Content-Security-Policy', WEB_CLIENT_CSP);
  const webClient = express.static(join(__dirname, '..', '..', 'public'), { index: 'index.html', setHeaders });
  // The API's paths never look in public/ (a stat and a not-found error on every request).
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.path.startsWith('/api/')) next();
    else void webClient(req, res, next);
  });
  const socketIoClient = join(dirname(require.resolve('socket.io')), '..', 'client-dist');
  app.useStaticAssets(socketIoClient, { prefix: '/vendor/socket.io/', index: false, setHeaders });
  app.enableCors({ origin: config.corsOrigins, credentials: false });
  app.useBodyParser('json', { limit: '1mb', type: JSON_MEDIA_TYPE });
  // Nesting depth and prototype keys are checked before validation walks the body (400, never a 500).
  app.use((req: { body?: unknown }, _res: unknown, next: (err?: unknown) => void) => {
    const problem = req.body === undefined ? null : inputShapeProblem(req.body);
    next(problem ? AppException.validation(problem) : undefined);
  });
  // A body of another type on a JSON route: 415, before the route runs (the JSON parser left it unread).
  app.useGlobalGuards(new JsonBodyGuard(app.get(Reflector)));
  app.useGlobalPipes(createValidationPipe());
  // socket.io on the same port: settings from the config; with REDIS_URL, the Redis adapter.
  const sockets = new RealtimeIoAdapter(app, config);
  if (app.get(RedisConnections).configured) await sockets.connectRedis(app.get(RedisConnections));
  app.useWebSocketAdapter(sockets);
  // Signals are handled in main.ts (graceful shutdown, exit 0, embedded database closed last).

  SwaggerModule.setup('docs', app, () => buildOpenApi(app), { jsonDocumentUrl: 'docs-json' });
  // The socket.io protocol as AsyncAPI 3, built once on first request (it builds a whole OpenAPI document).
  let asyncApi: AsyncApiDocument | undefined;
  const http: Express = app.getHttpAdapter().getInstance();
  http.get('/docs/asyncapi.json', (_req, res) => {
    res.json((asyncApi ??= buildAsyncApi(app)));
  });
  return app;
}
