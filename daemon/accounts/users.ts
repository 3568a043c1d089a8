// What an account holder does with their account, and what admins do with everyone's: password
// change, user and API-token management.
import { newToken, TOKEN_PREFIX, tokenHash } from "../crypto/tokens.js";
import { ConflictError, NotFoundError, ValidationError } from "../errors.js";
import { checkPassword } from "../policy/password-policy.js";
import { normalizePassword } from "../policy/text.js";
import type { Principal, Role, TokenView, UserView } from "../services.js";
import type { AccountRow } from "../store/credential-store.js";
import { type AccountCore, type AccountServiceDeps, view } from "./core.js";
import { loginKey } from "./login-guard.js";
import {
  parseLoginName,
  parsePasswordInput,
  parseRole,
  parseTokenName,
  parseTtlDays,
  parseUsername,
} from "./validate.js";
import { verifyGuarded } from "./verify.js";

const DAY = 86_400_000;

export class UserAdmin {
  constructor(private readonly core: AccountCore) {}

  private get d(): AccountServiceDeps {
    return this.core.d;
  }

  async changePassword(who: Principal, currentPassword: string, newPassword: string): Promise<void> {
    this.core.ensureOpen();
    const account = this.core.accountOf(who);
    const current = normalizePassword(parsePasswordInput(currentPassword, "currentPassword"));
    const next = parsePasswordInput(newPassword, "newPassword");
    checkPassword(next, this.core.policyOptions(), this.core.policyContext(account.username));
    const verified = await verifyGuarded(
      this.core,
      loginKey(account.username),
      account.username,
      current,
      "password-change",
    );
    const { generation, pepper } = this.core.keyring;
    const hash = await this.d.hasher.hash(normalizePassword(next), pepper);
    this.core.ensureCurrent(generation);
    const now = this.d.clock.now();
    const revoked = { sessions: 0, tokens: 0 };
    this.d.store.transaction(() => {
      if (!this.d.store.replaceHash(verified.username, verified.hash, hash, generation, now)) {
        throw new ConflictError(
          "the password was changed meanwhile; nothing was changed",
          "password_changed",
        );
      }
      // Other sessions and every API token may belong to whoever made the owner change the
      // password: all of them die, except the credential this very call came with.
      revoked.sessions = this.d.store.deleteSessionsOf(
        verified.username,
        this.core.sessionOf.get(who) ?? null,
      );
      revoked.tokens = this.d.store.deleteTokensOf(verified.username, this.core.tokenOf.get(who) ?? null);
    });
    this.scrub();
    this.d.audit.record("password-changed", {
      username: verified.username,
      by: who.kind,
      sessionsRevoked: revoked.sessions,
      tokensRevoked: revoked.tokens,
    });
  }

  /**
   * Secure deletion after a password change or a user delete: secure_delete zeroed the old cells,
   * and a checkpoint with TRUNCATE copies the zeroed pages home and empties the WAL, where the old
   * page images (the old hash, the deleted tokens) would otherwise still sit.
   */
  private scrub(): void {
    // Checkpoint (TRUNCATE) and the state marker, before the change is acknowledged (issue 11).
    this.core.committed();
  }

  listTokens(who: Principal, username?: string): TokenView[] {
    this.core.ensureOpen();
    const me = this.core.accountOf(who);
    let owner = me.username;
    if (username !== undefined && username !== me.username) {
      this.core.requireAdmin(who);
      owner = parseLoginName(username);
    }
    const now = this.d.clock.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    return this.d.store
      .listTokens(owner)
      .filter((t) => t.expiresAt > now)
      .map((t) => ({
        id: t.id,
        name: t.name,
        username: t.username,
        createdAt: iso(t.createdAt),
        lastUsedAt: t.lastUsedAt === null ? null : iso(t.lastUsedAt),
        expiresAt: iso(t.expiresAt),
      }));
  }

