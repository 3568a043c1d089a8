// The imperative shell: wires configuration, stores, the board, the press engine, recovery and
// the API together, and owns the process-level concerns (readiness, watchdog, shutdown).
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { createBoard } from "../hal/index.js";
import { openAccounts } from "./accounts/open.js";
import { writeRebuiltIntent } from "./accounts/rebuilt-intent.js";
import { startApiServer } from "./api/server.js";
import { settingsAnchorStore } from "./audit/anchor.js";
import { openAuditTrail } from "./audit/trail.js";
import { warmAge } from "./backup/age.js";
import { BackupService } from "./backup/service.js";
import { type Clock, systemClock } from "./clock.js";
import { findConfigFile, loadConfigFile, parseConfig, resolvePaths } from "./config/load.js";
import type { Config } from "./config/schema.js";
import { InstanceLockedError } from "./errors.js";
import { EventBus } from "./events.js";
import { EXIT_RESTART } from "./exit-codes.js";
import { FaultSet, factoryFaultRecovery, readFactoryData } from "./faults.js";
import { createLogger, type Logger } from "./log.js";
import { DaemonMail, NoticeTap } from "./mail/index.js";
import { warmNodemailer } from "./mail/transport.js";
import { PressController } from "./press/controller.js";
import { handlePressAction } from "./press-actions.js";
import { createRecovery } from "./recovery/service.js";
import { startWithRetry } from "./retry-listen.js";
import type { AccountService, AuditSink } from "./services.js";
import { acquireInstanceLock, type InstanceLock, LOCK_FILE } from "./store/instance-lock.js";
import { faultedAccounts, removeCredentialStore, type StoreFault, storeFaultOf } from "./store-fault.js";
import { createNotifier } from "./systemd/notify.js";
import { deprioritizeHelperThreads } from "./thread-priority.js";
import { PRODUCT_VERSION } from "./version.js";

export interface DaemonOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  clock?: Clock;
  log?: Logger;
}

export interface Daemon {
  readonly config: Config;
  readonly stateDir: string;
  readonly runtimeDir: string;
  readonly apiSocket: string;
  close(reason?: string): Promise<void>;
}

