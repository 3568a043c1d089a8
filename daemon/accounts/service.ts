// The AccountService: setup, login, sessions, users, tokens and the credential reset.
//
// argon2 runs off the event loop, so every operation that hashes has an await in the middle. A
// reset (synchronous, so atomic for this process) may land there; each such operation captures
// the generation and its pepper before hashing and re-checks both before writing, and the
// database refuses an account row from another generation anyway.
import type { Clock } from "../clock.js";
import type { Config } from "../config/schema.js";
import type { Argon2Hasher } from "../crypto/argon2-hasher.js";
import type { CalibrationResult } from "../crypto/calibrate.js";
import { newToken, TOKEN_PREFIX, tokenHash } from "../crypto/tokens.js";
import {
  ConflictError,
  ForbiddenError,
  InvalidCredentialsError,
  NotFoundError,
  SetupClosedError,
  StoreUnavailableError,
  UnauthorizedError,
  ValidationError,
} from "../errors.js";
import type { Logger } from "../log.js";
import { checkPassword, type PolicyContext } from "../policy/password-policy.js";
import { normalizePassword } from "../policy/text.js";
import type {
  AccountService,
  AuditSink,
  CredentialState,
  CredentialStatus,
  LoginResult,
  Principal,
  ResetOptions,
  ResetOutcome,
  ResetReason,
  Role,
  SetupRequest,
  UserView,
} from "../services.js";
import type { AccountRow, CredentialStore } from "../store/credential-store.js";
import type { RecoveryPending } from "../store/recovery-pending.js";
import { type Keyring, rotateKeyring } from "./keyring.js";
import { type LoginGuard, loginKey } from "./login-guard.js";
import type { SetupGate } from "./setup-gate.js";
import {
  optionalString,
  parseLoginName,
  parsePasswordInput,
  parseResetReason,
  parseRole,
  parseTokenName,
  parseTtlDays,
  parseUsername,
} from "./validate.js";

export interface DeviceContext {
  deviceId?: string | undefined;
  model?: string | undefined;
  brand?: string | undefined;
}

export interface AccountServiceDeps {
  store: CredentialStore;
  stateDir: string;
  keyring: Keyring;
  hasher: Argon2Hasher;
  /** Null unless argon2.calibrate is on. */
  calibration: CalibrationResult | null;
  /** A hash of a random password at the current parameters: unknown names verify against it. */
  dummyHash: Promise<string>;
  gate: SetupGate;
  guard: LoginGuard;
  config: Config;
  clock: Clock;
  log: Logger;
  audit: AuditSink;
  context: DeviceContext;
  securityCode?: { verify(code: string): Promise<boolean> } | undefined;
  onStateChange?: ((state: CredentialState, generation: number) => void) | undefined;
}

export interface AccountStats {
  loginsOk: number;
  loginsFailed: number;
  refusedLocked: number;
  lockouts: number;
  rehashes: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

export class AccountServiceImpl implements AccountService {
  private keyring: Keyring;
  private closed = false;
  /** Session token hash behind each Principal handed out, so a password change keeps the caller's. */
  private readonly sessionOf = new WeakMap<Principal, Buffer>();
  private readonly counts: AccountStats = {
    loginsOk: 0,
    loginsFailed: 0,
    refusedLocked: 0,
    lockouts: 0,
    rehashes: 0,
  };

  constructor(private readonly d: AccountServiceDeps) {
    this.keyring = d.keyring;
  }

  get generation(): number {
    return this.keyring.generation;
  }

  get hasher(): Argon2Hasher {
    return this.d.hasher;
  }

  /** Pending recovery state for the recovery module: survives restarts, dies with every reset. */
  get recoveryPending(): RecoveryPending {
    this.ensureOpen();
    return this.d.store.recoveryPending;
  }

  get calibration(): CalibrationResult | null {
    return this.d.calibration;
  }

  stats(): AccountStats {
    return { ...this.counts };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.d.store.close();
  }

  status(): CredentialStatus {
    this.ensureOpen();
    const provisioned = this.provisioned();
    const meta = this.d.store.meta();
    const open = !provisioned && this.d.gate.isOpen();
    return {
      state: provisioned ? "provisioned" : "first-boot",
      generation: meta.generation,
      accounts: this.d.store.countAccounts(),
      setupWindow: { open, closesAt: open ? this.d.gate.closesAt() : null },
      lockout: { lockedAccounts: this.d.guard.lockedAccounts() },
      lastReset: meta.lastReset && {
        at: new Date(meta.lastReset.at).toISOString(),
        reason: meta.lastReset.reason,
        generation: meta.lastReset.generation,
      },
    };
  }