  revokeToken(who: Principal, id: string): void {
    this.core.ensureOpen();
    const me = this.core.accountOf(who);
    if (typeof id !== "string" || !/^[0-9a-f]{16}$/.test(id)) {
      throw new ValidationError("token id: 16 lower-case hex characters (from GET /v1/tokens)", {
        field: "id",
      });
    }
    const owner = this.d.store.tokenOwner(id);
    // Someone else's token looks exactly like no token to a non-admin.
    if (owner === undefined || (owner.toLowerCase() !== me.username.toLowerCase() && me.role !== "admin")) {
      throw new NotFoundError("no such token", "token_not_found");
    }
    this.d.store.deleteTokenById(owner, id);
    this.scrub();
    this.d.audit.record("token-revoked", { username: owner, id, by: me.username });
  }

  listUsers(who: Principal): UserView[] {
    this.core.ensureOpen();
    this.core.requireAdmin(who);
    return this.d.store.listAccounts().map(view);
  }

  async createUser(
    who: Principal,
    req: { username: string; password: string; role: Role },
  ): Promise<UserView> {
    this.core.ensureOpen();
    this.core.requireAdmin(who);
    if (typeof req !== "object" || req === null) throw new ValidationError("user: a JSON object");
    const username = parseUsername(req.username);
    const role = parseRole(req.role);
    const password = parsePasswordInput(req.password);
    if (this.d.store.getAccount(username))
      throw new ConflictError(`user "${username}" exists`, "user_exists");
    checkPassword(password, this.core.policyOptions(), this.core.policyContext(username));
    const { generation, pepper } = this.core.keyring;
    const hash = await this.d.hasher.hash(normalizePassword(password), pepper);
    this.core.ensureCurrent(generation);
    this.core.requireAdmin(who);
    const now = this.d.clock.now();
    const row: AccountRow = { username, role, hash, generation, createdAt: now, passwordChangedAt: now };
    this.d.store.transaction(() => {
      if (this.d.store.getAccount(username))
        throw new ConflictError(`user "${username}" exists`, "user_exists");
      this.d.store.insertAccount(row);
      this.d.guard.forget(loginKey(username));
    });
    this.core.committed();
    this.d.audit.record("user-created", { username, role, by: who.username });
    return view(row);
  }

  deleteUser(who: Principal, username: string): void {
    this.core.ensureOpen();
    this.core.requireAdmin(who);
    const name = parseLoginName(username);
    this.d.store.transaction(() => {
      const target = this.d.store.getAccount(name);
      if (!target) throw new NotFoundError(`no user "${name}"`);
      if (target.role === "admin" && this.d.store.countAdmins() <= 1) {
        throw new ConflictError("the last admin cannot be deleted", "last_admin");
      }
      this.d.store.deleteAccount(target.username);
    });
    this.scrub();
    this.d.audit.record("user-deleted", { username: name, by: who.username });
  }

  createToken(
    who: Principal,
    req: { name: string; ttlDays?: number | undefined },
  ): { token: string; id: string; name: string; expiresAt: string } {
    this.core.ensureOpen();
    const admin = this.core.requireAdmin(who);
    if (typeof req !== "object" || req === null) throw new ValidationError("token: a JSON object");
    const name = parseTokenName(req.name);
    const s = this.d.config.sessions;
    const ttlDays = parseTtlDays(req.ttlDays, Math.min(s.tokenTtlDays, s.tokenMaxTtlDays), s.tokenMaxTtlDays);
    const now = this.d.clock.now();
    if (this.d.store.countLiveTokens(admin.username, now) >= s.maxTokensPerAccount) {
      throw new ConflictError(
        `at most ${s.maxTokensPerAccount} API tokens per account: revoke one first (DELETE /v1/tokens/{id})`,
        "token_limit",
      );
    }
    const token = newToken(TOKEN_PREFIX.apiToken);
    const expiresAt = now + ttlDays * DAY;
    const h = tokenHash(token);
    this.d.store.insertToken(h, admin.username, name, now, expiresAt);
    const id = h.subarray(0, 8).toString("hex");
    this.d.audit.record("token-created", { username: admin.username, name, id, ttlDays });
    return { token, id, name, expiresAt: new Date(expiresAt).toISOString() };
  }
}
