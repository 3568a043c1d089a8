// sd_notify for a Type=notify unit, and the watchdog keep-alive fed from the event loop.
//
// Node has no AF_UNIX datagram sockets, so messages go out through systemd's own
// `systemd-notify` command (see docs/systemd.md for the choice against a Node-API binding).
// That needs NotifyAccess=all in the unit: the datagram comes from a child process. systemd-notify
// (systemd >= 246) waits by default until the service manager has processed the message (a
// BARRIER=1 round trip), so the short-lived child is still alive, and attributable to the unit's
// cgroup, when PID 1 reads it: READY=1 from a child is reliable without faking credentials.
//
// Every call is a no-op when NOTIFY_SOCKET is unset (started by hand, by tests, by `npm start`).
// The only timer is the watchdog's: an interval at WATCHDOG_USEC/2, so a stalled event loop stops
// the pings and systemd kills and restarts the daemon.
import { execFile } from "node:child_process";
import type { Logger } from "../log.js";

export type NotifyLog = Pick<Logger, "debug" | "info" | "warn">;

/** Sends one notification (newline-free `KEY=VALUE` fields). Resolves whether or not it worked. */
export type NotifySender = (fields: string[]) => Promise<boolean>;

export interface Notifier {
  /** True when a service manager is listening (NOTIFY_SOCKET set). */
  readonly enabled: boolean;
  /** Watchdog interval in ms (WATCHDOG_USEC/2), or undefined when no watchdog applies to us. */
  readonly watchdogIntervalMs: number | undefined;
  /** READY=1 (+ STATUS=). Call once the button is armed and the API is listening. */
  ready(status?: string): Promise<void>;
  /** STOPPING=1: the daemon is shutting down on purpose. */
  stopping(status?: string): Promise<void>;
  /** STATUS=<text>, shown by `systemctl status`. */
  status(text: string): Promise<void>;
  /** Starts the keep-alive interval (WATCHDOG=1 every WATCHDOG_USEC/2) and sends one ping now. */
  startWatchdog(): void;
  /** Stops the interval; later calls send nothing. Idempotent. */
  close(): void;
}

export interface NotifierOptions {
  /** How messages leave the process; default: spawn `systemd-notify`. Tests inject their own. */
  send?: NotifySender;
  /** The command used by the default sender (default "systemd-notify", looked up in PATH). */
  command?: string;
  /** Our own pid, for WATCHDOG_PID (default process.pid). */
  pid?: number;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** Parses WATCHDOG_USEC / WATCHDOG_PID the way sd_watchdog_enabled(3) does. */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid: number): number | undefined {
  const usecText = env.WATCHDOG_USEC;
  if (!usecText || !/^\d+$/.test(usecText)) return undefined;
  const usec = Number(usecText);
  if (!Number.isSafeInteger(usec) || usec <= 0) return undefined;
  const pidText = env.WATCHDOG_PID;
  if (pidText !== undefined && pidText !== "") {
    // The watchdog belongs to another process (e.g. inherited through a wrapper): not ours to feed.
    if (!/^\d+$/.test(pidText) || Number(pidText) !== pid) return undefined;
  }
  // setInterval turns anything above 2^31-1 ms into 1 ms: that would be a spawn storm.
  return Math.min(MAX_TIMER_MS, Math.max(1, Math.floor(usec / 2000)));
}

/** Removes what would break the newline-separated datagram format. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, " ").slice(0, 512);
}

/**
 * The default sender: `systemd-notify [--ready] [--status=..] [VAR=VALUE...]`, blocking (barrier)
 * so the message is attributed to the unit. About 4 ms of CPU per call on x86-64; it runs
 * asynchronously and never blocks the event loop.
 */
export function commandSender(
  env: NodeJS.ProcessEnv,
  log: NotifyLog,
  command = "systemd-notify",
): NotifySender {
  const childEnv: NodeJS.ProcessEnv = { NOTIFY_SOCKET: env.NOTIFY_SOCKET };
  if (env.PATH) childEnv.PATH = env.PATH;
  else childEnv.PATH = "/usr/local/bin:/usr/bin:/bin";
  let missingLogged = false;
  return (fields) =>
    new Promise((resolve) => {
      const args: string[] = [];
      for (const f of fields) {
        if (f === "READY=1") args.push("--ready");
        else if (f.startsWith("STATUS=")) args.push(`--status=${f.slice("STATUS=".length)}`);
        else args.push(f);
      }
      execFile(command, args, { env: childEnv, timeout: 10_000, windowsHide: true }, (err, _out, stderr) => {
        if (!err) return resolve(true);
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ENOENT") {
          if (!missingLogged) log.warn({ command }, "sd_notify: command not found; systemd is not told");
          missingLogged = true;
        } else {
          log.warn({ command, fields, exitCode: code, stderr: String(stderr).trim() }, "sd_notify failed");
        }
        resolve(false);
      });
    });
}

export function createNotifier(
  env: NodeJS.ProcessEnv = process.env,
  log: NotifyLog,
  opts: NotifierOptions = {},
): Notifier {
  const socket = env.NOTIFY_SOCKET;
  const enabled = typeof socket === "string" && socket.length > 0;
  const pid = opts.pid ?? process.pid;
  const intervalMs = enabled ? watchdogIntervalMs(env, pid) : undefined;
  const send = opts.send ?? commandSender(env, log, opts.command);

  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let pingInFlight = false;

  async function notify(fields: string[]): Promise<void> {
    if (!enabled || closed) return;
    await send(fields);
  }

  function ping(): void {
    if (!enabled || closed) return;
    // A ping still on its way (a slow PID 1) covers this tick too; never stack children.
    if (pingInFlight) return;
    pingInFlight = true;
    void send(["WATCHDOG=1"]).finally(() => {
      pingInFlight = false;
    });
  }

  return {
    enabled,
    watchdogIntervalMs: intervalMs,
    ready(status) {
      const fields = ["READY=1"];
      if (status !== undefined) fields.push(`STATUS=${oneLine(status)}`);
      if (enabled && !closed) log.info({ watchdogIntervalMs: intervalMs }, "sd_notify READY=1");
      return notify(fields);
    },
    stopping(status) {
      const fields = ["STOPPING=1"];
      if (status !== undefined) fields.push(`STATUS=${oneLine(status)}`);
      return notify(fields);
    },
    status(text) {
      return notify([`STATUS=${oneLine(text)}`]);
    },
    startWatchdog() {
      if (!enabled || closed || timer || intervalMs === undefined) return;
      log.debug({ watchdogIntervalMs: intervalMs }, "watchdog keep-alive armed");
      ping();
      // The pings come from this interval only: a blocked event loop cannot run it.
      timer = setInterval(ping, intervalMs);
      // The daemon lives for its sockets, not for this timer.
      timer.unref();
    },
    close() {
      closed = true;
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
