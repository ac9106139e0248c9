import { Logger } from '@nestjs/common';
import { Agent as HttpAgent, request as httpRequest, IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { encrypt, getVapidHeaders } from 'web-push';
import type { VapidKeys } from '../config/app-config';
import { EndpointPolicy, EndpointRefused } from './endpoint-policy';
import { PushOptions, PushOutcome, PushSender, PushTarget } from './push-sender';
import { parseRetryAfter } from './retry-policy';

/** A push service that has not answered within this long is retried later. */
const REQUEST_TIMEOUT_MS = 10_000;
/** A VAPID JWT lives 12 h (RFC 8292 allows 24) and is made again after 1 h: one signature per push service per hour. */
const VAPID_JWT_SECONDS = 12 * 3600;
const VAPID_REUSE_MS = 3600_000;
/** Connections kept open per push service (FCM, Mozilla …). */
const SOCKETS_PER_ORIGIN = 64;

/**
 * Web Push with the `web-push` package's VAPID (RFC 8292) and aes128gcm encryption (RFC 8291), sent
 * by this class over node:https rather than web-push's own sendNotification, for three reasons: the
 * connection must go through the SSRF rule's `lookup` (DNS rebinding), an allowed test push service
 * may be `http://`, and the answer's status and Retry-After decide what happens next.
 */
export class WebPushSender implements PushSender {
  private readonly logger = new Logger('Push');
  private readonly vapid = new Map<string, { header: string; madeAt: number }>();
  private readonly httpsAgent: HttpsAgent;
  private readonly httpAgent: HttpAgent;

  constructor(
    private readonly keys: () => VapidKeys,
    private readonly subject: string,
    private readonly policy: EndpointPolicy,
  ) {
    const options = { keepAlive: true, maxSockets: SOCKETS_PER_ORIGIN, lookup: policy.lookup };
    this.httpsAgent = new HttpsAgent(options);
    this.httpAgent = new HttpAgent(options);
  }

  async send(target: PushTarget, payload: string, options: PushOptions): Promise<PushOutcome> {
    // IP literals never reach the agent's lookup: the URL rule checks them here, before any connection.
    const checked = this.policy.checkUrl(target.endpoint);
    if ('problem' in checked) return { kind: 'rejected', reason: checked.problem };
    const { url } = checked;
    const body = encrypt(target.p256dh, target.auth, payload, 'aes128gcm').cipherText;
    const headers = {
      Authorization: this.vapidHeader(url.origin),
      TTL: String(options.ttlSeconds),
      Urgency: options.urgency,
      Topic: options.topic,
      'Content-Encoding': 'aes128gcm',
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(body.length),
    };
    const https = url.protocol === 'https:';
    return new Promise<PushOutcome>((resolve) => {
      const req = (https ? httpsRequest : httpRequest)(
        url,
        { method: 'POST', headers, agent: https ? this.httpsAgent : this.httpAgent, timeout: REQUEST_TIMEOUT_MS },
        (res) => {
          res.resume(); // the body is not needed; reading it frees the connection for the next push
          resolve(outcomeOf(res));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', (err) => {
        if (err instanceof EndpointRefused) resolve({ kind: 'rejected', reason: err.message });
        else
          resolve({ kind: 'retry', retryAfterSeconds: null, reason: `${(err as NodeJS.ErrnoException).code ?? 'error'}: ${err.message}` });
      });
      req.end(body);
    });
  }

  /** Closes the kept-alive connections (shutdown). */
  close(): void {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
  }

  private vapidHeader(audience: string): string {
    const cached = this.vapid.get(audience);
    if (cached && Date.now() - cached.madeAt < VAPID_REUSE_MS) return cached.header;
    const { publicKey, privateKey } = this.keys();
    const expiration = Math.floor(Date.now() / 1000) + VAPID_JWT_SECONDS;
    const header = getVapidHeaders(audience, this.subject, publicKey, privateKey, 'aes128gcm', expiration).Authorization;
    this.vapid.set(audience, { header, madeAt: Date.now() });
    if (this.vapid.size > 1000) this.vapid.delete(this.vapid.keys().next().value!);
    this.logger.debug(`VAPID token made for ${audience}`);
    return header;
  }
}

function outcomeOf(res: IncomingMessage): PushOutcome {
  const status = res.statusCode ?? 0;
  const reason = `${status} ${res.statusMessage ?? ''}`.trim();
  if (status >= 200 && status < 300) return { kind: 'sent' };
  if (status === 404 || status === 410) return { kind: 'gone', reason };
  if (status === 429 || status >= 500) return { kind: 'retry', retryAfterSeconds: parseRetryAfter(res.headers['retry-after']), reason };
  return { kind: 'rejected', reason };
}