export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const clock = opts.clock ?? systemClock;
  const configFile = findConfigFile(opts.env, existsSync);
  const config = configFile ? loadConfigFile(configFile) : parseConfig({});
  const paths = resolvePaths(config, opts.env, opts.cwd);
  const log = opts.log ?? createLogger({ level: config.log.level });
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  // Before anything in the state directory is opened: a second daemon stops here, touching nothing.
  let lock: InstanceLock;
  try {
    lock = acquireInstanceLock(path.join(paths.stateDir, LOCK_FILE));
  } catch (err) {
    if (err instanceof InstanceLockedError) throw err;
    // A read-only state directory: nothing can be written there, by us or a second daemon.
    log.warn({ err }, "state directory lock unavailable: running without it (the directory is not writable)");
    lock = { release() {} };
  }
  try {
    mkdirSync(paths.runtimeDir, { recursive: true, mode: 0o755 });
  } catch (err) {
    log.error({ err }, "runtime directory cannot be created: sockets are retried until it can");
  }
  log.info(
    { configFile: configFile ?? "(embedded default)", board: config.board, stateDir: paths.stateDir },
    "recoveryd starting",
  );

  const events = new EventBus();
  const a = config.audit;
  const audit = openAuditTrail({
    dir: path.join(paths.stateDir, "audit"),
    general: {
      maxFileBytes: a.maxFileBytes,
      keepFiles: a.keepFiles,
      noise: { windowMs: a.noise.windowSeconds * 1000, perCategory: a.noise.perCategory },
    },
    security: {
      maxFileBytes: a.security.maxFileBytes,
      keepFiles: a.security.keepFiles,
      noise: { windowMs: a.noise.securityWindowSeconds * 1000, perCategory: a.noise.securityPerCategory },
    },
    clock,
    log,
    // A full or failing disk must not turn a reset or a login into an error: log it instead,
    // once a minute per kind of failure rather than once per entry.
    onError: throttled(60_000, (err: Error) => log.error({ err }, "audit log write failed")),
  });
  audit.record("boot", { board: config.board, pid: process.pid });
  // The controller exists only once the board is up; faults before that just wait for it.
  let controllerRef: PressController | undefined;
  let firstBoot = false;
  // The button line's own fault is raised by the press controller: it is listed and audited here
  // but not fed back to the controller as an outside fault (it would outlive the line's recovery).
  const indicatorFault = () => faults.list().find((f) => f.code !== "button-line")?.code ?? null;
  const faults = new FaultSet((_first, change) => {
    audit.record(change.on ? "fault" : "fault-cleared", { code: change.code });
    controllerRef?.setIndicatorState({ firstBoot, fault: indicatorFault() });
  });
  const { factory, fault: factoryFault } = readFactoryData(paths.factoryPath);
  if (factoryFault) {
    log.error(
      { fault: factoryFault.code, detail: factoryFault.message },
      "factory data unusable: remote recovery is off",
    );
    audit.record(factoryFault.code, { error: factoryFault.message });
    faults.set(factoryFault.code, factoryFault.message);
  }

  // Accounts need the security-code check that recovery owns, and recovery resets accounts:
  // the check is bound late so each side gets the other.
  let recoveryRef: ReturnType<typeof createRecovery> | undefined;
  let storeFault: StoreFault | null = null;
  // Audited account events (setup, password change, lockout) become mailed notices (issue 16).
  const noticeTap = new NoticeTap(audit);
  const opened = await openAccounts({
    stateDir: paths.stateDir,
    config,
    clock,
    log,
    audit: noticeTap,
    context: factory ? { deviceId: factory.deviceId, model: factory.model, brand: factory.brand } : {},
    securityCode: {
      verify: (code: string) => recoveryRef?.securityCode.verify(code) ?? Promise.resolve(false),
    },
    onStateChange: (state, generation) => {
      events.publish({ type: "state", state, generation });
      firstBoot = state === "first-boot";
      controllerRef?.setIndicatorState({ firstBoot, fault: indicatorFault() });
    },
  }).catch((err: unknown) => {
    // A store that cannot be opened must not keep the recorder in a restart loop with a dark LED,
    // and a store that lost what it had must never come up as first boot.
    storeFault = storeFaultOf(err);
    log.error(
      { err, fault: storeFault.code },
      "credential store unusable: running degraded, showing the fault pattern",
    );
    audit.record("store-fault", { code: storeFault.code, error: storeFault.message });
    faults.set(storeFault.code, storeFault.message);
    return null;
  });
  const accounts: AccountService =
    opened ?? faultedAccounts(storeFault ?? storeFaultOf(new Error("unknown")));
  // The audit chains' heads live in the credential store too: a cut tail is found at start.
  if (opened) audit.attachAnchor(settingsAnchorStore(opened.settings));
  const mail = opened
    ? new DaemonMail({
        config,
        env: opts.env,
        accounts: opened,
        clock,
        log,
        audit,
        device: { deviceId: factory?.deviceId, model: factory?.model },
        report: async () => weeklyLines(opened.status(), await audit.verifyAsync()),
      })
    : null;
  if (mail) noticeTap.attach(mail);
  const recovery = createRecovery({
    stateDir: paths.stateDir,
    config,
    clock,
    log,
    audit,
    accounts,
    factory,
    onUsbFile: (accepted) => controllerRef?.showOutcome(accepted),
  });
  recoveryRef = recovery;
  if (opened) await recovery.resumeIfPending();
  const backup = new BackupService({
    restorePaths: config.factoryReset.restore.map((r) => r.path),
    preserve: config.factoryReset.preserve,
    credentialPaths: [paths.stateDir, ...(paths.factoryPath ? [paths.factoryPath] : [])],
    stateDir: paths.stateDir,
    defaultDir: config.recovery.usbDir,
    model: factory?.model ?? null,
    deviceId: factory?.deviceId ?? null,
    productVersion: PRODUCT_VERSION,
    clock,
    log,
    audit,
  });
  // A restore a kill interrupted is finished (or rolled back) before anything reads the config.
  await backup.resumeIfPending();

  const board = await createBoard(config, {
    runtimeDir: paths.runtimeDir,
    clock,
    log,
    events: (fn) => events.subscribe(fn),
    onControlFault: (message) => (message ? faults.set("sim-socket", message) : faults.clear("sim-socket")),
    // Issue 13: a failed LED or buzzer line is a named fault in status and audit while it lasts.
    onOutputFault: (part, message) =>
      message ? faults.set(`${part}-line`, message) : faults.clear(`${part}-line`),
  });
  const controller: PressController = new PressController({
    board,
    button: config.button,
    clock,
    log,
    onEvent: (e) => {
      // SPEC 7: every classified press is audited with its tier and length.
      if (e.type === "press")
        audit.record("press", { tier: e.tier, durationMs: e.durationMs, boot: e.boot, action: e.action });
      // Issue 13: a failed button line is a named fault in status and audit while it lasts.
      if (e.type === "fault" && e.fault === "gpio")
        faults.set("button-line", "the reset button's GPIO line failed");
      else if (e.type === "fault") faults.clear("button-line");
      events.publish(e);
    },
    onAction: (action) => {
      if (!opened) {
        rebuildStoreAndRestart(action.action, paths.stateDir, { audit, log, clock, lock });
        return;
      }
      void handlePressAction(action.action, { accounts, recovery, controller, audit, log });
    },
  });

  controllerRef = controller;

  const apiSocket = path.join(paths.runtimeDir, "api.sock");
  const api = await startWithRetry({
    what: "api socket",
    log,
    start: () =>
      startApiServer({
        socketPath: apiSocket,
        mode: config.api.socketMode,
        limits: config.api,
        deps: {
          accounts,
          recovery: factoryFault ? factoryFaultRecovery(factoryFault) : recovery,
          // The API reads entries as plain records; the log's entry type is an interface.
          audit: {
            read: (o) => audit.read(o).map((e) => ({ ...e })),
            verify: async () => ({ ...(await audit.verifyAsync()) }),
          },
          events,
          faults: () => faults.list(),
          mail: mail?.service,
          backup,
        },
        log,
        clock,
      }),
    stop: (server) => server.close(),
    onFault: (message) => (message ? faults.set("api-socket", message) : faults.clear("api-socket")),
  });
  mail?.start();

  const status = accounts.status();
  firstBoot = status.state === "first-boot";
  controller.setIndicatorState({ firstBoot, fault: faults.list()[0]?.code ?? null });
  // Helper threads that exist by now (fsync, V8) go below the button; the hash pool after warm-up.
  deprioritizeHelperThreads(log);
  controller.arm();

  const notifier = createNotifier(opts.env, log);
  notifier.ready(`state ${status.state}, generation ${status.generation}`);
  notifier.startWatchdog();
  // Test hooks ship outside the production bundle (issue 15) and load only on the simulated board.
  if (config.testing.stallOnSigusr2) {
    if (config.board === "sim") (await import("./test-hooks.js")).installTestHooks(log);
    else
      log.warn({ board: config.board }, "testing.stallOnSigusr2 ignored: test hooks load only on board sim");
  }
  log.info({ apiSocket, state: status.state, generation: status.generation }, "recoveryd ready");
  // READY does not need these, but a login, backup or mail right after start should not wait
  // for them. The hash first (it creates the thread pool, which then goes below the button), the
  // modules a moment later so that they do not compete with the first requests (issue 14).
  setImmediate(() => {
    void opened?.warmUp().then(() => deprioritizeHelperThreads(log));
  });
  setTimeout(() => {
    warmAge();
    if (mail && config.mail) warmNodemailer();
  }, 1000).unref();

  return {
    config,
    stateDir: paths.stateDir,
    runtimeDir: paths.runtimeDir,
    apiSocket,
    async close(reason = "close") {
      log.info({ reason }, "recoveryd stopping");
      notifier.stopping();
      notifier.close();
      await api.close();
      controller.close();
      await board.close();
      recovery.close();
      mail?.close();
      // Recorded and anchored while the store is open: a batched sync that finished after the
      // store closed left the anchor one entry short, and a tail cut while stopped went unseen.
      audit.record("shutdown", { reason });
      audit.settle();
      opened?.close();
      audit.close();
      lock.release();
      await new Promise<void>((resolve) => log.flush(() => resolve()));
    },
  };
}

