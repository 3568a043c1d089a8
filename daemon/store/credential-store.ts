// Typed access to credentials.db: accounts, sessions, API tokens, the generation and the reset
// transaction. Synchronous on purpose: each method is atomic with respect to the event loop.
import { type ResetNotice, wipeMailOnReset } from "../mail/reset-hook.js";
import type { ResetReason, Role } from "../services.js";
import { type Db, openDatabase } from "./db.js";
import { LockoutRepo } from "./lockout-repo.js";
import { RecoveryPending } from "./recovery-pending.js";
import { checkpointTruncate, compact } from "./secure-delete.js";
import { SetupTokenRepo } from "./setup-token-repo.js";

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

/** An API token as its owner sees it: never the secret, never its hash. */
export interface TokenInfo {
  /** The first 8 bytes of the token's SHA-256, hex: names the token without revealing it. */
  id: string;
  username: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt: number;
}

interface RawTokenInfo {
  id: string;
  username: string;
  name: string;
  created_at: number;
  last_used_at: number | null;
  expires_at: number;
}

/** Last-used stamps are written at most this often per token (a write per call would wear flash). */
const TOUCH_EVERY_MS = 60_000;

/** A live session or API token, joined with its account. */
export interface TokenRow {
  username: string;
  role: Role;
  createdAt: number;
  expiresAt: number;
  /** Sessions only: monotonic ms and boot id at login ("" for tokens and old rows). */
  createdMono?: number;
  bootId?: string;
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
  readonly setupTokens: SetupTokenRepo;
  /** The mail module's reset notice, queued inside the reset transaction (issue 16). */
  resetNotice: ResetNotice | null = null;
  private closed = false;
  private readonly st;

  private constructor(readonly db: Db) {
    this.lockout = new LockoutRepo(db);
    this.recoveryPending = new RecoveryPending(db);
    this.setupTokens = new SetupTokenRepo(db);
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
      insertSession: db.prepare<[Buffer, string, number, number, number, string]>(
        "INSERT INTO sessions (token_hash, username, created_at, expires_at, created_mono, boot_id) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      findSession: db.prepare<[Buffer], TokenRow>(
        `SELECT a.username AS username, a.role AS role, s.created_at AS createdAt, s.expires_at AS expiresAt,
           s.created_mono AS createdMono, s.boot_id AS bootId
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
        `SELECT a.username AS username, a.role AS role, t.created_at AS createdAt, t.expires_at AS expiresAt
         FROM api_tokens t JOIN accounts a ON a.username = t.username WHERE t.token_hash = ?`,
      ),
      deleteToken: db.prepare<[Buffer]>("DELETE FROM api_tokens WHERE token_hash = ?"),
      listTokens: db.prepare<[string], RawTokenInfo>(
        `SELECT lower(hex(substr(token_hash, 1, 8))) AS id, username, name, created_at, last_used_at, expires_at
         FROM api_tokens WHERE username = ? ORDER BY created_at, name`,
      ),
      deleteTokenById: db.prepare<[string, string]>(
        "DELETE FROM api_tokens WHERE username = ? AND lower(hex(substr(token_hash, 1, 8))) = ?",
      ),
      tokenOwner: db.prepare<[string], { username: string }>(
        "SELECT username FROM api_tokens WHERE lower(hex(substr(token_hash, 1, 8))) = ?",
      ),
      countTokens: db.prepare<[string, number], { n: number }>(
        "SELECT count(*) AS n FROM api_tokens WHERE username = ? AND expires_at > ?",
      ),
      deleteTokensOf: db.prepare<[string, Buffer]>(
        "DELETE FROM api_tokens WHERE username = ? AND token_hash IS NOT ?",
      ),
      touchToken: db.prepare<[number, Buffer, number]>(
        "UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ? AND (last_used_at IS NULL OR last_used_at < ?)",
      ),
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

  insertSession(
    tokenHash: Buffer,
    username: string,
    now: number,
    expiresAt: number,
    at: { mono: number; bootId: string } = { mono: 0, bootId: "" },
  ): void {
    this.st.insertSession.run(tokenHash, username, now, expiresAt, at.mono, at.bootId);
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

  listTokens(username: string): TokenInfo[] {
    return this.st.listTokens.all(username).map((r) => ({
      id: r.id,
      username: r.username,
      name: r.name,
      createdAt: r.created_at,
      lastUsedAt: r.last_used_at,
      expiresAt: r.expires_at,
    }));
  }

  /** Who owns the token with this id, if any. */
  tokenOwner(id: string): string | undefined {
    return this.st.tokenOwner.get(id)?.username;
  }

  deleteTokenById(username: string, id: string): boolean {
    return this.st.deleteTokenById.run(username, id).changes > 0;
  }

  countLiveTokens(username: string, now: number): number {
    return this.st.countTokens.get(username, now)?.n ?? 0;
  }

  /** Revokes every API token of a user except `keep` (the caller's own, when it is one). */
  deleteTokensOf(username: string, keep: Buffer | null): number {
    return this.st.deleteTokensOf.run(username, keep ?? Buffer.alloc(0)).changes;
  }

  touchToken(tokenHash: Buffer, now: number): void {
    this.st.touchToken.run(now, tokenHash, now - TOUCH_EVERY_MS);
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
        "DELETE FROM sessions; DELETE FROM api_tokens; DELETE FROM accounts; DELETE FROM lockout; DELETE FROM recovery_pending; DELETE FROM setup_tokens;",
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

  /**
   * Moves every committed page into the main file and empties the WAL: a credential change is
   * then no longer only in the WAL (which a flipped bit or a lost file would silently undo), and
   * the old page images with an old hash are overwritten.
   */
  checkpoint(): void {
    checkpointTruncate(this.db);
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
