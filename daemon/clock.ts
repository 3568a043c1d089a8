// Time is injected everywhere so that the pure core can be driven by a fake clock in tests.
//
// Durations that protect the recorder (lockouts, setup tokens, sessions) are measured in elapsed
// time, not wall time: setting the wall clock back a day must not stretch a 5-minute lockout, and
// setting it forward must not end one early. Within one boot CLOCK_MONOTONIC is exact; across a
// reboot (a different kernel boot id) only the wall clock is left, clamped so it never goes back.
import { readFileSync } from "node:fs";

export interface Clock {
  /** Wall-clock time, ms since the epoch (for expiry stamps stored on disk). */
  now(): number;
  /** CLOCK_MONOTONIC in ms (fractional); comparable across processes on the same machine. */
  monotonic(): number;
  /** The kernel's boot id: monotonic readings compare only within one boot. "" when unknown. */
  bootId?(): string;
}

/** A point in time as all three clocks saw it: what gets stored beside a duration's start. */
export interface Instant {
  wall: number;
  mono: number;
  bootId: string;
}

export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

let cachedBootId: string | undefined;
function kernelBootId(): string {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    } catch {
      cachedBootId = "";
    }
  }
  return cachedBootId;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: monotonicMs,
  bootId: kernelBootId,
};

export function instantOf(clock: Clock): Instant {
  return { wall: clock.now(), mono: clock.monotonic(), bootId: clock.bootId?.() ?? "" };
}

/** A bare wall-clock time (old records, tests) as an Instant of an unknown boot. */
export function asInstant(now: number | Instant): Instant {
  return typeof now === "number" ? { wall: now, mono: now, bootId: "" } : now;
}

/** Time elapsed from `from` to `to`: monotonic within one known boot, else wall, never negative. */
export function elapsedMs(from: Instant, to: Instant): number {
  if (from.bootId !== "" && from.bootId === to.bootId) return Math.max(0, to.mono - from.mono);
  return Math.max(0, to.wall - from.wall);
}

/** A clock for tests: time moves only when told to. */
export class FakeClock implements Clock {
  private wall: number;
  private mono: number;
  private boot = "fake-boot-1";
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
  bootId(): string {
    return this.boot;
  }
  advance(ms: number): void {
    this.wall += ms;
    this.mono += ms;
  }
  /** Moves only the wall clock (an administrator or NTP setting the time). */
  setWall(ms: number): void {
    this.wall = ms;
  }
  /** A reboot: new boot id, monotonic restarts near zero, wall goes on by `downMs`. */
  reboot(downMs = 0): void {
    this.boot = `fake-boot-${Number(this.boot.split("-")[2]) + 1}`;
    this.mono = 5_000;
    this.wall += downMs;
  }
}
