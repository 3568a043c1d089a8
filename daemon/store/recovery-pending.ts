// Pending recovery state that must survive a restart but die with every credential reset (the
// reset transaction empties this table): e.g. the nonce of an exported reset request that a
// vendor grant will answer later. Secret keys do not belong here: they stay in memory.
import type { Db } from "./db.js";

export class RecoveryPending {
  private readonly st;

  constructor(db: Db) {
    this.st = {
      put: db.prepare<[string, string, string, number, number]>(
        `INSERT INTO recovery_pending (kind, id, data, created_at, expires_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (kind, id) DO UPDATE SET data = excluded.data, created_at = excluded.created_at,
           expires_at = excluded.expires_at`,
      ),
      get: db.prepare<[string, string, number], { data: string }>(
        "SELECT data FROM recovery_pending WHERE kind = ? AND id = ? AND expires_at > ?",
      ),
      delete: db.prepare<[string, string]>("DELETE FROM recovery_pending WHERE kind = ? AND id = ?"),
      purge: db.prepare<[number]>("DELETE FROM recovery_pending WHERE expires_at <= ?"),
    };
  }

  put(kind: string, id: string, data: string, now: number, expiresAt: number): void {
    this.st.put.run(kind, id, data, now, expiresAt);
  }

  /** Single use: returns the live entry and deletes it, in one step. */
  take(kind: string, id: string, now: number): string | undefined {
    const row = this.st.get.get(kind, id, now);
    this.st.delete.run(kind, id);
    return row?.data;
  }

  peek(kind: string, id: string, now: number): string | undefined {
    return this.st.get.get(kind, id, now)?.data;
  }

  purgeExpired(now: number): void {
    this.st.purge.run(now);
  }
}
