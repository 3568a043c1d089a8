// After a reset, no byte of an old credential may stay readable in credentials.db, its WAL or
// its shared-memory file. secure_delete zeroes freed cells and pages as the reset deletes them,
// but the old page images still sit in the WAL and in the main file until a checkpoint copies
// the zeroed pages over them; VACUUM then rebuilds the file from live rows only, so nothing
// secure_delete might miss (cell fragments moved by b-tree balancing, freelist trunks) survives.
import { StoreUnavailableError } from "../errors.js";
import type { Db } from "./db.js";

interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

/** Copies the WAL into the database and truncates the WAL file to zero bytes. */
export function checkpointTruncate(db: Db): void {
  // Only this process uses the file, so a busy checkpoint means a reader of ours is still open;
  // a few retries cover a statement iterator being finalised.
  for (let attempt = 0; attempt < 5; attempt++) {
    const r = db.pragma("wal_checkpoint(TRUNCATE)") as CheckpointResult[];
    if (r[0] && r[0].busy === 0) return;
  }
  throw new StoreUnavailableError("credential store: WAL checkpoint stayed busy");
}

export function compact(db: Db): void {
  checkpointTruncate(db);
  db.exec("VACUUM");
  // The flag is cleared only once VACUUM has run, so a crash anywhere above redoes all of it.
  db.prepare("UPDATE meta SET compact_pending = 0 WHERE id = 1").run();
  checkpointTruncate(db);
}
