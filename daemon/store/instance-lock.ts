// One daemon per state directory (SPEC 4). Two daemons on one store fork the audit chain, replace
// each other's sockets and overwrite the pepper. The lock is a POSIX record lock that SQLite takes
// on `recoveryd.lock` in exclusive locking mode: the kernel holds it for exactly as long as the
// process lives (a SIGKILL or a power cut releases it, no stale pid file), and it is taken before
// anything else in the state directory is opened.
import Database from "better-sqlite3";
import { InstanceLockedError, StorageError } from "../errors.js";

export const LOCK_FILE = "recoveryd.lock";

export interface InstanceLock {
  release(): void;
}

export function acquireInstanceLock(file: string): InstanceLock {
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: 0 });
  } catch (err) {
    throw new StorageError(`cannot open the lock file ${file}: ${(err as Error).message}`);
  }
  try {
    db.pragma("locking_mode = EXCLUSIVE");
    db.pragma("journal_mode = MEMORY");
    // The first write in exclusive mode takes the file's lock and keeps it until close.
    db.exec("BEGIN EXCLUSIVE");
  } catch (err) {
    db.close();
    const code = (err as { code?: string }).code;
    if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") {
      throw new InstanceLockedError(
        `another recoveryd is running on this state directory (${file} is locked); this one touched nothing`,
      );
    }
    throw new StorageError(`cannot lock ${file}: ${(err as Error).message}`);
  }
  return {
    release() {
      if (!db.open) return;
      try {
        db.exec("ROLLBACK");
      } catch {
        // Closing drops the lock either way.
      }
      db.close();
    },
  };
}
