// Applies the pure lockout rules to persisted counters, keyed by the lower-cased name typed at
// login, whether or not such an account exists. A refused attempt costs no argon2 at all.
//
// Attempts for one name are judged one at a time: the next waits until the previous one has been
// recorded, then the rules look again. A burst of parallel guesses therefore cannot slip past the
// threshold, and parallel logins with the right password are not refused for it.
import { type Clock, instantOf } from "../clock.js";
import { LockedError, TooManyRequestsError } from "../errors.js";
import {
  checkAttempt,
  EMPTY_RECORD,
  FORGIVE_MS,
  type LockoutRecord,
  type LockoutRules,
  rebaseLock,
  recordFailure,
  recordSuccess,
  remainingLockMs,
} from "../policy/lockout.js";
import type { LockedAccount } from "../services.js";
import { DEFAULT_MAX_ROWS, type LockoutRepo } from "../store/lockout-repo.js";

const PRUNE_EVERY = 64;
/** Attempts for one name that may wait behind the one being judged. */
export const MAX_WAITING_PER_NAME = 16;

export function loginKey(username: string): string {
  return username.normalize("NFKC").toLowerCase();
}

interface Line {
  tail: Promise<void>;
  length: number;
}

export class LoginGuard {
  private readonly lines = new Map<string, Line>();
  /** Counters the disk refused (full, read-only): still counted and still locking, in memory. */
  private readonly unsaved = new Map<string, LockoutRecord>();
  private failuresSincePrune = 0;

  constructor(
    private readonly repo: LockoutRepo,
    private readonly rules: LockoutRules,
    private readonly clock: Clock,
    private readonly maxRows = DEFAULT_MAX_ROWS,
  ) {}

  /**
   * Waits for this name's turn and returns the function that ends it. Throws LockedError at once
   * (no waiting, no argon2) while the name is locked, and again if it became locked meanwhile.
   */
  async begin(key: string): Promise<() => void> {
    this.check(key);
    const line = this.lines.get(key) ?? { tail: Promise.resolve(), length: 0 };
    if (line.length >= MAX_WAITING_PER_NAME) {
      throw new TooManyRequestsError(1, "busy: too many attempts for this user at once");
    }
    let end = () => {};
    const mine = new Promise<void>((resolve) => {
      end = resolve;
    });
    const before = line.tail;
    line.tail = before.then(() => mine);
    line.length++;
    this.lines.set(key, line);
    let ended = false;
    const finish = () => {
      if (ended) return;
      ended = true;
      end();
      if (--line.length === 0 && this.lines.get(key) === line) this.lines.delete(key);
    };
    await before;
    try {
      this.check(key);
    } catch (err) {
      finish();
      throw err;
    }
    return finish;
  }

  /** Returns the lock length in ms when this failure starts a lock, else null. */
  failure(key: string): number | null {
    const { record, lockedMs } = recordFailure(
      this.read(key) ?? EMPTY_RECORD,
      this.rules,
      instantOf(this.clock),
    );
    this.write(key, record);
    if (++this.failuresSincePrune >= PRUNE_EVERY) {
      try {
        this.prune();
      } catch {
        // A full disk: pruning waits for the next time.
      }
    }
    return lockedMs;
  }

  success(key: string): void {
    const rec = this.read(key);
    if (rec) this.write(key, recordSuccess(rec));
  }

  /**
   * A new account under this name starts from zero: wrong logins for a name that had no account
   * guarded nothing, and inheriting them locked out the owner who had just set the password
   * (found by the power-cut rig; a stranger guessing "admin" before setup could do it on purpose).
   * Called inside the transaction that inserts the account.
   */
  forget(key: string): void {
    this.unsaved.delete(key);
    this.repo.delete(key);
  }

  /** Names whose counters live only in memory because the disk refused them. */
  get unsavedCount(): number {
    return this.unsaved.size;
  }

  private read(key: string): LockoutRecord | undefined {
    return this.unsaved.get(key) ?? this.repo.get(key);
  }

  private write(key: string, rec: LockoutRecord): void {
    try {
      this.repo.put(key, rec);
      this.unsaved.delete(key);
    } catch {
      // Bounded like the table: the oldest in-memory counter goes first.
      if (!this.unsaved.has(key) && this.unsaved.size >= 4096) {
        const oldest = this.unsaved.keys().next().value;
        if (oldest !== undefined) this.unsaved.delete(oldest);
      }
      this.unsaved.set(key, rec);
    }
  }

  /** How many names are locked now (what strangers may see: no names). */
  lockedCount(): number {
    return this.repo.countLocked(this.clock.now());
  }

  lockedAccounts(limit = 20): LockedAccount[] {
    const at = instantOf(this.clock);
    const now = at.wall;
    return this.repo
      .locked(now, limit)
      .map(({ username, record }) => ({ username, ms: remainingLockMs(record, at) }))
      .filter((l) => l.ms > 0)
      .map(({ username, ms }) => ({
        username,
        lockedUntil: new Date(now + ms).toISOString(),
        retryAfterSeconds: Math.ceil(ms / 1000),
      }));
  }

  prune(): void {
    this.failuresSincePrune = 0;
    this.repo.prune(this.clock.now(), FORGIVE_MS, this.maxRows);
  }

  /** At start: locks that began in an earlier boot are re-anchored to this boot's clock. */
  rebaseAfterBoot(): number {
    const at = instantOf(this.clock);
    let n = 0;
    for (const { username, record } of this.repo.withLocks()) {
      const next = rebaseLock(record, at);
      if (next !== record) {
        this.repo.put(username, next);
        n++;
      }
    }
    return n;
  }

  private check(key: string): void {
    const decision = checkAttempt(this.read(key) ?? EMPTY_RECORD, this.rules, instantOf(this.clock));
    if (!decision.allowed) throw new LockedError(decision.retryAfterMs / 1000, { reason: decision.reason });
  }
}
