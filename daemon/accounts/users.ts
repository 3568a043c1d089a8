// What an account holder does with their account, and what admins do with everyone's: password
// change, user and API-token management.
import { newToken, TOKEN_PREFIX, tokenHash } from "../crypto/tokens.js";
import { ConflictError, NotFoundError, ValidationError } from "../errors.js";
import { checkPassword } from "../policy/password-policy.js";
import { normalizePassword } from "../policy/text.js";
import type { Principal, Role, UserView } from "../services.js";
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
    this.d.store.transaction(() => {
      if (!this.d.store.replaceHash(verified.username, verified.hash, hash, generation, now)) {
        throw new ConflictError(
          "the password was changed meanwhile; nothing was changed",
          "password_changed",
        );
      }
      // Other sessions may belong to whoever made the owner change the password.
      this.d.store.deleteSessionsOf(verified.username, this.core.sessionOf.get(who) ?? null);
    });
    this.core.committed();
    this.d.audit.record("password-changed", { username: verified.username, by: who.kind });
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
    this.core.committed();
    this.d.audit.record("user-deleted", { username: name, by: who.username });
  }

  createToken(
    who: Principal,
    req: { name: string; ttlDays?: number | undefined },
  ): { token: string; name: string; expiresAt: string } {
    this.core.ensureOpen();
    const admin = this.core.requireAdmin(who);
    if (typeof req !== "object" || req === null) throw new ValidationError("token: a JSON object");
    const name = parseTokenName(req.name);
    const ttlDays = parseTtlDays(req.ttlDays, this.d.config.sessions.tokenTtlDays);
    const now = this.d.clock.now();
    const token = newToken(TOKEN_PREFIX.apiToken);
    const expiresAt = now + ttlDays * DAY;
    this.d.store.insertToken(tokenHash(token), admin.username, name, now, expiresAt);
    this.d.audit.record("token-created", { username: admin.username, name, ttlDays });
    return { token, name, expiresAt: new Date(expiresAt).toISOString() };
  }
}
