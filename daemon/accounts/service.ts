// The AccountService: setup, login, sessions and the credential reset; account management is
// in users.ts, the lockout-guarded verify in verify.ts.
//
// argon2 runs off the event loop, so every operation that hashes has an await in the middle. A
// reset (synchronous, so atomic for this process) may land there; each such operation captures
// the generation and its pepper before hashing and re-checks both before writing, and the
// database refuses an account row from another generation anyway.
import { elapsedMs, instantOf } from "../clock.js";
import type { Argon2Hasher } from "../crypto/argon2-hasher.js";
import type { CalibrationResult } from "../crypto/calibrate.js";
import { newToken, TOKEN_PREFIX, tokenHash } from "../crypto/tokens.js";
import {
  ConflictError,
  InvalidCredentialsError,
  SetupClosedError,
  UnauthorizedError,
  ValidationError,
} from "../errors.js";
import { checkPassword } from "../policy/password-policy.js";
import { normalizePassword } from "../policy/text.js";
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
} from "../services.js";
import type { RecoveryPending } from "../store/recovery-pending.js";
import { AccountCore, type AccountServiceDeps, type AccountStats } from "./core.js";
import { rotateKeyring } from "./keyring.js";
import { loginKey } from "./login-guard.js";
import { type MailAccountPort, mailAccountPort } from "./mail-port.js";
import { UserAdmin } from "./users.js";
import {
  optionalString,
  parseLoginName,
  parsePasswordInput,
  parseResetReason,
  parseUsername,
} from "./validate.js";
import { rehash, verifyGuarded } from "./verify.js";

export type { AccountServiceDeps, AccountStats, DeviceContext } from "./core.js";

const MINUTE = 60_000;

export class AccountServiceImpl implements AccountService {
  private readonly core: AccountCore;
  private readonly users: UserAdmin;

  constructor(deps: AccountServiceDeps) {
    this.core = new AccountCore(deps);
    this.users = new UserAdmin(this.core);
  }

  private get d(): AccountServiceDeps {
    return this.core.d;
  }

  get generation(): number {
    return this.core.keyring.generation;
  }

  /** Work READY does not wait for: the unknown-name hash, made now rather than at the first login. */
  async warmUp(): Promise<void> {
    await this.d.dummyHash().catch(() => {});
  }

  /** Resolves once the secure deletion after the last reset has run. */
  whenCompacted(): Promise<void> {
    return this.core.compaction;
  }

  get hasher(): Argon2Hasher {
    return this.d.hasher;
  }

  /** Pending recovery state for the recovery module: survives restarts, dies with every reset. */
  get recoveryPending(): RecoveryPending {
    this.core.ensureOpen();
    return this.d.store.recoveryPending;
  }

  /** Non-credential settings that survive resets (the audit anchors live here). */
  get settings(): {
    getSetting(key: string): string | undefined;
    setSetting(key: string, value: string): void;
  } {
    const store = this.d.store;
    return {
      getSetting: (key) => (store.isOpen ? store.getSetting(key) : undefined),
      setSetting: (key, value) => {
        if (store.isOpen) store.setSetting(key, value);
      },
    };
  }

  /** For the mail module (forgot password, registered addresses). */
  get mailPort(): MailAccountPort {
    return mailAccountPort(this.core);
  }

  get calibration(): CalibrationResult | null {
    return this.d.calibration;
  }

  stats(): AccountStats {
    return { ...this.core.counts };
  }

  close(): void {
    if (this.core.closed) return;
    this.core.closed = true;
    this.d.store.close();
  }

  status(): CredentialStatus {
    this.core.ensureOpen();
    const provisioned = this.core.provisioned();
    const meta = this.d.store.meta();
    const open = !provisioned && this.d.gate.isOpen();
    return {
      state: provisioned ? "provisioned" : "first-boot",
      generation: meta.generation,
      accounts: this.d.store.countAccounts(),
      setupWindow: { open, closesAt: open ? this.d.gate.closesAt() : null },
      lockout: { lockedCount: this.d.guard.lockedCount(), lockedAccounts: this.d.guard.lockedAccounts() },
      lastReset: meta.lastReset && {
        at: new Date(meta.lastReset.at).toISOString(),
        reason: meta.lastReset.reason,
        generation: meta.lastReset.generation,
      },
    };
  }

