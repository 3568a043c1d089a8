// Time is injected everywhere so that the pure core can be driven by a fake clock in tests.

export interface Clock {
  /** Wall-clock time, ms since the epoch (for expiry stamps stored on disk). */
  now(): number;
  /** CLOCK_MONOTONIC in ms (fractional); comparable across processes on the same machine. */
  monotonic(): number;
}

export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: monotonicMs,
};

/** A clock for tests: time moves only when told to. */
export class FakeClock implements Clock {
  private wall: number;
  private mono: number;
  constructor(startWallMs = Date.UTC(2026, 0, 1), startMonoMs = 1_000_000) {
    this.wall = startWallMs;
    this.mono = startMonoMs;
  }
  now(): number {
    return this.wall;
  }
  monotonic(): number {
    return this.mono;
  }
  advance(ms: number): void {
    this.wall += ms;
    this.mono += ms;
  }
}
