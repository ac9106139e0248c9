import { isDocumentMismatch } from './schema-check';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until `accept` holds (every 100 ms, up to `timeoutMs`), like Playwright Test's
 * web-first assertions: for what the service does in the background (clean-ups, files going away).
 * A probe that throws counts as "not yet", unless what it threw is an answer the documents do not
 * describe (that is no "not yet": it fails at once).
 */
export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    try {
      last = await probe();
      if (accept(last)) return last;
    } catch (err) {
      if (isDocumentMismatch(err)) throw err;
      // not there yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await sleep(100);
  }
}