  async setup(req: SetupRequest): Promise<UserView> {
    this.core.ensureOpen();
    if (typeof req !== "object" || req === null) throw new ValidationError("setup: a JSON object");
    const username = parseUsername(req.username);
    const password = parsePasswordInput(req.password);
    const setupToken = optionalString(req.setupToken, "setupToken");
    const securityCode = optionalString(req.securityCode, "securityCode");
    if (this.core.provisioned()) throw new ConflictError("already provisioned", "already_provisioned");

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
    checkPassword(password, this.core.policyOptions(), this.core.policyContext(username));
    if (via === "security-code") await this.checkSecurityCode(securityCode as string);

    const { generation, pepper } = this.core.keyring;
    const hash = await this.d.hasher.hash(normalizePassword(password), pepper);
    this.core.ensureCurrent(generation);
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
      this.d.guard.forget(loginKey(username));
    });
    this.d.gate.clear();
    // Acknowledged only once it is in the main database file and the marker knows an owner exists.
    this.core.committed();
    this.d.audit.record("setup", { username, via, generation });
    this.d.log.info({ event: "setup", username, via, generation }, "first admin created");
    this.d.onStateChange?.("provisioned", generation);
    return { username, role: "admin", createdAt: new Date(now).toISOString() };
  }

  async login(username: string, password: string): Promise<LoginResult> {
    this.core.ensureOpen();
    const name = parseLoginName(username);
    const pw = normalizePassword(parsePasswordInput(password));
    const key = loginKey(name);
    const account = await verifyGuarded(this.core, key, name, pw);
    const { generation, pepper } = this.core.keyring;
    if (this.d.hasher.needsRehash(account.hash)) {
      await rehash(this.core, account, pw, pepper, generation);
      this.core.ensureOpen();
      if (generation !== this.core.keyring.generation || !this.d.store.getAccount(account.username)) {
        throw new InvalidCredentialsError();
      }
    }
    const now = this.d.clock.now();
    const token = newToken(TOKEN_PREFIX.session);
    const expiresAt = now + this.d.config.sessions.ttlMinutes * MINUTE;
    this.d.store.pruneExpired(now);
    this.d.store.insertSession(tokenHash(token), account.username, now, expiresAt, instantOf(this.d.clock));
    this.core.counts.loginsOk++;
    this.d.log.debug({ event: "login", username: account.username }, "login");
    return { token, expiresAt: new Date(expiresAt).toISOString(), role: account.role };
  }

  logout(token: string): void {
    this.core.ensureOpen();
    if (typeof token !== "string" || token.length === 0 || token.length > 256) return;
    const h = tokenHash(stripBearer(token));
    if (!this.d.store.deleteSession(h)) this.d.store.deleteToken(h);
  }

  authenticate(bearer: string | undefined): Principal {
    this.core.ensureOpen();
    if (typeof bearer !== "string" || bearer.length === 0 || bearer.length > 256)
      throw new UnauthorizedError();
    const token = stripBearer(bearer);
    const h = tokenHash(token);
    const kind = token.startsWith(TOKEN_PREFIX.apiToken) ? "api-token" : "session";
    const row = kind === "session" ? this.d.store.findSession(h) : this.d.store.findToken(h);
    if (!row) throw new UnauthorizedError("invalid or expired token", "invalid_token");
    if (expired(row, instantOf(this.d.clock))) {
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
    if (kind === "session") this.core.sessionOf.set(principal, h);
    else {
      this.core.tokenOf.set(principal, h);
      this.d.store.touchToken(h, this.d.clock.now());
    }
    return principal;
  }

  changePassword(who: Principal, currentPassword: string, newPassword: string): Promise<void> {
    return this.users.changePassword(who, currentPassword, newPassword);
  }

  listUsers(who: Principal): UserView[] {
    return this.users.listUsers(who);
  }

  createUser(who: Principal, req: { username: string; password: string; role: Role }): Promise<UserView> {
    return this.users.createUser(who, req);
  }

  deleteUser(who: Principal, username: string): void {
    this.users.deleteUser(who, username);
  }

  createToken(
    who: Principal,
    req: { name: string; ttlDays?: number | undefined },
  ): { token: string; id: string; name: string; expiresAt: string } {
    return this.users.createToken(who, req);
  }

  listTokens(who: Principal, username?: string): TokenView[] {
    return this.users.listTokens(who, username);
  }

  revokeToken(who: Principal, id: string): void {
    this.users.revokeToken(who, id);
  }

  openSetupWindow(reason: string, ms?: number): void {
    this.core.ensureOpen();
    if (this.core.provisioned()) return;
    this.d.gate.open(ms);
    const closesAt = this.d.gate.closesAt();
    this.d.audit.record("setup-window-opened", { reason: String(reason).slice(0, 64), closesAt });
    this.d.log.info({ event: "setup-window", reason, closesAt }, "setup window open");
  }

  async credentialReset(reason: ResetReason, opts: ResetOptions): Promise<ResetOutcome> {
    this.core.ensureOpen();
    const why = parseResetReason(reason);
    if (typeof opts !== "object" || opts === null) throw new ValidationError("reset options: an object");
    const previous = this.core.keyring.generation;
    const started = performance.now();
    const { keyring } = rotateKeyring(this.d.store, this.d.stateDir, this.core.keyring, {
      at: this.d.clock.now(),
      reason: why,
    });
    this.core.keyring = keyring;
    // Durable first boot is the commit above; the marker follows before anyone hears of it.
    this.core.recordMarker();
    // Secure deletion (checkpoint, VACUUM) is off the critical path: the flag in meta makes the
    // next start finish it if the process dies first.
    this.core.scheduleCompaction();
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
}

/**
 * A session or token is dead once its lifetime has elapsed (monotonic within one boot, so a wall
 * clock set back does not extend it), once its wall expiry passed, or when it claims to have been
 * issued in the future (a clock that was ahead then): it cannot be trusted after the correction.
 */
function expired(
  row: { createdAt: number; expiresAt: number; createdMono?: number; bootId?: string },
  now: ReturnType<typeof instantOf>,
): boolean {
  if (row.expiresAt <= now.wall || row.createdAt > now.wall + 60_000) return true;
  const issued = { wall: row.createdAt, mono: row.createdMono ?? 0, bootId: row.bootId ?? "" };
  return elapsedMs(issued, now) >= row.expiresAt - row.createdAt;
}

function stripBearer(v: string): string {
  return v.replace(/^Bearer\s+/i, "").trim();
}
