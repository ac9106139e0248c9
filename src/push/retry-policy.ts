/** The first retry waits this long; each failure doubles it, up to RETRY_MAX_SECONDS. */
export const RETRY_BASE_SECONDS = 1;
export const RETRY_MAX_SECONDS = 3600;

/**
 * Seconds until the next attempt after `failures` failed attempts (1 for the first failure): the
 * push service's Retry-After when it gave one, else exponential backoff with ±20 % jitter (so that
 * pushes that failed together do not come back together).
 */
export function retryDelaySeconds(failures: number, retryAfterSeconds: number | null, random = Math.random): number {
  if (retryAfterSeconds !== null) return Math.max(retryAfterSeconds, 0);
  const backoff = Math.min(RETRY_BASE_SECONDS * 2 ** Math.max(failures - 1, 0), RETRY_MAX_SECONDS);
  return backoff * (0.8 + 0.4 * random());
}

/** Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | null {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return null;
  if (/^\d+$/.test(raw)) return Number(raw);
  // An IMF-fixdate names its day and month; anything else (e.g. "-3", which Date.parse reads as a year) is not one.
  const at = /[a-z]{3}/i.test(raw) ? Date.parse(raw) : NaN;
  return Number.isNaN(at) ? null : Math.max(Math.ceil((at - now) / 1000), 0);
}
