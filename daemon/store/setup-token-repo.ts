// Setup tokens of remote resets, as hashes with the Instant they were issued and their length.
// They survive a restart (the caller of a remote reset may not have finished setup when the
// daemon restarted) and die with a setup or the next reset.
import type { Instant } from "../clock.js";
import type { Db } from "./db.js";

export interface SetupTokenRow {
  issued: Instant;
  ttlMs: number;
}

interface Raw {
  issued_at: number;
  issued_mono: number;
  boot_id: string;
  ttl_ms: number;
}

export class SetupTokenRepo {
  private readonly st;

  constructor(db: Db) {
    this.st = {
      insert: db.prepare<[Buffer, number, number, string, number]>(
        "INSERT INTO setup_tokens (token_hash, issued_at, issued_mono, boot_id, ttl_ms) VALUES (?, ?, ?, ?, ?)",
      ),
      get: db.prepare<[Buffer], Raw>("SELECT * FROM setup_tokens WHERE token_hash = ?"),
      delete: db.prepare<[Buffer]>("DELETE FROM setup_tokens WHERE token_hash = ?"),
      clear: db.prepare("DELETE FROM setup_tokens"),
    };
  }

  insert(hash: Buffer, row: SetupTokenRow): void {
    this.st.insert.run(hash, row.issued.wall, row.issued.mono, row.issued.bootId, row.ttlMs);
  }

  get(hash: Buffer): SetupTokenRow | undefined {
    const r = this.st.get.get(hash);
    return r && { issued: { wall: r.issued_at, mono: r.issued_mono, bootId: r.boot_id }, ttlMs: r.ttl_ms };
  }

  delete(hash: Buffer): boolean {
    return this.st.delete.run(hash).changes === 1;
  }

  clear(): void {
    this.st.clear.run();
  }
}
