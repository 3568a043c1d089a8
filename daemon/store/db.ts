// Opens credentials.db with the durability and hygiene settings the credential store relies on,
// checks it, and brings its schema up to date.
import { chmodSync, closeSync, openSync } from "node:fs";
import Database from "better-sqlite3";
import { StoreUnavailableError } from "../errors.js";
import { migrations as allMigrations, type Migration } from "./migrations/index.js";

export type Db = Database.Database;

export function openDatabase(file: string, migrations: readonly Migration[] = allMigrations): Db {
  let db: Db;
  try {
    ownerOnly(file);
    db = new Database(file);
  } catch (err) {
    throw new StoreUnavailableError(`credential store cannot be opened: ${(err as Error).message}`);
  }
  try {
    configure(db);
    checkIntegrity(db);
    migrate(db, migrations);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof StoreUnavailableError) throw err;
    throw new StoreUnavailableError(`credential store unusable: ${(err as Error).message}`);
  }
}

/**
 * Hashes are useless without the pepper, but still nobody else's business: the file is created
 * 0600 before SQLite opens it, and SQLite gives its -wal and -shm files the same mode.
 */
function ownerOnly(file: string): void {
  closeSync(openSync(file, "a", 0o600));
  chmodSync(file, 0o600);
}

function configure(db: Db): void {
  const mode = db.pragma("journal_mode = WAL", { simple: true });
  if (mode !== "wal")
    throw new StoreUnavailableError(`credential store refused WAL mode (got ${String(mode)})`);
  // FULL: a commit is on disk when it returns (better-sqlite3 defaults WAL to NORMAL).
  db.pragma("synchronous = FULL");
  // Deleted rows are overwritten with zeros instead of lingering in free space.
  db.pragma("secure_delete = ON");
  db.pragma("foreign_keys = ON");
  // VACUUM and sorts stay in memory: no temp file can keep a copy of credential bytes.
  db.pragma("temp_store = MEMORY");
  // The WAL is cut back to nothing whenever it is reset, instead of keeping old frames around.
  db.pragma("journal_size_limit = 0");
  db.pragma("busy_timeout = 5000");
}

function checkIntegrity(db: Db): void {
  const rows = db.pragma("integrity_check") as { integrity_check: string }[];
  const first = rows[0]?.integrity_check;
  if (rows.length !== 1 || first !== "ok") {
    const detail = rows
      .slice(0, 3)
      .map((r) => r.integrity_check)
      .join("; ");
    throw new StoreUnavailableError(`credential store failed its integrity check: ${detail}`);
  }
}

/** Forward-only: each migration runs once, in its own transaction with the version bump. */
export function migrate(db: Db, migrations: readonly Migration[]): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new StoreUnavailableError(
      `credential store schema version ${current} is newer than this recoveryd (knows ${latest})`,
    );
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}

export function integrityOk(db: Db): boolean {
  const rows = db.pragma("integrity_check") as { integrity_check: string }[];
  return rows.length === 1 && rows[0]?.integrity_check === "ok";
}
