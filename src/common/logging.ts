import { LoggerService } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { Logger } from 'pino';
import pinoHttp from 'pino-http';
import pinoPretty from 'pino-pretty';
import type { LogFormat, LogLevel } from '../config/app-config';

/** A pino-http request line as a person reads it: `GET /api/chats 200 4 ms`. */
interface RequestLog {
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
  responseTime?: number;
  context?: string;
  msg?: string;
}

/**
 * pino-pretty in this process (not a worker-thread transport): a `messageFormat` function cannot
 * cross into a worker, and a synchronous stream keeps the last lines before process.exit. Request
 * lines become one short line; Nest's lines show their context. Only for a person at a terminal:
 * JSON stays the format for collectors, CI and tests.
 */
function prettyStream() {
  return pinoPretty({
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context,req,res,responseTime',
    messageFormat: (log) => {
      const { req, res, responseTime, context, msg } = log as RequestLog;
      if (req && res) return `${req.method} ${req.url} ${res.statusCode} ${responseTime} ms`;
      return context ? `[${context}] ${msg}` : String(msg);
    },
  });
}

/** The process's pino logger (secrets redacted), at the configured LOG_LEVEL, as LOG_FORMAT says. */
export function createRootLogger(level: LogLevel, format: LogFormat = 'json'): Logger {
  const options = {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        '*.password',
        '*.refreshToken',
        '*.accessToken',
      ],
      censor: '[redacted]',
    },
  };
  return format === 'pretty' ? pino(options, prettyStream()) : pino(options);
}

/** Structured request logs with a request id (taken from X-Request-Id or made), echoed in the response. */
export function createHttpLogger(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    serializers: {
      // remoteAddress: the client as `trust proxy` (TRUST_PROXY) reads it, not necessarily the peer.
      req: (req: { id: string; method: string; url: string; raw: { ip?: string } }) => ({
        id: req.id,
        method: req.method,
        url: req.url,
        remoteAddress: req.raw.ip,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}

/** Nest's own log lines through the same pino logger. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string) {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}
