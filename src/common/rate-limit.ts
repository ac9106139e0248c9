import { AppException } from './app.exception';

interface Bucket {
  tokens: number;
  at: number;
}

/** How often buckets that have refilled completely are dropped (they are the same as no bucket). */
const SWEEP_EVERY_MS = 60_000;

/**
 * A token bucket per key (a user id): `capacity` tokens, refilled continuously at `refillPerMs`.
 * Each action takes one token; with none left it is refused. In memory, so per instance: with N
 * instances a user who spreads its traffic over all of them gets up to N times the rate. Buckets
 * that are full again are forgotten, so memory follows the number of recently active keys.
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep: number;

  constructor(
    private readonly refillPerMs: number,
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {
    this.lastSweep = now();
  }

  /** `rate` actions per second on average, `burst` in a row; a rate of 0 disables the limit. */
  static perSecond(rate: number, burst: number, now?: () => number): TokenBucketLimiter {
    return new TokenBucketLimiter(rate / 1000, Math.max(1, burst), now);
  }

  /** `count` actions per minute, all of them in a row at most; 0 disables the limit. */
  static perMinute(count: number, now?: () => number): TokenBucketLimiter {
    return new TokenBucketLimiter(count / 60_000, Math.max(1, count), now);
  }

  get enabled(): boolean {
    return this.refillPerMs > 0;
  }

  /** Number of keys with a bucket that is not full (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes a token for `key`: 0 when granted, else how many ms until one is available (nothing taken). */
  take(key: string): number {
    if (!this.enabled) return 0;
    const now = this.now();
    if (now - this.lastSweep >= SWEEP_EVERY_MS) this.sweep(now);
    const bucket = this.buckets.get(key);
    const tokens = this.level(bucket, now);
    if (tokens < 1) {
      if (bucket) Object.assign(bucket, { tokens, at: now });
      return Math.ceil((1 - tokens) / this.refillPerMs);
    }
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    return 0;
  }

  /** The bucket of `key` as it is now: whole tokens left, and ms until it is full again. */
  state(key: string): { limit: number; remaining: number; fullInMs: number } {
    const tokens = this.level(this.buckets.get(key), this.now());
    const fullInMs = this.enabled ? Math.ceil((this.capacity - tokens) / this.refillPerMs) : 0;
    return { limit: this.capacity, remaining: Math.floor(tokens), fullInMs };
  }

  private level(bucket: Bucket | undefined, now: number): number {
    return bucket ? Math.min(this.capacity, bucket.tokens + (now - bucket.at) * this.refillPerMs) : this.capacity;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, b] of this.buckets) {
      if (b.tokens + (now - b.at) * this.refillPerMs >= this.capacity) this.buckets.delete(key);
    }
  }
}

/** A wait in whole seconds, at least 1: what the message, `retryAfter` and Retry-After say. */
const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * 429 RATE_LIMITED with `details: [{ retryAfter }]` (whole seconds): socket acknowledgements carry it
 * as is, and the REST filter turns it into the Retry-After header, so every refusal says when to retry.
 */
export function rateLimited(message: string, retryAfterSeconds: number): AppException {
  return new AppException('RATE_LIMITED', message, [{ retryAfter: retryAfterSeconds }]);
}

/**
 * One named limit, e.g. messages sent per user. The limiter is built on first use (so a service
 * can declare it as a field before its injected configuration is assigned). `consume` throws
 * 429 RATE_LIMITED (see `rateLimited`), which REST answers as is and a socket acknowledgement
 * carries as its error.
 */
export class RateLimit {
  private limiter?: TokenBucketLimiter;

  constructor(
    private readonly what: string,
    private readonly build: () => TokenBucketLimiter,
  ) {}

  consume(key: string): void {
    const waitMs = this.take(key);
    if (waitMs > 0) throw this.refusal(waitMs);
  }

  /**
   * `consume` for an HTTP route that reports its limit: X-RateLimit-Limit, -Remaining and -Reset
   * (seconds until the bucket is full) on every answer. Retry-After on a refusal comes from the
   * error's `retryAfter`, set by the REST filter as for every other 429.
   */
  consumeReporting(key: string, setHeader: (name: string, value: string) => void): void {
    const waitMs = this.take(key);
    const { limit, remaining, fullInMs } = this.limiter!.state(key);
    setHeader('X-RateLimit-Limit', String(limit));
    setHeader('X-RateLimit-Remaining', String(remaining));
    setHeader('X-RateLimit-Reset', String(Math.ceil(fullInMs / 1000)));
    if (waitMs > 0) throw this.refusal(waitMs);
  }

  private take(key: string): number {
    this.limiter ??= this.build();
    return this.limiter.take(key);
  }

  private refusal(waitMs: number): AppException {
    const wait = seconds(waitMs);
    return rateLimited(`too many ${this.what}; try again in ${wait} s`, wait);
  }
}
