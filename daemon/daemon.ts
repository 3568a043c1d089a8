// The imperative shell: wires configuration, stores, the board, the press engine, recovery and
// the API together, and owns the process-level concerns (readiness, watchdog, shutdown).
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { createBoard } from "../hal/index.js";
import { openAccounts } from "./accounts/open.js";
import { startApiServer } from "./api/server.js";
import { openAuditLog } from "./audit/index.js";
import { BackupService } from "./backup/service.js";
import { type Clock, systemClock } from "./clock.js";
import { findConfigFile, loadConfigFile, parseConfig, resolvePaths } from "./config/load.js";
import type { Config } from "./config/schema.js";
import { EventBus } from "./events.js";
import { createLogger, type Logger } from "./log.js";
import { DaemonMail, NoticeTap } from "./mail/index.js";
import { PressController } from "./press/controller.js";
import { handlePressAction } from "./press-actions.js";
import { loadFactoryData } from "./recovery/factory-data.js";
import { createRecovery } from "./recovery/service.js";
import type { AccountService, AuditSink } from "./services.js";
import { EXIT_RESTART, removeCredentialStore, unavailableAccounts } from "./store-fault.js";
import { createNotifier } from "./systemd/notify.js";
import { installTestHooks } from "./test-hooks.js";
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
  mkdirSync(paths.runtimeDir, { recursive: true, mode: 0o755 });
  log.info(
    { configFile: configFile ?? "(embedded default)", board: config.board, stateDir: paths.stateDir },
    "recoveryd starting",
  );

  const events = new EventBus();
  const audit = openAuditLog(path.join(paths.stateDir, "audit"), {
    maxFileBytes: config.audit.maxFileBytes,
    keepFiles: config.audit.keepFiles,
    clock,
    // A full or failing disk must not turn a reset or a login into an error: log it instead.
    onError: (err: Error) => log.error({ err }, "audit log write failed"),
  });
  audit.record("boot", { board: config.board, pid: process.pid });
  const factory = paths.factoryPath ? loadFactoryData(paths.factoryPath) : null;

  // Accounts need the security-code check that recovery owns, and recovery resets accounts:
  // the check is bound late so each side gets the other.
  let recoveryRef: ReturnType<typeof createRecovery> | undefined;
  let storeError = "";
  // The controller exists only once the board is up; state changes before that just wait for it.
  let controllerRef: PressController | undefined;
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
      controllerRef?.setIndicatorState({ firstBoot: state === "first-boot", fault: null });
    },
  }).catch((err: unknown) => {
    // A store that cannot be opened must not keep the recorder in a restart loop with a dark LED.
    log.error({ err }, "credential store unusable: running degraded, showing the fault pattern");
    storeError = (err as Error).message;
    audit.record("store-unavailable", { error: storeError });
    return null;
  });
  const accounts: AccountService = opened ?? unavailableAccounts(storeError);
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
  const recovery = createRecovery({ stateDir: paths.stateDir, config, clock, log, audit, accounts, factory });
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
      events.publish(e);
    },
    onAction: (action) => {
      if (!opened) {
        rebuildStoreAndRestart(action.action, paths.stateDir, audit, log);
        return;
      }
      void handlePressAction(action.action, { accounts, recovery, controller, audit, log });
    },
  });

  controllerRef = controller;

  const apiSocket = path.join(paths.runtimeDir, "api.sock");
  const api = await startApiServer({
    socketPath: apiSocket,
    mode: config.api.socketMode,
    limits: config.api,
    deps: {
      accounts,
      recovery,
      // The API reads entries as plain records; the log's entry type is an interface.
      audit: { read: (o) => audit.read(o).map((e) => ({ ...e })), verify: () => audit.verifyAsync() },
      events,
      mail: mail?.service,
      backup,
    },
    log,
    clock,
  });
  mail?.start();

  const status = opened ? accounts.status() : { state: "unavailable", generation: 0 };
  controller.setIndicatorState({ firstBoot: status.state === "first-boot", fault: opened ? null : "store" });
  // The thread pool exists by now (the store hashed once at open): keep it below the button.
  deprioritizeHelperThreads(log);
  controller.arm();

  const notifier = createNotifier(opts.env, log);
  notifier.ready(`state ${status.state}, generation ${status.generation}`);
  notifier.startWatchdog();
  if (config.testing.stallOnSigusr2) installTestHooks(log);
  log.info({ apiSocket, state: status.state, generation: status.generation }, "recoveryd ready");

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
      opened?.close();
      audit.record("shutdown", { reason });
      audit.close();
      await new Promise<void>((resolve) => log.flush(() => resolve()));
    },
  };
}

/** Degraded mode: a credential-reset hold removes the broken store; the restart starts it fresh. */
function rebuildStoreAndRestart(action: string, stateDir: string, audit: AuditSink, log: Logger): void {
  if (action !== "credential-reset" && action !== "factory-reset") return;
  const removed = removeCredentialStore(stateDir);
  audit.record("store-rebuilt", { action, removed: removed.length });
  log.warn({ removed }, "broken credential store removed by the reset button: restarting to first boot");
  log.flush(() => process.exit(EXIT_RESTART));
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
