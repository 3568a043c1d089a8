// An in-memory AccountService with the refusals the real store raises (same error classes), so
// the API can be tested over its socket without argon2 or SQLite. Not a security model.
import { randomBytes } from "node:crypto";
import {
  ConflictError,
  ForbiddenError,
  InvalidCredentialsError,
  LockedError,
  NotFoundError,
  PasswordPolicyError,
  SetupClosedError,
  TooManyRequestsError,
  UnauthorizedError,
} from "../../../daemon/errors.js";
import type {
  AccountService,
  CredentialStatus,
  LoginResult,
  Principal,
  ResetOptions,
  ResetOutcome,
  ResetReason,
  Role,
  SetupRequest,
  TokenView,
  UserView,
} from "../../../daemon/services.js";

export const SECURITY_CODE = "ABCD-EFGH-JKLM-NPQR";
const LOCK_AFTER = 5;
const LOCK_SECONDS = 300;

interface User {
  username: string;
  password: string;
  role: Role;
  createdAt: string;
  failures: number;
  lockedUntil: number;
}

export class FakeAccounts implements AccountService {
  private users = new Map<string, User>();
  private sessions = new Map<string, Principal>();
  private setupTokens = new Map<string, number>();
  private generation = 1;
  private windowClosesAt: number | null;
  private lastReset: CredentialStatus["lastReset"] = null;
  /** Set to make login answer 429, as the real store does when its hash queue is full. */
  busy = false;

  constructor(
    private readonly now: () => number = Date.now,
    windowOpen = true,
  ) {
    this.windowClosesAt = windowOpen ? now() + 15 * 60_000 : null;
  }

  status(): CredentialStatus {
    const now = this.now();
    const open = this.users.size === 0 && this.windowClosesAt !== null && now < this.windowClosesAt;
    return {
      state: this.users.size === 0 ? "first-boot" : "provisioned",
      generation: this.generation,
      accounts: this.users.size,
      setupWindow: { open, closesAt: open && this.windowClosesAt ? iso(this.windowClosesAt) : null },
      lockout: {
        lockedCount: [...this.users.values()].filter((u) => u.lockedUntil > now).length,
        lockedAccounts: [...this.users.values()]
          .filter((u) => u.lockedUntil > now)
          .map((u) => ({
            username: u.username,
            lockedUntil: iso(u.lockedUntil),
            retryAfterSeconds: Math.ceil((u.lockedUntil - now) / 1000),
          })),
      },
      lastReset: this.lastReset,
    };
  }

  async setup(req: SetupRequest): Promise<UserView> {
    if (this.users.size > 0) throw new ConflictError("already set up", "already_provisioned");
    const st = this.status();
    const byCode = req.securityCode !== undefined && req.securityCode === SECURITY_CODE;
    const byToken = req.setupToken !== undefined && this.useSetupToken(req.setupToken);
    if (!st.setupWindow.open && !byCode && !byToken) throw new SetupClosedError();
    policy(req.password, req.username);
    return this.add(req.username, req.password, "admin");
  }

  async login(username: string, password: string): Promise<LoginResult> {
    if (this.busy) throw new TooManyRequestsError(2);
    const u = this.users.get(username);
    const now = this.now();
    if (u && u.lockedUntil > now) throw new LockedError((u.lockedUntil - now) / 1000);
    if (!u || u.password !== password) {
      if (u && ++u.failures >= LOCK_AFTER) {
        u.lockedUntil = now + LOCK_SECONDS * 1000;
        u.failures = 0;
      }
      throw new InvalidCredentialsError();
    }
    u.failures = 0;
    const token = randomBytes(24).toString("base64url");
    const expiresAt = iso(now + 8 * 3600_000);
    this.sessions.set(token, { username, role: u.role, kind: "session", expiresAt });
    return { token, expiresAt, role: u.role };
  }

  logout(token: string): void {
    this.sessions.delete(token);
  }

