// Attempt limiting for the security code, the same rule as logins (SPEC 5): after `threshold`
// consecutive failures the code is locked for baseSeconds, doubling per lock up to maxSeconds.
// Pure: the caller owns the clock and the persistence.

export interface LockoutPolicy {
  threshold: number;
  baseSeconds: number;
  maxSeconds: number;
}

export interface LockoutState {
  /** Consecutive failures since the last lock or success. */
  failures: number;
  /** How many locks in a row so far; the next one lasts base * 2^level (capped). */
  level: number;
  /** Wall-clock ms until which attempts are refused, or null. Wall clock: it must outlive a reboot. */
  lockedUntil: number | null;
}

export const NO_LOCKOUT: LockoutState = { failures: 0, level: 0, lockedUntil: null };

export function lockRemainingMs(state: LockoutState, nowMs: number): number {
  return state.lockedUntil === null ? 0 : Math.max(0, state.lockedUntil - nowMs);
}

export function afterFailure(state: LockoutState, policy: LockoutPolicy, nowMs: number): LockoutState {
  const failures = state.failures + 1;
  if (failures < policy.threshold) return { ...state, failures, lockedUntil: null };
  const seconds = Math.min(policy.baseSeconds * 2 ** state.level, policy.maxSeconds);
  return { failures: 0, level: state.level + 1, lockedUntil: nowMs + seconds * 1000 };
}

/** A state read back from disk, or null when it is not one. */
export function parseLockoutState(raw: unknown): LockoutState | null {
  if (raw === null || typeof raw !== "object") return null;
  const r = raw as Record<string, unknown>;
  const count = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 0 && v < 1e6;
  if (!count(r.failures) || !count(r.level)) return null;
  if (r.lockedUntil !== null && !(typeof r.lockedUntil === "number" && Number.isFinite(r.lockedUntil)))
    return null;
  return {
    failures: r.failures as number,
    level: r.level as number,
    lockedUntil: r.lockedUntil as number | null,
  };
}
