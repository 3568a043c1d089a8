// Applies the pure lockout rules to persisted counters, keyed by the lower-cased name typed at
// login, whether or not such an account exists. A refused attempt costs no argon2 at all.
import type { Clock } from "../clock.js";
import { LockedError } from "../errors.js";
import {
  checkAttempt,
  EMPTY_RECORD,
  FORGIVE_MS,
  type LockoutRules,
  recordFailure,
  recordSuccess,
  remainingLockMs,
} from "../policy/lockout.js";
import type { LockedAccount } from "../services.js";
import type { LockoutRepo } from "../store/lockout-repo.js";

const PRUNE_EVERY = 64;

export function loginKey(username: string): string {
  return username.normalize("NFKC").toLowerCase();
}

export class LoginGuard {
  /** Attempts started and not yet judged, per key: counted as failures by the rules. */
  private readonly inFlight = new Map<string, number>();
  private failuresSincePrune = 0;

  constructor(
    private readonly repo: LockoutRepo,
    private readonly rules: LockoutRules,
    private readonly clock: Clock,
  ) {}

  /** Throws LockedError when the key may not try now; otherwise returns the release function. */
  begin(key: string): () => void {
    const rec = this.repo.get(key) ?? EMPTY_RECORD;
    const decision = checkAttempt(rec, this.rules, this.clock.now(), this.inFlight.get(key) ?? 0);
    if (!decision.allowed) {
      throw new LockedError(decision.retryAfterMs / 1000, { reason: decision.reason });
    }
    this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.inFlight.get(key) ?? 1) - 1;
      if (n <= 0) this.inFlight.delete(key);
      else this.inFlight.set(key, n);
    };
  }

  /** Returns the lock length in ms when this failure starts a lock, else null. */
  failure(key: string): number | null {
    const now = this.clock.now();
    const { record, lockedMs } = recordFailure(this.repo.get(key) ?? EMPTY_RECORD, this.rules, now);
    this.repo.put(key, record);
    if (++this.failuresSincePrune >= PRUNE_EVERY) this.prune();
    return lockedMs;
  }

  success(key: string): void {
    const rec = this.repo.get(key);
    if (rec) this.repo.put(key, recordSuccess(rec));
  }

  lockedAccounts(limit = 20): LockedAccount[] {
    const now = this.clock.now();
    return this.repo
      .locked(now, limit)
      .map(({ username, record }) => ({ username, ms: remainingLockMs(record, now) }))
      .filter((l) => l.ms > 0)
      .map(({ username, ms }) => ({
        username,
        lockedUntil: new Date(now + ms).toISOString(),
        retryAfterSeconds: Math.ceil(ms / 1000),
      }));
  }

  prune(): void {
    this.failuresSincePrune = 0;
    this.repo.prune(this.clock.now(), FORGIVE_MS);
  }
}