  authenticate(bearer: string | undefined): Principal {
    const p = bearer === undefined ? undefined : this.sessions.get(bearer);
    if (!p) throw new UnauthorizedError();
    return p;
  }

  async changePassword(who: Principal, currentPassword: string, newPassword: string): Promise<void> {
    const u = this.users.get(who.username);
    if (!u || u.password !== currentPassword) throw new InvalidCredentialsError("current password is wrong");
    policy(newPassword, who.username);
    u.password = newPassword;
  }

  listUsers(who: Principal): UserView[] {
    admin(who);
    return [...this.users.values()].map(view);
  }

  async createUser(
    who: Principal,
    req: { username: string; password: string; role: Role },
  ): Promise<UserView> {
    admin(who);
    if (this.users.has(req.username)) throw new ConflictError("user exists", "user_exists");
    policy(req.password, req.username);
    return this.add(req.username, req.password, req.role);
  }

  deleteUser(who: Principal, username: string): void {
    admin(who);
    if (!this.users.has(username)) throw new NotFoundError("no such user");
    if (username === who.username) throw new ConflictError("cannot delete yourself", "self_delete");
    this.users.delete(username);
    for (const [t, p] of this.sessions) if (p.username === username) this.sessions.delete(t);
  }

  createToken(who: Principal, req: { name: string; ttlDays?: number | undefined }) {
    admin(who);
    const token = `rt_${randomBytes(24).toString("base64url")}`;
    const expiresAt = iso(this.now() + (req.ttlDays ?? 90) * 86_400_000);
    this.sessions.set(token, { username: who.username, role: who.role, kind: "api-token", expiresAt });
    return { token, id: token.slice(3, 19), name: req.name, expiresAt };
  }

  listTokens(who: Principal): TokenView[] {
    return [...this.sessions]
      .filter(([, p]) => p.kind === "api-token" && p.username === who.username)
      .map(([t, p]) => ({
        id: t.slice(3, 19),
        name: "token",
        username: p.username,
        createdAt: p.expiresAt,
        lastUsedAt: null,
        expiresAt: p.expiresAt,
      }));
  }

  revokeToken(_who: Principal, id: string): void {
    for (const [t, p] of this.sessions) {
      if (p.kind === "api-token" && t.slice(3, 19) === id) {
        this.sessions.delete(t);
        return;
      }
    }
    throw new NotFoundError("no such token");
  }

  openSetupWindow(_reason: string): void {
    if (this.users.size === 0) this.windowClosesAt = this.now() + 15 * 60_000;
  }

  async credentialReset(reason: ResetReason, opts: ResetOptions): Promise<ResetOutcome> {
    this.users.clear();
    this.sessions.clear();
    this.generation++;
    this.lastReset = { at: iso(this.now()), reason, generation: this.generation };
    this.windowClosesAt = opts.openWindow ? this.now() + 15 * 60_000 : null;
    if (!opts.issueSetupToken) return { generation: this.generation };
    const setupToken = randomBytes(24).toString("base64url");
    const expires = this.now() + 15 * 60_000;
    this.setupTokens.set(setupToken, expires);
    return { generation: this.generation, setupToken, setupTokenExpiresAt: iso(expires) };
  }

  private useSetupToken(token: string): boolean {
    const exp = this.setupTokens.get(token);
    this.setupTokens.delete(token);
    return exp !== undefined && exp > this.now();
  }

  private add(username: string, password: string, role: Role): UserView {
    const u: User = { username, password, role, createdAt: iso(this.now()), failures: 0, lockedUntil: 0 };
    this.users.set(username, u);
    return view(u);
  }
}

function policy(password: string, username: string): void {
  if (password.length < 15)
    throw new PasswordPolicyError("too_short", "password must have at least 15 characters");
  if (password.toLowerCase().includes(username)) {
    throw new PasswordPolicyError("context", "password must not contain the username");
  }
}

function admin(who: Principal): void {
  if (who.role !== "admin") throw new ForbiddenError("admins only");
}

function view(u: User): UserView {
  return { username: u.username, role: u.role, createdAt: u.createdAt };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
