// Opens the credential store in a state directory and assembles the AccountService around it.
// Safe after a kill at any instant: the database is integrity-checked, the pepper files are
// reconciled with the generation it committed, and an interrupted secure deletion is finished.

import { randomBytes } from "node:crypto";
import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import path from "node:path";
import type { Clock } from "../clock.js";
import type { Config } from "../config/schema.js";
import { Argon2Hasher, rawHash } from "../crypto/argon2-hasher.js";
import type { CalibrationResult } from "../crypto/calibrate.js";
import { Limiter } from "../crypto/limiter.js";
import { StoreFaultError } from "../errors.js";
import type { Logger } from "../log.js";
import { rulesFromConfig } from "../policy/lockout.js";
import { currentRequest } from "../request-context.js";
import type { AccountService, AuditSink, CredentialState } from "../services.js";
import { CredentialStore } from "../store/credential-store.js";
import type { RecoveryPending } from "../store/recovery-pending.js";
import { judgeStore, readStoreMarker } from "../store/state-marker.js";
import { openKeyring } from "./keyring.js";
import { LoginGuard } from "./login-guard.js";
import type { MailAccountPort } from "./mail-port.js";
import { MarkerKeeper } from "./marker-keeper.js";
import { chooseParams } from "./params.js";
import { consumeRebuiltIntent } from "./rebuilt-intent.js";
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
  /** Settings that survive resets (the audit chain anchors). */
  readonly settings: {
    getSetting(key: string): string | undefined;
    setSetting(key: string, value: string): void;
  };
  stats(): AccountStats;
  /** Work READY does not wait for (the unknown-name hash). */
  warmUp(): Promise<void>;
  /** Resolves once the secure deletion after the last reset has run. */
  whenCompacted(): Promise<void>;
  readonly mailPort: MailAccountPort;
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export async function openAccounts(opts: OpenAccountsOptions): Promise<OpenedAccounts> {
  const { stateDir, config, clock, log, audit } = opts;
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const dbFile = path.join(stateDir, CREDENTIALS_DB);
  const marker = readStoreMarker(stateDir);
  const everProvisioned = marker.kind === "ok" && marker.marker.everProvisioned;
  // A missing or empty database is first boot only on a recorder that never had an owner.
  if (!(statSync(dbFile, { throwIfNoEntry: false })?.size ?? 0) || marker.kind === "damaged") {
    const why = judgeStore(marker, null);
    if (why) throw new StoreFaultError(why);
  }
  let store: CredentialStore;
  try {
    store = CredentialStore.open(dbFile);
  } catch (err) {
    // Corrupt where it once had an owner: a store fault, whatever SQLite made of it. A directory
    // that cannot be written (read-only, failing flash) is unavailable instead: nothing is lost.
    if (everProvisioned && writable(stateDir)) throw new StoreFaultError((err as Error).message);
    throw err;
  }
  try {
    const why = judgeStore(marker, { generation: store.generation(), provisioned: store.countAdmins() > 0 });
    if (why) throw new StoreFaultError(why);
    const { keyring, report } = openKeyring(store, stateDir, { refuseWipe: everProvisioned });
    // Whatever a crash left in the WAL goes into the main file now; old page images go with it.
    store.checkpoint();
    const markerKeeper = new MarkerKeeper(stateDir, marker.kind === "ok" ? marker.marker : null);
    markerKeeper.record(keyring.generation, store.countAdmins() > 0);
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
    // Fair shares per API connection; signed-in callers and the daemon's own work go first.
    const limiter = new Limiter(config.argon2.maxConcurrent, config.argon2.maxQueue, {
      laneOf: () => {
        const r = currentRequest();
        return r ? { key: `c${r.connection}`, priority: r.authenticated } : undefined;
      },
    });
    const hasher = new Argon2Hasher(params, limiter);
    // Unknown names are verified against this, so they cost what a real account costs. Made on
    // first need or by warmUp() after READY: start-up does not spend ~25-40 ms of a thread on it.
    let dummy: Promise<string> | undefined;
    const dummyHash = (): Promise<string> => {
      if (!dummy) {
        dummy = rawHash(randomBytes(24).toString("base64url"), params, randomBytes(32));
        dummy.catch(() => {});
      }
      return dummy;
    };
    const guard = new LoginGuard(
      store.lockout,
      rulesFromConfig(config.lockout),
      clock,
      config.lockout.maxTrackedNames,
    );
    guard.prune();
    const rebased = guard.rebaseAfterBoot();
    if (rebased > 0) log.info({ event: "lockout-rebased", locks: rebased }, "locks carried over a reboot");
    const service = new AccountServiceImpl({
      store,
      stateDir,
      keyring,
      hasher,
      calibration,
      dummyHash,
      gate: new SetupGate(clock, config.setupWindow.minutes * 60_000, store.setupTokens),
      marker: markerKeeper,
      guard,
      config,
      clock,
      log,
      audit,
      context: opts.context ?? {},
      securityCode: opts.securityCode,
      onStateChange: opts.onStateChange,
    });
    // Only a physical act opens the window for everyone (SPEC 4). A store-rebuild hold restarts
    // the daemon: the window it earned is carried over by its intent file. openAtBoot (opt-in)
    // opens it only on a store that never had an owner.
    const rebuilt = consumeRebuiltIntent(stateDir, clock, log, config.setupWindow.minutes * 60_000);
    if (rebuilt !== null) service.openSetupWindow("store-rebuilt", rebuilt);
    else if (config.setupWindow.openAtBoot && !markerKeeper.everProvisioned) service.openSetupWindow("boot");
    return service;
  } catch (err) {
    store.close();
    throw err;
  }
}
