import { PACE_MAX, PACE_MIN, PACE_START, PushPacer } from './push-pacer';

describe('PushPacer', () => {
  function pacer(busy: number[]) {
    let t = 0;
    const samples = [...busy];
    const p = new PushPacer(
      () => samples.shift() ?? 0,
      () => t,
    );
    return { p, advance: (ms: number) => (t += ms) };
  }

  it('grants half a second of its rate at once, then refills with time', () => {
    const { p, advance } = pacer([]);
    expect(p.take(10_000)).toBe(PACE_START / 2);
    expect(p.take(1)).toBe(0);
    expect(p.waitMs()).toBe(1);
    advance(100);
    expect(p.take(10_000)).toBe(PACE_START / 10);
  });

  it('halves its rate while the event loop is busy, down to the floor; speeds up again when it is quiet', () => {
    const { p } = pacer([0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.9, 0.1]);
    for (let i = 0; i < 8; i++) p.adjust();
    expect(p.pushesPerSecond).toBe(PACE_MIN);
    p.adjust(); // 0.9: neither busy nor quiet
    expect(p.pushesPerSecond).toBe(PACE_MIN);
    p.adjust();
    expect(p.pushesPerSecond).toBe(PACE_MIN * 1.25 + 100);
  });

  it('does not grow past its ceiling on a quiet process', () => {
    const { p } = pacer(Array.from({ length: 100 }, () => 0));
    for (let i = 0; i < 100; i++) p.adjust();
    expect(p.pushesPerSecond).toBe(PACE_MAX);
  });

  it('a busy tick also empties what the bucket held above the new rate', () => {
    const { p } = pacer([0.99]);
    p.adjust();
    expect(p.take(10_000)).toBe(PACE_START / 4);
  });
});
