// Init script run before any page script: seeded Math.random and a pinned wall clock, so what
// the app derives from them (a "random" seed, timestamps) is the same on every run.
// performance.now is left alone: ORT and the frame loop need real elapsed time, and a frozen
// monotonic clock would stall "when the camera rests" logic. Date starts at a fixed epoch and
// advances with it, so timers and debounces still see time pass.

export interface DeterminismOptions {
  seed: number;
  epochMs: number;
}

export const DEFAULT_DETERMINISM: DeterminismOptions = { seed: 0x5eed, epochMs: Date.UTC(2025, 0, 1, 12, 0, 0) };

/** Serialised by Playwright and run in the page: it must not reference anything outside itself. */
export function installDeterminism({ seed, epochMs }: DeterminismOptions): void {
  let state = seed >>> 0;
  Math.random = () => {
    // mulberry32, the project's PRNG (src/kernels/rng.ts)
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  const RealDate = Date;
  const start = performance.now();
  const now = () => epochMs + Math.floor(performance.now() - start);
  function PinnedDate(this: unknown, ...args: unknown[]): Date | string {
    if (!(this instanceof PinnedDate)) return new RealDate(now()).toString();
    const date = args.length === 0 ? new RealDate(now()) : (Reflect.construct(RealDate, args) as Date);
    Object.setPrototypeOf(date, PinnedDate.prototype);
    return date;
  }
  PinnedDate.prototype = RealDate.prototype;
  Object.setPrototypeOf(PinnedDate, RealDate);
  (PinnedDate as unknown as { now: () => number }).now = now;
  (globalThis as unknown as { Date: unknown }).Date = PinnedDate;
}