  async setup(req: SetupRequest): Promise<UserView> {
    this.ensureOpen();
    if (typeof req !== "object" || req === null) throw new ValidationError("setup: a JSON object");
    const username = parseUsername(req.username);
    const password = parsePasswordInput(req.password);
    const setupToken = optionalString(req.setupToken, "setupToken");
    const securityCode = optionalString(req.securityCode, "securityCode");
    if (this.provisioned()) throw new ConflictError("already provisioned", "already_provisioned");

    let via: "window" | "token" | "security-code";
    if (this.d.gate.isOpen()) via = "window";
    else if (setupToken !== undefined && this.d.gate.hasToken(setupToken)) via = "token";
    else if (securityCode !== undefined) via = "security-code";
    else {
      this.d.audit.record("setup-refused", { reason: setupToken ? "bad-setup-token" : "window-closed" });
      throw setupToken
        ? new SetupClosedError("setup token is invalid, used or expired")
        : new SetupClosedError();
    }
    // Before the security code, so a weak password does not spend a security-code attempt.
    checkPassword(password, this.policyOptions(), this.policyContext(username));
    if (via === "security-code") await this.checkSecurityCode(securityCode as string);

    const { generation, pepper } = this.keyring;
    const hash = await this.d.hasher.hash(normalizePassword(password), pepper);
    this.ensureCurrent(generation);
    if (via === "token" && !this.d.gate.consumeToken(setupToken)) {
      throw new SetupClosedError("setup token is invalid, used or expired");
    }
    const now = this.d.clock.now();
    this.d.store.transaction(() => {
      if (this.d.store.countAccounts() > 0)
        throw new ConflictError("already provisioned", "already_provisioned");
      this.d.store.insertAccount({
        username,
        role: "admin",
        hash,
        generation,
        createdAt: now,
        passwordChangedAt: now,
      });
    });
    this.d.gate.clear();
    this.d.audit.record("setup", { username, via, generation });
    this.d.log.info({ event: "setup", username, via, generation }, "first admin created");
    this.d.onStateChange?.("provisioned", generation);
    return { username, role: "admin", createdAt: new Date(now).toISOString() };
  }

  async login(username: string, password: string): Promise<LoginResult> {
    this.ensureOpen();
    const name = parseLoginName(username);
    const pw = normalizePassword(parsePasswordInput(password));
    const key = loginKey(name);
    const account = await this.verifyGuarded(key, name, pw);
    const { generation, pepper } = this.keyring;
    if (this.d.hasher.needsRehash(account.hash)) {
      await this.rehash(account, pw, pepper, generation);
      this.ensureOpen();
      if (generation !== this.keyring.generation || !this.d.store.getAccount(account.username)) {
        throw new InvalidCredentialsError();
      }
    }
    const now = this.d.clock.now();
    const token = newToken(TOKEN_PREFIX.session);
    const expiresAt = now + this.d.config.sessions.ttlMinutes * MINUTE;
    this.d.store.pruneExpired(now);
    this.d.store.insertSession(tokenHash(token), account.username, now, expiresAt);
    this.counts.loginsOk++;
    this.d.log.debug({ event: "login", username: account.username }, "login");
    return { token, expiresAt: new Date(expiresAt).toISOString(), role: account.role };
  }

  logout(token: string): void {
    this.ensureOpen();
    if (typeof token !== "string" || token.length === 0 || token.length > 256) return;
    const h = tokenHash(stripBearer(token));
    if (!this.d.store.deleteSession(h)) this.d.store.deleteToken(h);
  }

  authenticate(bearer: string | undefined): Principal {
    this.ensureOpen();
    if (typeof bearer !== "string" || bearer.length === 0 || bearer.length > 256)
      throw new UnauthorizedError();
    const token = stripBearer(bearer);
    const h = tokenHash(token);
    const kind = token.startsWith(TOKEN_PREFIX.apiToken) ? "api-token" : "session";
    const row = kind === "session" ? this.d.store.findSession(h) : this.d.store.findToken(h);
    if (!row) throw new UnauthorizedError("invalid or expired token", "invalid_token");
    if (row.expiresAt <= this.d.clock.now()) {
      if (kind === "session") this.d.store.deleteSession(h);
      else this.d.store.deleteToken(h);
      throw new UnauthorizedError("invalid or expired token", "invalid_token");
    }
    const principal: Principal = {
      username: row.username,
      role: row.role,
      kind,
      expiresAt: new Date(row.expiresAt).toISOString(),
    };
    if (kind === "session") this.sessionOf.set(principal, h);
    return principal;
  }

