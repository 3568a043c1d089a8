// Typed access to credentials.db: accounts, sessions, API tokens, the generation and the reset
// transaction. Synchronous on purpose: each method is atomic with respect to the event loop.
import { type ResetNotice, wipeMailOnReset } from "../mail/reset-hook.js";
import type { ResetReason, Role } from "../services.js";
import { type Db, openDatabase } from "./db.js";
import { LockoutRepo } from "./lockout-repo.js";
import { RecoveryPending } from "./recovery-pending.js";
import { compact } from "./secure-delete.js";

export interface AccountRow {
  username: string;
  role: Role;
  hash: string;
  generation: number;
  createdAt: number;
  passwordChangedAt: number;
}

export interface MetaRow {
  generation: number;
  lastReset: { at: number; reason: ResetReason; generation: number } | null;
  compactPending: boolean;
}

/** A live session or API token, joined with its account. */
export interface TokenRow {
  username: string;
  role: Role;
  expiresAt: number;
}

interface RawMeta {
  generation: number;
  last_reset_at: number | null;
  last_reset_reason: string | null;
  last_reset_generation: number | null;
  compact_pending: number;
}

interface RawAccount {
  username: string;
  role: Role;
  hash: string;
  generation: number;
  created_at: number;
  password_changed_at: number;
}

const ACCOUNT_COLS = "username, role, hash, generation, created_at, password_changed_at";

export class CredentialStore {
  readonly lockout: LockoutRepo;
  readonly recoveryPending: RecoveryPending;
  /** The mail module's reset notice, queued inside the reset transaction (issue 16). */
  resetNotice: ResetNotice | null = null;
  private closed = false;
  private readonly st;

  private constructor(readonly db: Db) {
    this.lockout = new LockoutRepo(db);
    this.recoveryPending = new RecoveryPending(db);
    this.st = {
      meta: db.prepare<[], RawMeta>("SELECT * FROM meta WHERE id = 1"),
      account: db.prepare<[string], RawAccount>(`SELECT ${ACCOUNT_COLS} FROM accounts WHERE username = ?`),
      accounts: db.prepare<[], RawAccount>(`SELECT ${ACCOUNT_COLS} FROM accounts ORDER BY created_at, rowid`),
      countAccounts: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM accounts"),
      countAdmins: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM accounts WHERE role = 'admin'"),
      insertAccount: db.prepare(
        `INSERT INTO accounts (${ACCOUNT_COLS}) VALUES (@username, @role, @hash, @generation, @createdAt, @passwordChangedAt)`,
      ),
      updateHash: db.prepare<[string, number, number, string, string]>(
        "UPDATE accounts SET hash = ?, generation = ?, password_changed_at = ? WHERE username = ? AND hash = ?",
      ),
      deleteAccount: db.prepare<[string]>("DELETE FROM accounts WHERE username = ?"),
      insertSession: db.prepare<[Buffer, string, number, number]>(
        "INSERT INTO sessions (token_hash, username, created_at, expires_at) VALUES (?, ?, ?, ?)",
      ),
      findSession: db.prepare<[Buffer], TokenRow>(
        `SELECT a.username AS username, a.role AS role, s.expires_at AS expiresAt
         FROM sessions s JOIN accounts a ON a.username = s.username WHERE s.token_hash = ?`,
      ),
      deleteSession: db.prepare<[Buffer]>("DELETE FROM sessions WHERE token_hash = ?"),
      deleteSessionsOf: db.prepare<[string, Buffer]>(
        "DELETE FROM sessions WHERE username = ? AND token_hash IS NOT ?",
      ),
      insertToken: db.prepare<[Buffer, string, string, number, number]>(
        "INSERT INTO api_tokens (token_hash, username, name, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
      ),
      findToken: db.prepare<[Buffer], TokenRow>(
        `SELECT a.username AS username, a.role AS role, t.expires_at AS expiresAt
         FROM api_tokens t JOIN accounts a ON a.username = t.username WHERE t.token_hash = ?`,
      ),
      deleteToken: db.prepare<[Buffer]>("DELETE FROM api_tokens WHERE token_hash = ?"),
      pruneSessions: db.prepare<[number]>("DELETE FROM sessions WHERE expires_at <= ?"),
      pruneTokens: db.prepare<[number]>("DELETE FROM api_tokens WHERE expires_at <= ?"),
      countLive: db.prepare<[], { n: number }>(
        "SELECT (SELECT count(*) FROM accounts) + (SELECT count(*) FROM sessions) + (SELECT count(*) FROM api_tokens) AS n",
      ),
      getSetting: db.prepare<[string], { value: string }>("SELECT value FROM settings WHERE key = ?"),
      setSetting: db.prepare<[string, string]>(
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      ),
    };
  }

