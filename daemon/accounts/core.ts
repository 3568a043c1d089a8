// State and checks shared by the parts of the AccountService: the current generation and its
// pepper, whether the store is open, who the caller is now, and the password policy inputs.
import type { Clock } from "../clock.js";
import type { Config } from "../config/schema.js";
import type { Argon2Hasher } from "../crypto/argon2-hasher.js";
import type { CalibrationResult } from "../crypto/calibrate.js";
import { ConflictError, ForbiddenError, StoreUnavailableError, UnauthorizedError } from "../errors.js";
import type { Logger } from "../log.js";
import type { PolicyContext } from "../policy/password-policy.js";
import type { AuditSink, CredentialState, Principal, UserView } from "../services.js";
import type { AccountRow, CredentialStore } from "../store/credential-store.js";
import type { Keyring } from "./keyring.js";
import type { LoginGuard } from "./login-guard.js";
import type { SetupGate } from "./setup-gate.js";

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
  /** The hash unknown names are verified against, made once on first call. */
  dummyHash: () => Promise<string>;
  gate: SetupGate;
  guard: LoginGuard;
  config: Config;
  clock: Clock;
  log: Logger;
  audit: AuditSink;
  context: DeviceContext;
  securityCode?: { verify(code: string): Promise<boolean> } | undefined;
  onStateChange?: ((state: CredentialState, generation: number) => void) | undefined;
  /** Keeps credentials.state (outside the database) in step with every acknowledged change. */
  marker?: { record(generation: number, provisioned: boolean): void } | undefined;
}

export interface AccountStats {
  loginsOk: number;
  loginsFailed: number;
  refusedLocked: number;
  lockouts: number;
  rehashes: number;
}

export class AccountCore {
  /** Replaced by every reset; operations that hash capture it first and re-check it after. */
  keyring: Keyring;
  closed = false;
  /** Session token hash behind each Principal handed out, so a password change keeps the caller's. */
  readonly sessionOf = new WeakMap<Principal, Buffer>();
  /** API token hash behind each Principal of kind api-token, likewise. */
  readonly tokenOf = new WeakMap<Principal, Buffer>();
  readonly counts: AccountStats = {
    loginsOk: 0,
    loginsFailed: 0,
    refusedLocked: 0,
    lockouts: 0,
    rehashes: 0,
  };

  constructor(readonly d: AccountServiceDeps) {
    this.keyring = d.keyring;
  }

  /** Resolves once the secure deletion scheduled by the last reset has run (tests, benchmarks). */
  compaction: Promise<void> = Promise.resolve();

  /**
   * After every commit that changes a credential: the WAL is checkpointed into the main file (a
   * lost or damaged WAL can no longer undo it; old page images are overwritten) and the marker
   * outside the database records the state. Runs before the change is acknowledged.
   */
  committed(): void {
    try {
      this.d.store.checkpoint();
    } catch (err) {
      this.d.log.warn({ event: "checkpoint-failed", err }, "WAL checkpoint after a credential change failed");
    }
    this.recordMarker();
  }

  recordMarker(): void {
    try {
      this.d.marker?.record(this.keyring.generation, this.provisioned());
    } catch (err) {
      // The database is ahead of the marker then, which open() accepts; the next change retries.
      this.d.log.error({ event: "state-marker-failed", err }, "credentials.state could not be written");
    }
  }

  /** Secure deletion after a reset, once the reset's answer and LED change are out. */
  scheduleCompaction(): void {
    this.compaction = new Promise<void>((resolve) => {
      setImmediate(() => {
        try {
          if (!this.closed && this.d.store.isOpen) this.d.store.compact();
        } catch (err) {
          // compact_pending stays set: the next open finishes it.
          this.d.log.error({ event: "reset-compact-failed", err }, "secure deletion after reset failed");
        }
        resolve();
      });
    });
  }

  ensureOpen(): void {
    if (this.closed || !this.d.store.isOpen) throw new StoreUnavailableError("credential store is closed");
  }

  /** A reset ran while this request was hashing: its hash belongs to a generation that is gone. */
  ensureCurrent(generation: number): void {
    this.ensureOpen();
    if (generation !== this.keyring.generation) {
      throw new ConflictError(
        "the credentials were reset meanwhile; nothing was changed",
        "credentials_reset",
      );
    }
  }

  provisioned(): boolean {
    return this.d.store.countAdmins() > 0;
  }

  /** The caller's account as it is now: a Principal is a snapshot, the role may have changed. */
  accountOf(who: Principal): AccountRow {
    const account =
      who && typeof who.username === "string" ? this.d.store.getAccount(who.username) : undefined;
    if (!account)
      throw new UnauthorizedError("the account of this session no longer exists", "invalid_token");
    return account;
  }

  requireAdmin(who: Principal): AccountRow {
    const account = this.accountOf(who);
    if (account.role !== "admin") throw new ForbiddenError("this needs the admin role");
    return account;
  }

  policyOptions(): { minLength: number; minGuessesLog10: number } {
    return {
      minLength: this.d.config.password.minLength,
      minGuessesLog10: this.d.config.password.minGuessesLog10,
    };
  }

  policyContext(username: string): PolicyContext {
    return { username, ...this.d.context };
  }
}

export function view(a: AccountRow): UserView {
  return { username: a.username, role: a.role, createdAt: new Date(a.createdAt).toISOString() };
}
