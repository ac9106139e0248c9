import { EventLoopUtilization, performance } from 'node:perf_hooks';

/** Pushes per second the pacer allows at most, at first, and at least (so that a backlog always moves). */
export const PACE_MAX = 10_000;
export const PACE_START = 1000;
export const PACE_MIN = 50;
/** How often the pacer looks at how busy the process is. */
export const PACE_TICK_MS = 250;
/**
 * Above this event-loop utilisation the process is busy: pushes give way; below the lower one they
 * speed up. Pushes count towards the utilisation too, so the upper one is high: a worker alone with
 * a backlog settles near it.
 */
const BUSY = 0.95;
const IDLE = 0.8;

/** The event loop's utilisation (0…1) since the previous call. */
export function eventLoopBusy(): () => number {
  let previous: EventLoopUtilization = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, previous);
    previous = now;
    return utilization;
  };
}

/**
 * Pushes give way to sends. Encrypting and sending a push costs this process CPU that sends would
 * otherwise use, so the worker sends at a rate that follows how busy the event loop is (AIMD: halved
 * when the utilisation was over 95 % in the last quarter second, raised by a quarter plus 100/s when
 * it was under 80 %). When sends saturate the process, pushes slow down to PACE_MIN per second and
 * catch up once the load drops; on a quiet process they go as fast as the push services take them.
 * A token bucket holds half a second of the current rate.
 */
export class PushPacer {
  private rate = PACE_START;
  private tokens = PACE_START / 2;
  private lastRefill: number;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly busy: () => number = eventLoopBusy(),
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastRefill = this.now();
  }

  start(): void {
    this.busy(); // from now on
    this.timer = setInterval(() => this.adjust(), PACE_TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The current rate, in pushes per second. */
  get pushesPerSecond(): number {
    return this.rate;
  }

  /** Takes up to `wanted` pushes' worth of tokens; returns how many it granted (0 when the bucket is empty). */
  take(wanted: number): number {
    this.refill();
    const granted = Math.max(Math.min(wanted, Math.floor(this.tokens)), 0);
    this.tokens -= granted;
    return granted;
  }

  /** Gives back tokens taken but not used (fewer deliveries were due than granted). */
  refund(unused: number): void {
    this.tokens = Math.min(this.tokens + Math.max(unused, 0), this.rate / 2);
  }

  /** Milliseconds until at least one push may go. */
  waitMs(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }

  /** One look at the event loop (every PACE_TICK_MS once started). */
  adjust(): void {
    this.refill();
    const utilisation = this.busy();
    if (utilisation > BUSY) this.rate = Math.max(PACE_MIN, this.rate / 2);
    else if (utilisation < IDLE) this.rate = Math.min(PACE_MAX, this.rate * 1.25 + 100);
    this.tokens = Math.min(this.tokens, this.rate / 2);
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.tokens + ((now - this.lastRefill) / 1000) * this.rate, this.rate / 2);
    this.lastRefill = now;
  }
}
