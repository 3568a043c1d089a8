// The real bundled daemon on the test chip, as the driver sees it: its event stream (each event
// stamped on arrival with the driver's clock), its status faults, its log and its GPIO helper.
import { readdirSync, readFileSync } from "node:fs";
import { apiRequest, openEventStream } from "../../../dist/cli/client.js";
import { spawnDaemon } from "../../../dist/test/rigs/support/daemon-process.js";
import { LABEL, LINES } from "./chip.mjs";
import { mono, sleep } from "./time.mjs";

export class Daemon {
  events = [];
  static async start(backend, extra = {}, spawnOpts = {}) {
    const d = new Daemon();
    d.backend = backend;
    const named = backend === "gpiod";
    const t0 = mono();
    d.proc = await spawnDaemon({
      readyTimeoutMs: 120_000,
      ...spawnOpts,
      config: {
        board: backend,
        gpio: {
          chipLabel: LABEL,
          // gpiod finds its lines by name, onoff by offset; bias none: the simulator's pull is the
          // button (a bias request would move gpio-sim's pull).
          button: { line: LINES.button, ...(named ? { name: "reset" } : {}), activeLow: true, bias: "none" },
          led: { line: LINES.led, ...(named ? { name: "led" } : {}) },
          buzzer: { line: LINES.buzzer, ...(named ? { name: "buzzer" } : {}) },
        },
        button: { confirmWindowMs: 3000 },
        ...extra,
      },
    });
    d.readyAfterMs = mono() - t0;
    d.stream = await openEventStream(d.proc.apiSocket, (e) =>
      d.events.push({ ...e.data, type: e.type, at: mono() }),
    );
    return d;
  }
  mark() {
    return this.events.length;
  }
  since(mark, type) {
    return this.events.slice(mark).filter((e) => e.type === type);
  }
  async waitFor(mark, type, pred = () => true, ms = 20_000) {
    const end = mono() + ms;
    for (;;) {
      const hit = this.since(mark, type).find(pred);
      if (hit) return hit;
      if (mono() > end) return null;
      await sleep(20);
    }
  }
  async stop() {
    this.stream?.close();
    await this.proc.stop();
  }
}

/** Fault codes in GET /v1/status. */
export async function statusFaults(d) {
  const res = await apiRequest(d.proc.apiSocket, { path: "/v1/status" });
  return (res.body?.faults ?? []).map((f) => f.code);
}

/**
 * Retry delays the daemon logged for one line (retryInMs of its pino lines), in order. Each line
 * backs off on its own, so the lines are told apart: a mix only grows while their schedules happen
 * to stay in step. `line` is "button" (gpiod's "GPIO chip" lines are its button's too), "LED" or
 * "buzzer", as the messages name them.
 */
export function retryDelays(d, line = "button") {
  const output = /"msg":"GPIO (LED|buzzer) line/;
  return d.proc
    .output()
    .split("\n")
    .filter((l) => (line === "button" ? !output.test(l) : l.includes(`"msg":"GPIO ${line} line`)))
    .map((l) => /"retryInMs":(\d+)/.exec(l)?.[1])
    .filter((x) => x !== undefined)
    .map(Number);
}

/** At least two retries, each waiting no less than the one before. */
export const growing = (delays) =>
  delays.length >= 2 && delays.every((x, i) => i === 0 || x >= delays[i - 1]);

/** The last lines of the daemon's log, on one line, for a KNOTE when a case fails. */
export function logTail(log) {
  return log.split("\n").slice(-6).join(" | ").slice(0, 800);
}

/** The daemon's recoveryd-gpio helper: its child process of that name (board "gpiod"). */
export function helperPid(d) {
  for (const n of readdirSync("/proc")) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const stat = readFileSync(`/proc/${n}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === d.proc.proc.pid && stat.includes("(recoveryd-gpio)")) return Number(n);
    } catch {
      // the process ended while we looked
    }
  }
  return null;
}

/** "tier:daemonMs/heldMs" of the press after a recovery, as the KCASE lines print it. */
export function pressField(press, held) {
  return press ? `${press.tier}:${press.durationMs.toFixed(1)}/${held.toFixed(1)}ms` : "no-press";
}