  async changePassword(who: Principal, currentPassword: string, newPassword: string): Promise<void> {
    this.ensureOpen();
    const account = this.accountOf(who);
    const current = normalizePassword(parsePasswordInput(currentPassword, "currentPassword"));
    const next = parsePasswordInput(newPassword, "newPassword");
    checkPassword(next, this.policyOptions(), this.policyContext(account.username));
    const verified = await this.verifyGuarded(
      loginKey(account.username),
      account.username,
      current,
      "password-change",
    );
    const { generation, pepper } = this.keyring;
    const hash = await this.d.hasher.hash(normalizePassword(next), pepper);
    this.ensureCurrent(generation);
    const now = this.d.clock.now();
    this.d.store.transaction(() => {
      if (!this.d.store.replaceHash(verified.username, verified.hash, hash, generation, now)) {
        throw new ConflictError(
          "the password was changed meanwhile; nothing was changed",
          "password_changed",
        );
      }
      // Other sessions may belong to whoever made the owner change the password.
      this.d.store.deleteSessionsOf(verified.username, this.sessionOf.get(who) ?? null);
    });
    this.d.audit.record("password-changed", { username: verified.username, by: who.kind });
  }

  listUsers(who: Principal): UserView[] {
    this.ensureOpen();
    this.requireAdmin(who);
    return this.d.store.listAccounts().map(view);
  }

  async createUser(
    who: Principal,
    req: { username: string; password: string; role: Role },
  ): Promise<UserView> {
    this.ensureOpen();
    this.requireAdmin(who);
    if (typeof req !== "object" || req === null) throw new ValidationError("user: a JSON object");
    const username = parseUsername(req.username);
    const role = parseRole(req.role);
    const password = parsePasswordInput(req.password);
    if (this.d.store.getAccount(username))
      throw new ConflictError(`user "${username}" exists`, "user_exists");
    checkPassword(password, this.policyOptions(), this.policyContext(username));
    const { generation, pepper } = this.keyring;
    const hash = await this.d.hasher.hash(normalizePassword(password), pepper);
    this.ensureCurrent(generation);
    this.requireAdmin(who);
    const now = this.d.clock.now();
    const row: AccountRow = { username, role, hash, generation, createdAt: now, passwordChangedAt: now };
    this.d.store.transaction(() => {
      if (this.d.store.getAccount(username))
        throw new ConflictError(`user "${username}" exists`, "user_exists");
      this.d.store.insertAccount(row);
    });
    this.d.audit.record("user-created", { username, role, by: who.username });
    return view(row);
  }

  deleteUser(who: Principal, username: string): void {
    this.ensureOpen();
    this.requireAdmin(who);
    const name = parseLoginName(username);
    this.d.store.transaction(() => {
      const target = this.d.store.getAccount(name);
      if (!target) throw new NotFoundError(`no user "${name}"`);
      if (target.role === "admin" && this.d.store.countAdmins() <= 1) {
        throw new ConflictError("the last admin cannot be deleted", "last_admin");
      }
      this.d.store.deleteAccount(target.username);
    });
    this.d.audit.record("user-deleted", { username: name, by: who.username });
  }