/** Calls `fn` at most once per `ms` for the same error message. */
function throttled(ms: number, fn: (err: Error) => void): (err: Error) => void {
  const last = new Map<string, number>();
  return (err) => {
    const now = performance.now();
    const key = (err as NodeJS.ErrnoException).code ?? err.message;
    if ((last.get(key) ?? -Infinity) + ms > now) return;
    last.set(key, now);
    fn(err);
  };
}

/**
 * Degraded mode: a credential-reset hold removes the broken store; the restart starts it fresh,
 * with the setup window that the technician's hold earned (rebuilt-intent.ts).
 */
function rebuildStoreAndRestart(
  action: string,
  stateDir: string,
  d: { audit: AuditSink; log: Logger; clock: Clock; lock: { release(): void } },
): void {
  if (action !== "credential-reset" && action !== "factory-reset") return;
  let removed: string[] = [];
  try {
    removed = removeCredentialStore(stateDir);
    writeRebuiltIntent(stateDir, d.clock);
  } catch (err) {
    d.log.error({ err }, "store rebuild failed: the state directory cannot be written");
    d.audit.record("store-rebuild-failed", { action, error: (err as Error).message });
    return;
  }
  d.audit.record("store-rebuilt", { action, removed: removed.length });
  d.log.warn({ removed }, "broken credential store removed by the reset button: restarting to first boot");
  d.lock.release();
  d.log.flush(() => process.exit(EXIT_RESTART));
}

function weeklyLines(
  s: ReturnType<AccountService["status"]>,
  verify: { ok: boolean; entries: number },
): string[] {
  return [
    `State: ${s.state}, credential generation ${s.generation}, ${s.accounts} account(s).`,
    `Last reset: ${s.lastReset ? `${s.lastReset.at} (${s.lastReset.reason})` : "never"}.`,
    `Locked accounts now: ${s.lockout.lockedAccounts.length}.`,
    `Audit log: ${verify.ok ? "intact" : "DAMAGED"} (${verify.entries} entries).`,
  ];
}
