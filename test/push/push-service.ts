import { createECDH, createPublicKey, ECDH, randomBytes, randomUUID, verify } from 'node:crypto';
import { once } from 'node:events';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
// http_ece has no types: decrypt(buffer, { version, privateKey, authSecret }) → Buffer.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ece = require('http_ece') as { decrypt(buffer: Buffer, params: { version: string; privateKey: ECDH; authSecret: Buffer }): Buffer };

/** A browser's subscription as PushSubscription.toJSON() gives it, and the private half the test keeps. */
export interface BrowserSubscription {
  /** The path segment that names it on the test push service. */
  name: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
  ecdh: ECDH;
  authSecret: Buffer;
}

/** One push as the test push service received it, checked and decrypted. */
export interface ReceivedPush {
  subscription: string;
  ttl: number;
  urgency: string | undefined;
  topic: string | undefined;
  /** The decrypted JSON. */
  payload: Record<string, unknown>;
  /** VAPID's JWT claims. */
  claims: { aud: string; exp: number; sub: string };
  /** The status answered. */
  status: number;
  at: number;
}

/** What the push service answers next for a subscription: a status, headers, and how long to wait first. */
export interface PlannedAnswer {
  status: number;
  headers?: Record<string, string>;
  delayMs?: number;
}

/**
 * A Web Push service of the test's own on 127.0.0.1 (allowed by the service's PUSH_ENDPOINT_ALLOW),
 * checking each request as a real one would (RFC 8030, 8291, 8292): the VAPID Authorization
 * (`vapid t=<JWT>, k=<key>`: an ES256 signature valid for the server's public key, `aud` the
 * endpoint's origin, `exp` within 24 h, `sub` present), `Content-Encoding: aes128gcm`, `TTL`,
 * `Urgency`, `Topic`; it decrypts the payload with the subscription's private key and auth secret.
 * A request that fails a check is answered 400 and recorded in `problems`. Answers 201 unless told
 * otherwise (`plan`): 429 with Retry-After, 500, 404, 410, or slowly.
 */
export class TestPushService {
  readonly received: ReceivedPush[] = [];
  readonly problems: string[] = [];
  /** TCP connections accepted so far. */
  connections = 0;
  /** The VAPID public key the service must sign with (its GET /api/push/vapid-public-key). */
  vapidPublicKey: string | null = null;
  private readonly subscriptions = new Map<string, BrowserSubscription>();
  private readonly plans = new Map<string, PlannedAnswer[]>();
  private readonly waiters = new Set<() => void>();
  private readonly server: Server = createServer((req, res) => void this.handle(req, res)).on('connection', () => (this.connections += 1));

  static async start(): Promise<TestPushService> {
    return new TestPushService().listen();
  }

