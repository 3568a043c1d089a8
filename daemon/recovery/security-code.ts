// The device security code from the sticker (SPEC 6, 8.2): 16 base32 characters, stored only as
// a plain argon2id hash in factory data (no pepper: factory data must verify on any firmware).
// Attempts are limited like logins, and the counter lives on disk so a restart does not reset it.

import type { Clock } from "../clock.js";
import { argon2 } from "../crypto/argon2-module.js";
import { LockedError, RecoveryRefusedError } from "../errors.js";
import type { Logger } from "../log.js";
import type { AuditSink } from "../services.js";
import { readJsonIfExists, writeJsonAtomic } from "./atomic-file.js";
import { base32Normalize } from "./base32.js";
import { WireFormatError } from "./errors.js";
import {
  afterFailure,
  type LockoutPolicy,
  type LockoutState,
  lockRemainingMs,
  NO_LOCKOUT,
  parseLockoutState,
} from "./lockout.js";

export const SECURITY_CODE_LENGTH = 16;

/** The form that is hashed: upper case, no spaces or dashes. Throws WireFormatError otherwise. */
export function normalizeSecurityCode(input: string): string {
  const code = base32Normalize(input);
  if (!/^[A-Z2-7]{16}$/.test(code)) {
    throw new WireFormatError(
      "security code",
      "must be 16 base32 characters (A-Z, 2-7); spaces and dashes are ignored",
    );
  }
  return code;
}

export interface SecurityCodeLockState {
  locked: boolean;
  retryAfterSeconds: number;
  failures: number;
  /** When the lock ends (ISO), or null when not locked. */
  lockedUntil: string | null;
}

/** What the AccountService uses for setup outside the window; the recovery API for resets. */
export interface SecurityCodeVerifier {
  /** False when the recorder has no factory data (no code to check against). */
  readonly available: boolean;
  /**
   * True when the code matches. A wrong code counts towards the lockout and gives false.
   * Throws LockedError while locked (no hash is computed), WireFormatError for text that cannot
   * be a security code (not counted), RecoveryRefusedError("unavailable") without factory data.
   */
  verify(code: string, purpose?: string): Promise<boolean>;
  lockState(): Promise<SecurityCodeLockState>;
  /** Forget failures and locks (after a credential reset, SPEC 4). */
  clearLockout(): Promise<void>;
}

export interface SecurityCodeOptions {
  /** argon2id PHC string from factory data, or null without factory data. */
  hash: string | null;
  /** JSON file holding the attempt counter. */
  stateFile: string;
  policy: LockoutPolicy;
  clock: Clock;
  audit: AuditSink;
  log: Logger;
  /** Injected for tests (count hash runs); argon2().verify otherwise. */
  verifyHash?: (hash: string, code: string) => Promise<boolean>;
}

export function createSecurityCodeVerifier(opts: SecurityCodeOptions): SecurityCodeVerifier {
  const verifyHash = opts.verifyHash ?? ((hash, code) => argon2().verify(hash, code));
  let state: LockoutState | undefined;
  // One attempt at a time: the counter is charged before hashing, so attempts must not overlap.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };

  async function load(): Promise<LockoutState> {
    if (state) return state;
    let raw: unknown;
    try {
      raw = await readJsonIfExists(opts.stateFile);
    } catch (err) {
      opts.log.warn(
        { err, file: opts.stateFile },
        "security-code attempt counter unreadable; starting afresh",
      );
    }
    const parsed = raw === undefined ? NO_LOCKOUT : parseLockoutState(raw);
    if (!parsed)
      opts.log.warn({ file: opts.stateFile }, "security-code attempt counter malformed; starting afresh");
    state = parsed ?? NO_LOCKOUT;
    return state;
  }

  async function save(next: LockoutState): Promise<void> {
    await writeJsonAtomic(opts.stateFile, next);
    state = next;
  }

  const audit = (purpose: string, outcome: "ok" | "refused", fields: Record<string, unknown>) =>
    opts.audit.record("recovery.security-code", { purpose, outcome, ...fields });

  return {
    available: opts.hash !== null,

    verify(code: string, purpose = "setup"): Promise<boolean> {
      return serial(async () => {
        const hash = opts.hash;
        if (hash === null) {
          audit(purpose, "refused", { reason: "unavailable" });
          throw new RecoveryRefusedError(
            "unavailable",
            "this recorder has no security code (no factory data)",
            409,
          );
        }
        const now = opts.clock.now();
        const current = await load();
        const lockedMs = lockRemainingMs(current, now);
        if (lockedMs > 0) {
          audit(purpose, "refused", { reason: "locked", retryAfterSeconds: Math.ceil(lockedMs / 1000) });
          throw new LockedError(lockedMs / 1000, { what: "security-code" });
        }
        let normalized: string;
        try {
          normalized = normalizeSecurityCode(code);
        } catch (err) {
          audit(purpose, "refused", { reason: "malformed" });
          throw err;
        }
        // Charge the failure before hashing: killing the daemon mid-hash cannot win a free try.
        const charged = afterFailure(current, opts.policy, now);
        await save(charged);
        const ok = await verifyHash(hash, normalized).catch((err: unknown) => {
          opts.log.error({ err }, "security-code hash check failed");
          return false;
        });
        if (ok) {
          await save(NO_LOCKOUT);
          audit(purpose, "ok", {});
          return true;
        }
        const lockedFor = Math.ceil(lockRemainingMs(charged, now) / 1000);
        audit(purpose, "refused", {
          reason: "wrong_code",
          failures: charged.failures,
          ...(lockedFor > 0 ? { lockedForSeconds: lockedFor } : {}),
        });
        opts.log.info({ purpose, lockedForSeconds: lockedFor }, "security code refused");
        return false;
      });
    },

    async lockState(): Promise<SecurityCodeLockState> {
      const s = await load();
      const ms = lockRemainingMs(s, opts.clock.now());
      return {
        locked: ms > 0,
        retryAfterSeconds: Math.ceil(ms / 1000),
        failures: s.failures,
        lockedUntil: ms > 0 && s.lockedUntil !== null ? new Date(s.lockedUntil).toISOString() : null,
      };
    },

    clearLockout(): Promise<void> {
      return serial(async () => {
        if (opts.hash === null) return;
        await save(NO_LOCKOUT);
      });
    },
  };
}
