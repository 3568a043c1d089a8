// Persistence of the lockout counters (the rules themselves are pure, in policy/lockout.ts).
import type { LockoutRecord } from "../policy/lockout.js";
import type { Db } from "./db.js";

interface RawLockout {
  username: string;
  failures: number;
  lock_count: number;
  locked_until: number;
  lock_ms: number;
  recent: string;
  last_failure_at: number;
  locked_at_mono: number;
  lock_boot_id: string;
}

/**
 * Rows kept, for known and unknown names alike (lockout.maxTrackedNames). Evicting only unknown
 * names would tell a caller which names exist: the counter of a real account would survive a
 * flood of made-up names and the one of a made-up name would not (issue 12).
 */
export const DEFAULT_MAX_ROWS = 1024;

export class LockoutRepo {
  private readonly st;

  constructor(private readonly db: Db) {
    this.st = {
      get: db.prepare<[string], RawLockout>("SELECT * FROM lockout WHERE username = ?"),
      put: db.prepare(
        `INSERT INTO lockout (username, failures, lock_count, locked_until, lock_ms, recent, last_failure_at,
           locked_at_mono, lock_boot_id)
         VALUES (@username, @failures, @lock_count, @locked_until, @lock_ms, @recent, @last_failure_at,
           @locked_at_mono, @lock_boot_id)
         ON CONFLICT (username) DO UPDATE SET failures = excluded.failures, lock_count = excluded.lock_count,
           locked_until = excluded.locked_until, lock_ms = excluded.lock_ms, recent = excluded.recent,
           last_failure_at = excluded.last_failure_at, locked_at_mono = excluded.locked_at_mono,
           lock_boot_id = excluded.lock_boot_id`,
      ),
      delete: db.prepare<[string]>("DELETE FROM lockout WHERE username = ?"),
      withLocks: db.prepare<[], RawLockout>("SELECT * FROM lockout WHERE lock_ms > 0 AND locked_until > 0"),
      locked: db.prepare<[number, number], RawLockout>(
        "SELECT * FROM lockout WHERE lock_ms > 0 AND locked_until > ? - 86400000 ORDER BY locked_until DESC LIMIT ?",
      ),
      count: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM lockout"),
      countLocked: db.prepare<[number], { n: number }>(
        "SELECT count(*) AS n FROM lockout WHERE locked_until > ?",
      ),
      // Oldest first, whoever the name belongs to; rows still locked go last, so a flood of
      // made-up names has to outnumber the cap in *locked* rows before a lock is forgotten.
      evictOldest: db.prepare<[number, number]>(
        `DELETE FROM lockout WHERE username IN (
           SELECT username FROM lockout ORDER BY (locked_until > ?), last_failure_at LIMIT ?)`,
      ),
      pruneIdle: db.prepare<[number, number]>(
        "DELETE FROM lockout WHERE locked_until <= ? AND last_failure_at < ?",
      ),
    };
  }

  get(key: string): LockoutRecord | undefined {
    const r = this.st.get.get(key);
    return r && fromRaw(r);
  }

  put(key: string, rec: LockoutRecord): void {
    this.st.put.run({
      username: key,
      failures: rec.failures,
      lock_count: rec.lockCount,
      locked_until: rec.lockedUntil,
      lock_ms: rec.lockMs,
      recent: JSON.stringify(rec.recent),
      last_failure_at: rec.lastFailureAt,
      locked_at_mono: rec.lockedAtMono,
      lock_boot_id: rec.lockBootId,
    });
  }

  /** Every row with a lock that may still run (for re-anchoring them after a reboot). */
  withLocks(): { username: string; record: LockoutRecord }[] {
    return this.st.withLocks.all().map((r) => ({ username: r.username, record: fromRaw(r) }));
  }

  delete(key: string): void {
    this.st.delete.run(key);
  }

  countLocked(now: number): number {
    return this.st.countLocked.get(now)?.n ?? 0;
  }

  /** Rows whose lock may still run: by wall time, widened by a day for a clock set forward. */
  locked(now: number, limit: number): { username: string; record: LockoutRecord }[] {
    return this.st.locked.all(now, limit).map((r) => ({ username: r.username, record: fromRaw(r) }));
  }

  /**
   * Keeps the table bounded: rows idle for `idleMs` go, and beyond `maxRows` the oldest rows go,
   * known and unknown names alike.
   */
  prune(now: number, idleMs: number, maxRows = DEFAULT_MAX_ROWS): void {
    this.db.transaction(() => {
      this.st.pruneIdle.run(now, now - idleMs);
      const extra = (this.st.count.get()?.n ?? 0) - maxRows;
      if (extra > 0) this.st.evictOldest.run(now, extra);
    })();
  }
}

function fromRaw(r: RawLockout): LockoutRecord {
  let recent: number[] = [];
  try {
    const parsed: unknown = JSON.parse(r.recent);
    if (Array.isArray(parsed)) recent = parsed.filter((t): t is number => typeof t === "number");
  } catch {
    // A damaged list only loses the hourly history; the consecutive counter still holds.
  }
  return {
    failures: r.failures,
    lockCount: r.lock_count,
    lockedUntil: r.locked_until,
    lockMs: r.lock_ms,
    recent,
    lastFailureAt: r.last_failure_at,
    lockedAtMono: r.locked_at_mono ?? 0,
    lockBootId: r.lock_boot_id ?? "",
  };
}
