// Opens the credential store in a state directory and assembles the AccountService around it.
// Safe after a kill at any instant: the database is integrity-checked, the pepper files are
// reconciled with the generation it committed, and an interrupted secure deletion is finished.
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Clock } from "../clock.js";
import type { Config } from "../config/schema.js";
import { Argon2Hasher, rawHash } from "../crypto/argon2-hasher.js";
import type { CalibrationResult } from "../crypto/calibrate.js";
import { Limiter } from "../crypto/limiter.js";
import type { Logger } from "../log.js";
import { rulesFromConfig } from "../policy/lockout.js";
import type { AccountService, AuditSink, CredentialState } from "../services.js";
import { CredentialStore } from "../store/credential-store.js";
import type { RecoveryPending } from "../store/recovery-pending.js";
import { openKeyring } from "./keyring.js";
import { LoginGuard } from "./login-guard.js";
import type { MailAccountPort } from "./mail-port.js";
import { chooseParams } from "./params.js";
import { AccountServiceImpl, type AccountStats, type DeviceContext } from "./service.js";
import { SetupGate } from "./setup-gate.js";

export const CREDENTIALS_DB = "credentials.db";

export interface OpenAccountsOptions {
  stateDir: string;
  config: Config;
  clock: Clock;
  log: Logger;
  audit: AuditSink;
  /** The recorder's own names: passwords built from them are refused. */
  context?: DeviceContext;
  /** Lets setup proceed outside the window (the recovery module plugs the device code in). */
  securityCode?: { verify(code: string): Promise<boolean> };
  onStateChange?: (state: CredentialState, generation: number) => void;
}

export interface OpenedAccounts extends AccountService {
  close(): void;
  /** Its limiter and counters are what tests and benchmarks watch. */
  readonly hasher: Argon2Hasher;
  readonly generation: number;
  /** Null unless argon2.calibrate is on. */
  readonly calibration: CalibrationResult | null;
  /** Pending recovery state (e.g. a reset request's nonce): survives restarts, dies with every reset. */
  readonly recoveryPending: RecoveryPending;
  stats(): AccountStats;
  readonly mailPort: MailAccountPort;
}

export async function openAccounts(opts: OpenAccountsOptions): Promise<OpenedAccounts> {
  const { stateDir, config, clock, log, audit } = opts;
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const store = CredentialStore.open(path.join(stateDir, CREDENTIALS_DB));
  try {
    const { keyring, report } = openKeyring(store, stateDir);
    if (report.wipedOrphans) {
      audit.record("credential-store-wiped", { reason: "pepper-missing", generation: keyring.generation });
      log.warn(
        { event: "credential-store-wiped", generation: keyring.generation },
        "credentials without their pepper (an old copy of the database?) were wiped to first boot",
      );
    }
    if (report.removedPeppers.length > 0) {
      log.info(
        { event: "pepper-cleanup", generations: report.removedPeppers },
        "stale pepper files destroyed",
      );
    }
    const { params, calibration, reused } = await chooseParams(store, config.argon2);
    if (calibration)
      log.info({ event: "argon2-calibration", params, ms: calibration.measuredMs, reused }, "argon2");
    const hasher = new Argon2Hasher(params, new Limiter(config.argon2.maxConcurrent, config.argon2.maxQueue));
    // Unknown names are verified against this, so they cost what a real account costs. Computed
    // in the background: start-up does not wait ~25 ms for it, the first unknown name might.
    const dummyHash = rawHash(randomBytes(24).toString("base64url"), params, randomBytes(32));
    dummyHash.catch(() => {});
    const guard = new LoginGuard(store.lockout, rulesFromConfig(config.lockout), clock);
    guard.prune();
    const service = new AccountServiceImpl({
      store,
      stateDir,
      keyring,
      hasher,
      calibration,
      dummyHash,
      gate: new SetupGate(clock, config.setupWindow.minutes * 60_000),
      guard,
      config,
      clock,
      log,
      audit,
      context: opts.context ?? {},
      securityCode: opts.securityCode,
      onStateChange: opts.onStateChange,
    });
    if (config.setupWindow.openAtBoot) service.openSetupWindow("boot");
    return service;
  } catch (err) {
    store.close();
    throw err;
  }
}
