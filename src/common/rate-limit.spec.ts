import { AppException } from './app.exception';
import { RateLimit, TokenBucketLimiter } from './rate-limit';

describe('TokenBucketLimiter', () => {
  let t = 0;
  const clock = () => t;
  beforeEach(() => (t = 1_000_000));

  it('grants the burst in a row, then refuses with the wait until the next token', () => {
    const limiter = TokenBucketLimiter.perSecond(20, 40, clock);
    for (let i = 0; i < 40; i++) expect(limiter.take('u')).toBe(0);
    expect(limiter.take('u')).toBe(50); // one token every 50 ms
    t += 49;
    expect(limiter.take('u')).toBeGreaterThan(0);
    t += 1;
    expect(limiter.take('u')).toBe(0);
    expect(limiter.take('u')).toBe(50);
  });

  it('keeps keys apart', () => {
    const limiter = TokenBucketLimiter.perSecond(1, 1, clock);
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBeGreaterThan(0);
    expect(limiter.take('b')).toBe(0);
  });

  it('refills to the burst, never beyond', () => {
    const limiter = TokenBucketLimiter.perSecond(10, 3, clock);
    for (let i = 0; i < 3; i++) limiter.take('u');
    t += 60_000;
    for (let i = 0; i < 3; i++) expect(limiter.take('u')).toBe(0);
    expect(limiter.take('u')).toBeGreaterThan(0);
  });

  it('sustains the rate: over 10 s at most burst + 10 × rate are granted', () => {
    const limiter = TokenBucketLimiter.perSecond(20, 40, clock);
    let granted = 0;
    for (let ms = 0; ms < 10_000; ms += 5, t += 5) if (limiter.take('u') === 0) granted += 1;
    expect(granted).toBeLessThanOrEqual(40 + 200);
    expect(granted).toBeGreaterThanOrEqual(40 + 199);
  });

  it('per minute: the whole minute’s count in a row, then one every 60/count s', () => {
    const limiter = TokenBucketLimiter.perMinute(30, clock);
    for (let i = 0; i < 30; i++) expect(limiter.take('u')).toBe(0);
    expect(limiter.take('u')).toBe(2000);
  });

  it('a rate of 0 disables the limit', () => {
    const limiter = TokenBucketLimiter.perSecond(0, 40, clock);
    expect(limiter.enabled).toBe(false);
    for (let i = 0; i < 1000; i++) expect(limiter.take('u')).toBe(0);
    expect(limiter.size).toBe(0);
  });

  it('forgets buckets that filled up again (memory follows the active keys)', () => {
    const limiter = TokenBucketLimiter.perSecond(10, 10, clock);
    for (let i = 0; i < 500; i++) limiter.take(`user${i}`);
    expect(limiter.size).toBe(500);
    t += 61_000;
    limiter.take('another');
    expect(limiter.size).toBe(1);
  });
});

describe('RateLimit', () => {
  it('throws 429 RATE_LIMITED naming what and when (also as details.retryAfter), and builds its limiter on first use', () => {
    const build = jest.fn(() => TokenBucketLimiter.perSecond(1, 2));
    const limit = new RateLimit('messages', build);
    expect(build).not.toHaveBeenCalled();
    limit.consume('u');
    limit.consume('u');
    let error: unknown;
    try {
      limit.consume('u');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AppException);
    expect((error as AppException).toBody()).toEqual({
      statusCode: 429,
      code: 'RATE_LIMITED',
      message: 'too many messages; try again in 1 s',
      details: [{ retryAfter: 1 }],
    });
    expect(build).toHaveBeenCalledTimes(1);
  });
});

describe('RateLimit.consumeReporting', () => {
  it('reports limit, remaining and reset on each answer, and the wait in the 429 (Retry-After is the filter’s)', () => {
    let t = 1_000_000;
    const limit = new RateLimit('attempts', () => TokenBucketLimiter.perMinute(2, () => t));
    const answer = () => {
      const headers: Record<string, string> = {};
      try {
        limit.consumeReporting('ip', (name, value) => (headers[name] = value));
        return { headers };
      } catch (err) {
        return { headers, error: (err as AppException).toBody() };
      }
    };
    expect(answer()).toEqual({ headers: { 'X-RateLimit-Limit': '2', 'X-RateLimit-Remaining': '1', 'X-RateLimit-Reset': '30' } });
    expect(answer()).toEqual({ headers: { 'X-RateLimit-Limit': '2', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '60' } });
    t += 10_000;
    expect(answer()).toEqual({
      headers: { 'X-RateLimit-Limit': '2', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '50' },
      error: { statusCode: 429, code: 'RATE_LIMITED', message: 'too many attempts; try again in 20 s', details: [{ retryAfter: 20 }] },
    });
    t += 20_000;
    expect(answer().error).toBeUndefined();
  });
});