  createToken(
    who: Principal,
    req: { name: string; ttlDays?: number | undefined },
  ): { token: string; name: string; expiresAt: string } {
    this.ensureOpen();
    const admin = this.requireAdmin(who);
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

  openSetupWindow(reason: string): void {
    this.ensureOpen();
    if (this.provisioned()) return;
    this.d.gate.open();
    const closesAt = this.d.gate.closesAt();
    this.d.audit.record("setup-window-opened", { reason: String(reason).slice(0, 64), closesAt });
    this.d.log.info({ event: "setup-window", reason, closesAt }, "setup window open");
  }

  async credentialReset(reason: ResetReason, opts: ResetOptions): Promise<ResetOutcome> {
    this.ensureOpen();
    const why = parseResetReason(reason);
    if (typeof opts !== "object" || opts === null) throw new ValidationError("reset options: an object");
    const previous = this.keyring.generation;
    const started = performance.now();
    const { keyring, compactError } = rotateKeyring(this.d.store, this.d.stateDir, this.keyring, {
      at: this.d.clock.now(),
      reason: why,
    });
    this.keyring = keyring;
    if (compactError) {
      this.d.log.error(
        { event: "reset-compact-failed", err: compactError },
        "secure deletion after reset failed",
      );
    }
    this.d.gate.clear();
    if (opts.openWindow) this.d.gate.open();
    const issued = opts.issueSetupToken ? this.d.gate.issueToken() : null;
    const generation = keyring.generation;
    this.d.audit.record("credential-reset", {
      reason: why,
      generation,
      previousGeneration: previous,
      setupWindow: opts.openWindow,
      setupTokenIssued: issued !== null,
    });
    this.d.log.warn(
      { event: "credential-reset", reason: why, generation, ms: Math.round(performance.now() - started) },
      "credentials reset to first boot",
    );
    this.d.onStateChange?.("first-boot", generation);
    const outcome: ResetOutcome = { generation };
    if (issued) {
      outcome.setupToken = issued.token;
      outcome.setupTokenExpiresAt = issued.expiresAt;
    }
    return outcome;
  }

  /**
   * Verifies a password under the lockout rules. A refused attempt computes no argon2; an unknown
   * name costs one verify against the dummy hash, like a known one.
   */
  private async verifyGuarded(
    key: string,
    name: string,
    password: string,
    during: "login" | "password-change" = "login",
  ): Promise<AccountRow> {
    let release: () => void;
    try {
      release = await this.d.guard.begin(key);
    } catch (err) {
      this.counts.refusedLocked++;
      throw err;
    }
    try {
      const { generation, pepper } = this.keyring;
      const account = this.d.store.getAccount(name);
      const ok = await this.d.hasher.verify(account?.hash ?? (await this.d.dummyHash), password, pepper);
      this.ensureOpen();
      // Reset meanwhile: whatever was verified no longer exists. Not the caller's failure.
      if (generation !== this.keyring.generation) throw new InvalidCredentialsError();
      const now = this.d.store.getAccount(name);
      if (ok && account && now?.hash === account.hash) {
        this.d.guard.success(key);
        return account;
      }
      this.counts.loginsFailed++;
      const lockedMs = this.d.guard.failure(key);
      this.d.audit.record("login-failed", { username: name.slice(0, 64), during });
      if (lockedMs !== null) {
        this.counts.lockouts++;
        this.d.audit.record("lockout", { username: key.slice(0, 64), seconds: Math.round(lockedMs / 1000) });
        this.d.log.warn({ event: "lockout", username: key.slice(0, 64), seconds: lockedMs / 1000 }, "locked");
      }
      throw new InvalidCredentialsError();
    } finally {
      release();
    }
  }

  /** Upgrades a hash to the current parameters after a successful login; best effort. */
  private async rehash(
    account: AccountRow,
    password: string,
    pepper: Buffer,
    generation: number,
  ): Promise<void> {
    try {
      const hash = await this.d.hasher.hash(password, pepper);
      if (generation !== this.keyring.generation || this.closed) return;
      if (
        this.d.store.replaceHash(account.username, account.hash, hash, generation, account.passwordChangedAt)
      ) {
        this.counts.rehashes++;
      }
    } catch (err) {
      this.d.log.warn({ event: "rehash-failed", err }, "rehash postponed");
    }
  }

  private async checkSecurityCode(code: string): Promise<void> {
    if (!this.d.securityCode) {
      this.d.audit.record("setup-refused", { reason: "no-security-code" });
      throw new SetupClosedError(
        "this recorder has no security code: press the reset button briefly to open setup",
      );
    }
    if (!(await this.d.securityCode.verify(code))) {
      this.d.audit.record("setup-refused", { reason: "bad-security-code" });
      throw new SetupClosedError("wrong security code");
    }
  }

  /** The caller's account as it is now: a Principal is a snapshot, the role may have changed. */
  private accountOf(who: Principal): AccountRow {
    const account =
      who && typeof who.username === "string" ? this.d.store.getAccount(who.username) : undefined;
    if (!account)
      throw new UnauthorizedError("the account of this session no longer exists", "invalid_token");
    return account;
  }

  private requireAdmin(who: Principal): AccountRow {
    const account = this.accountOf(who);
    if (account.role !== "admin") throw new ForbiddenError("this needs the admin role");
    return account;
  }

  private provisioned(): boolean {
    return this.d.store.countAdmins() > 0;
  }

  private ensureOpen(): void {
    if (this.closed || !this.d.store.isOpen) throw new StoreUnavailableError("credential store is closed");
  }

  /** A reset ran while this request was hashing: its hash belongs to a generation that is gone. */
  private ensureCurrent(generation: number): void {
    this.ensureOpen();
    if (generation !== this.keyring.generation) {
      throw new ConflictError(
        "the credentials were reset meanwhile; nothing was changed",
        "credentials_reset",
      );
    }
  }

  private policyOptions(): { minLength: number } {
    return { minLength: this.d.config.password.minLength };
  }

  private policyContext(username: string): PolicyContext {
    return { username, ...this.d.context };
  }
}

function stripBearer(v: string): string {
  return v.replace(/^Bearer\s+/i, "").trim();
}

function view(a: AccountRow): UserView {
  return { username: a.username, role: a.role, createdAt: new Date(a.createdAt).toISOString() };
}