  /** Opens (creating if needed), checks integrity and migrates. */
  static open(file: string): CredentialStore {
    return new CredentialStore(openDatabase(file));
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  meta(): MetaRow {
    const m = this.st.meta.get();
    if (!m) throw new Error("credential store has no meta row");
    const lastReset =
      m.last_reset_at !== null && m.last_reset_reason !== null && m.last_reset_generation !== null
        ? {
            at: m.last_reset_at,
            reason: m.last_reset_reason as ResetReason,
            generation: m.last_reset_generation,
          }
        : null;
    return { generation: m.generation, lastReset, compactPending: m.compact_pending === 1 };
  }

  generation(): number {
    return this.meta().generation;
  }

  getAccount(username: string): AccountRow | undefined {
    const r = this.st.account.get(username);
    return r && toAccount(r);
  }

  listAccounts(): AccountRow[] {
    return this.st.accounts.all().map(toAccount);
  }

  countAccounts(): number {
    return this.st.countAccounts.get()?.n ?? 0;
  }

  countAdmins(): number {
    return this.st.countAdmins.get()?.n ?? 0;
  }

  /** Accounts, sessions or tokens: anything a missing pepper would leave unusable. */
  hasCredentials(): boolean {
    return (this.st.countLive.get()?.n ?? 0) > 0;
  }

  insertAccount(row: AccountRow): void {
    this.st.insertAccount.run(row);
  }

  /** Compare-and-swap on the old hash: false when someone changed or removed it meanwhile. */
  replaceHash(username: string, oldHash: string, newHash: string, generation: number, now: number): boolean {
    return this.st.updateHash.run(newHash, generation, now, username, oldHash).changes === 1;
  }

  deleteAccount(username: string): boolean {
    return this.st.deleteAccount.run(username).changes === 1;
  }

  insertSession(tokenHash: Buffer, username: string, now: number, expiresAt: number): void {
    this.st.insertSession.run(tokenHash, username, now, expiresAt);
  }

  findSession(tokenHash: Buffer): TokenRow | undefined {
    return this.st.findSession.get(tokenHash);
  }

  deleteSession(tokenHash: Buffer): boolean {
    return this.st.deleteSession.run(tokenHash).changes === 1;
  }

  /** Ends every session of a user except `keep` (the caller's own, when known). */
  deleteSessionsOf(username: string, keep: Buffer | null): number {
    return this.st.deleteSessionsOf.run(username, keep ?? Buffer.alloc(0)).changes;
  }

  insertToken(tokenHash: Buffer, username: string, name: string, now: number, expiresAt: number): void {
    this.st.insertToken.run(tokenHash, username, name, now, expiresAt);
  }

  findToken(tokenHash: Buffer): TokenRow | undefined {
    return this.st.findToken.get(tokenHash);
  }

  deleteToken(tokenHash: Buffer): boolean {
    return this.st.deleteToken.run(tokenHash).changes === 1;
  }

  pruneExpired(now: number): void {
    this.db.transaction(() => {
      this.st.pruneSessions.run(now);
      this.st.pruneTokens.run(now);
    })();
  }

  getSetting(key: string): string | undefined {
    return this.st.getSetting.get(key)?.value;
  }

  setSetting(key: string, value: string): void {
    this.st.setSetting.run(key, value);
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /**
   * The credential reset itself: one transaction that empties every credential table and moves to
   * `generation`. Durable when it returns (synchronous=FULL). `lastReset` null keeps the previous
   * record (used when the store wipes itself because the pepper is gone, which is no user reset).
   */
  resetAll(generation: number, lastReset: { at: number; reason: ResetReason } | null): void {
    this.db.transaction(() => {
      // Before the accounts go: the notice is addressed to their registered emails.
      wipeMailOnReset(this.db, generation, lastReset, this.resetNotice);
      // Children first: cascades would do it, but explicit deletes keep the cost visible.
      this.db.exec(
        "DELETE FROM sessions; DELETE FROM api_tokens; DELETE FROM accounts; DELETE FROM lockout; DELETE FROM recovery_pending;",
      );
      if (lastReset) {
        this.db
          .prepare(
            `UPDATE meta SET generation = ?, last_reset_at = ?, last_reset_reason = ?,
             last_reset_generation = ?, compact_pending = 1 WHERE id = 1`,
          )
          .run(generation, lastReset.at, lastReset.reason, generation);
      } else {
        this.db.prepare("UPDATE meta SET generation = ?, compact_pending = 1 WHERE id = 1").run(generation);
      }
    })();
  }

  /** The secure-deletion steps after a reset (also run at open if a crash interrupted them). */
  compact(): void {
    compact(this.db);
  }
}

function toAccount(r: RawAccount): AccountRow {
  return {
    username: r.username,
    role: r.role,
    hash: r.hash,
    generation: r.generation,
    createdAt: r.created_at,
    passwordChangedAt: r.password_changed_at,
  };
}