  /** Starts answering on a free port of 127.0.0.1. */
  async listen(): Promise<this> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return this;
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** A new browser-like subscription on this push service: a P-256 key pair and a 16-byte auth secret. */
  subscription(): BrowserSubscription {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const authSecret = randomBytes(16);
    const name = randomUUID();
    const sub = {
      name,
      endpoint: `${this.origin}/push/${name}`,
      keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: authSecret.toString('base64url') },
      ecdh,
      authSecret,
    };
    this.subscriptions.set(name, sub);
    return sub;
  }

  /** New keys for the same endpoint, as a browser that subscribed again would have (the object changes in place). */
  rekey(sub: BrowserSubscription): void {
    sub.ecdh = createECDH('prime256v1');
    sub.ecdh.generateKeys();
    sub.authSecret = randomBytes(16);
    sub.keys = { p256dh: sub.ecdh.getPublicKey().toString('base64url'), auth: sub.authSecret.toString('base64url') };
  }

  /** The next answers for a subscription, in order (then 201 again). */
  plan(sub: BrowserSubscription, ...answers: PlannedAnswer[]): void {
    this.plans.set(sub.name, [...(this.plans.get(sub.name) ?? []), ...answers]);
  }

  /** The pushes received for a subscription (accepted or not), oldest first. */
  pushesTo(sub: BrowserSubscription): ReceivedPush[] {
    return this.received.filter((p) => p.subscription === sub.name);
  }

  /** Waits until `count` pushes matching `predicate` reached the subscription; returns them. */
  waitFor(
    sub: BrowserSubscription,
    predicate: (p: ReceivedPush) => boolean = () => true,
    count = 1,
    timeoutMs = 15_000,
  ): Promise<ReceivedPush[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hits = this.pushesTo(sub).filter(predicate);
        if (hits.length < count) return false;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(hits);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        const seen = this.pushesTo(sub).map((p) => `${p.status} ${JSON.stringify(p.payload)}`);
        reject(new Error(`${count} push(es) to ${sub.name} not received within ${timeoutMs} ms; got: ${seen.join('; ') || 'none'}`));
      }, timeoutMs);
      if (!check()) this.waiters.add(check);
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((ok) => this.server.close(() => ok()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const name = /^\/push\/([0-9a-f-]+)$/.exec(req.url ?? '')?.[1];
    const sub = name ? this.subscriptions.get(name) : undefined;
    const refuse = (problem: string) => {
      this.problems.push(problem);
      res.writeHead(400).end(problem);
    };
    if (req.method !== 'POST' || !sub) return refuse(`unexpected ${req.method} ${req.url}`);
    const claims = this.checkVapid(req.headers.authorization);
    if (typeof claims === 'string') return refuse(claims);
    const encoding = req.headers['content-encoding'];
    if (encoding !== 'aes128gcm') return refuse(`Content-Encoding ${String(encoding)}`);
    const ttl = req.headers.ttl;
    if (typeof ttl !== 'string' || !/^\d+$/.test(ttl)) return refuse(`TTL ${String(ttl)}`);
    const urgency = req.headers.urgency as string | undefined;
    if (urgency !== undefined && !['very-low', 'low', 'normal', 'high'].includes(urgency)) return refuse(`Urgency ${urgency}`);
    const topic = req.headers.topic as string | undefined;
    if (topic !== undefined && !/^[A-Za-z0-9_-]{1,32}$/.test(topic)) return refuse(`Topic ${topic}`);
    let payload: Record<string, unknown>;
    try {
      const plain = ece.decrypt(body, { version: 'aes128gcm', privateKey: sub.ecdh, authSecret: sub.authSecret });
      payload = JSON.parse(plain.toString('utf8')) as Record<string, unknown>;
    } catch (err) {
      return refuse(`payload does not decrypt: ${(err as Error).message}`);
    }
    const answer = this.plans.get(sub.name)?.shift() ?? { status: 201 };
    if (answer.delayMs) await new Promise((ok) => setTimeout(ok, answer.delayMs));
    this.received.push({
      subscription: sub.name,
      ttl: Number(ttl),
      urgency,
      topic,
      payload,
      claims,
      status: answer.status,
      at: Date.now(),
    });
    for (const wake of [...this.waiters]) wake();
    if (!res.destroyed) res.writeHead(answer.status, answer.headers).end();
  }

  /** RFC 8292: `vapid t=<JWT>, k=<public key>`; the JWT signed ES256 with that key, for this origin, for at most 24 h. */
  private checkVapid(header: string | undefined): ReceivedPush['claims'] | string {
    const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
    if (!match) return `Authorization ${header}`;
    const [, jwt, k] = match;
    if (this.vapidPublicKey && k !== this.vapidPublicKey) return `VAPID k is not the server's public key`;
    const [head, body, signature] = jwt.split('.');
    const point = Buffer.from(k, 'base64url');
    const key = createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') },
      format: 'jwk',
    });
    const jwtHeader = JSON.parse(Buffer.from(head, 'base64url').toString()) as { alg?: string };
    if (jwtHeader.alg !== 'ES256') return `JWT alg ${jwtHeader.alg}`;
    const valid = verify('sha256', Buffer.from(`${head}.${body}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
    if (!valid) return 'JWT signature is not valid for k';
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as ReceivedPush['claims'];
    if (claims.aud !== this.origin) return `JWT aud ${claims.aud}`;
    const now = Math.floor(Date.now() / 1000);
    if (!(claims.exp > now && claims.exp <= now + 86_400)) return `JWT exp ${claims.exp}`;
    if (!claims.sub) return 'JWT without sub';
    return claims;
  }
}
