// Brute-force lockout rules, pure: a record plus "now" in, a decision or a new record out.
// Counters must survive reboots, so stamps are stored with the wall clock; a lock's remaining time
// is its length minus the time elapsed since it started (clock.ts: monotonic within one boot),
// so a wall clock set back cannot stretch a lock and one set forward cannot end it early.
import { asInstant, elapsedMs, type Instant } from "../clock.js";
import type { Config } from "../config/schema.js";

/** "Now" as the rules see it: an Instant, or a bare wall-clock time (unknown boot). */
export type Now = number | Instant;

export interface LockoutRecord {
  /** Consecutive failures since the last success or lock. */
  failures: number;
  /** Locks so far; each one doubles the next lock's length. */
  lockCount: number;
  lockedUntil: number;
  lockMs: number;
  /** Failure times within the last hour, oldest first (at most maxFailuresPerHour). */
  recent: number[];
  lastFailureAt: number;
  /** Monotonic ms and boot id at which the current lock started ("" when unknown: wall time). */
  lockedAtMono: number;
  lockBootId: string;
}

export interface LockoutRules {
  threshold: number;
  baseMs: number;
  maxMs: number;
  maxFailuresPerHour: number;
}

export type AttemptDecision =
  | { allowed: true }
  | { allowed: false; reason: "locked" | "hourly-limit"; retryAfterMs: number };

export const HOUR_MS = 3_600_000;
/** After a day without failures earlier locks are forgiven: the next lock starts at the base again. */
export const FORGIVE_MS = 24 * HOUR_MS;

export const EMPTY_RECORD: LockoutRecord = Object.freeze({
  failures: 0,
  lockCount: 0,
  lockedUntil: 0,
  lockMs: 0,
  recent: [],
  lastFailureAt: 0,
  lockedAtMono: 0,
  lockBootId: "",
}) as LockoutRecord;

export function rulesFromConfig(cfg: Config["lockout"]): LockoutRules {
  return {
    threshold: cfg.threshold,
    baseMs: cfg.baseSeconds * 1000,
    maxMs: Math.max(cfg.baseSeconds, cfg.maxSeconds) * 1000,
    maxFailuresPerHour: cfg.maxFailuresPerHour,
  };
}

/** May an attempt start now? Callers judge one attempt per name at a time (see LoginGuard). */
export function checkAttempt(rec: LockoutRecord, rules: LockoutRules, at: Now): AttemptDecision {
  const now = asInstant(at).wall;
  const lockLeft = remainingLockMs(rec, at);
  if (lockLeft > 0) return { allowed: false, reason: "locked", retryAfterMs: lockLeft };
  const recent = inWindow(rec.recent, now);
  if (recent.length >= rules.maxFailuresPerHour) {
    const oldest = recent[recent.length - rules.maxFailuresPerHour] ?? now;
    return { allowed: false, reason: "hourly-limit", retryAfterMs: Math.max(1000, oldest + HOUR_MS - now) };
  }
  return { allowed: true };
}

/** Records a failure; `lockedMs` is set when this failure starts a lock. */
export function recordFailure(
  rec: LockoutRecord,
  rules: LockoutRules,
  at: Now,
): { record: LockoutRecord; lockedMs: number | null } {
  const instant = asInstant(at);
  const now = instant.wall;
  const lockCount = now - rec.lastFailureAt > FORGIVE_MS ? 0 : rec.lockCount;
  const recent = [...inWindow(rec.recent, now), now].slice(-rules.maxFailuresPerHour);
  const failures = rec.failures + 1;
  if (failures < rules.threshold) {
    return {
      record: { ...rec, failures, lockCount, recent, lastFailureAt: now },
      lockedMs: null,
    };
  }
  const lockMs = lockLength(rules, lockCount + 1);
  return {
    record: {
      failures: 0,
      lockCount: lockCount + 1,
      lockedUntil: now + lockMs,
      lockMs,
      recent,
      lastFailureAt: now,
      lockedAtMono: instant.mono,
      lockBootId: instant.bootId,
    },
    lockedMs: lockMs,
  };
}

/** A success clears the consecutive count and the doubling, not the hourly history. */
export function recordSuccess(rec: LockoutRecord): LockoutRecord {
  return { ...rec, failures: 0, lockCount: 0, lockedUntil: 0, lockMs: 0 };
}

/** Length of the n-th lock (1-based): base, doubled each time, capped. */
export function lockLength(rules: LockoutRules, n: number): number {
  const doubled = rules.baseMs * 2 ** Math.min(Math.max(0, n - 1), 30);
  return Math.min(doubled, rules.maxMs);
}

export function remainingLockMs(rec: LockoutRecord, at: Now): number {
  if (rec.lockMs <= 0 || rec.lockedUntil <= 0) return 0;
  const start: Instant = {
    wall: rec.lockedUntil - rec.lockMs,
    mono: rec.lockedAtMono,
    bootId: rec.lockBootId,
  };
  return Math.min(rec.lockMs, Math.max(0, rec.lockMs - elapsedMs(start, asInstant(at))));
}

/**
 * After a reboot the monotonic stamp of a running lock means nothing: re-anchor it to this boot,
 * counting what elapsed meanwhile by the wall clock (never negative), so that from here on the
 * new boot's monotonic clock measures the rest.
 */
export function rebaseLock(rec: LockoutRecord, at: Instant): LockoutRecord {
  if (rec.lockMs <= 0 || rec.lockBootId === at.bootId) return rec;
  const left = remainingLockMs(rec, at);
  if (left <= 0) return rec;
  const elapsed = rec.lockMs - left;
  return { ...rec, lockedAtMono: at.mono - elapsed, lockBootId: at.bootId, lockedUntil: at.wall + left };
}

/** Failure times in the sliding hour; times in the future (clock set back) are dropped. */
function inWindow(times: readonly number[], now: number): number[] {
  return times.filter((t) => t > now - HOUR_MS && t <= now);
}
