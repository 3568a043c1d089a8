// The one long-lived driver inside the kernel test VM (run.sh boots it): creates a gpio-sim chip,
// starts the real bundled daemon on it with each back end in turn, moves the button by writing the
// simulator's pull (the kernel's GPIO core and interrupt code make the edges), and checks what the
// daemon classified on its event stream. Holds are timed here by CLOCK_MONOTONIC around the pull
// writes (gpio-sim raises the edge inside the write), and printed beside the daemon's duration.
// Usage: node driver.mjs <results.json> [backend...]   (backends: gpiod onoff; default both)
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import { apiRequest, openEventStream } from "../../../dist/cli/client.js";
import { spawnDaemon } from "../../../dist/test/rigs/support/daemon-process.js";

const [resultsFile = "/run/results/results.json", ...wanted] = process.argv.slice(2);
const BACKENDS = wanted.length > 0 ? wanted : ["gpiod", "onoff"];
const CFS = "/sys/kernel/config/gpio-sim/recoveryd";
const LABEL = "recoveryd-test";
const mono = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const results = [];
/** onoff's JS-stamp errors that made a case retry (NaN: a press lost inside one callback). */
const drift = [];

/** The chip: 4 lines, named, labelled; the button released (active-low, so pulled up). */
function setupChip() {
  mkdirSync(`${CFS}/bank0`, { recursive: true });
  writeFileSync(`${CFS}/bank0/num_lines`, "4");
  if (existsSync(`${CFS}/bank0/label`)) writeFileSync(`${CFS}/bank0/label`, LABEL);
  ["reset", "led", "buzzer"].forEach((name, i) => {
    mkdirSync(`${CFS}/bank0/line${i}`, { recursive: true });
    writeFileSync(`${CFS}/bank0/line${i}/name`, name);
  });
  live(true);
}

function live(on) {
  // The chip's sysfs nodes go with it: forget the open pull file and the path.
  if (pullFd) closeSync(pullFd.fd);
  pullFd = null;
  simDir = null;
  writeFileSync(`${CFS}/live`, on ? "1" : "0");
}

/** sysfs directory of the simulator's line N (the device name changes when the chip comes back). */
let simDir = null;
function simLine(n) {
  if (simDir === null) {
    const dev = readFileSync(`${CFS}/dev_name`, "utf8").trim();
    const chip = readFileSync(`${CFS}/bank0/chip_name`, "utf8").trim();
    simDir = path.join("/sys/devices/platform", dev);
    simDir = path.join(simDir, chip);
  }
  return path.join(simDir, `sim_gpio${n}`);
}

const PULL = { true: Buffer.from("pull-down"), false: Buffer.from("pull-up") };
let pullFd = null;

/**
 * Logical press (active-low): pressed = pulled down. Returns the monotonic time of the edge: the
 * middle of the one write(2) in which gpio-sim raises it. The file stays open (open and close
 * cost more than the write under TCG) and is reopened when the chip came back under a new name.
 */
function button(pressed) {
  const file = path.join(simLine(0), "pull");
  if (pullFd?.file !== file) {
    if (pullFd) closeSync(pullFd.fd);
    pullFd = { file, fd: openSync(file, "w") };
  }
  const buf = PULL[pressed];
  const before = mono();
  writeSync(pullFd.fd, buf, 0, buf.length, 0);
  return (before + mono()) / 2;
}

/** Holds the button for `ms`: a coarse timer, then a short spin for the last few ms. */
async function hold(ms, bounce = 0) {
  const down = bounceTo(true, bounce);
  const end = down.first + ms;
  if (end - mono() > 25) await sleep(end - mono() - 20);
  while (mono() < end) {}
  const up = bounceTo(false, bounce);
  return { held: up.first - down.first, maxGap: Math.max(down.maxGap, up.maxGap) };
}

/**
 * `n` contact bounces, written back to back, ending at `pressed`. Returns the time of the FIRST
 * edge and the longest gap between two edges: under TCG a write can stall for tens of ms, and a
 * gap longer than the debounce is not a bounce any more but a real (short) level.
 */
function bounceTo(pressed, n) {
  const first = button(pressed);
  let last = first;
  let maxGap = 0;
  for (let i = 0; i < 2 * n; i++) {
    const t = button(i % 2 === 0 ? !pressed : pressed);
    maxGap = Math.max(maxGap, t - last);
    last = t;
  }
  return { first, maxGap };
}

class Daemon {
  events = [];
  static async start(backend, extra = {}, spawnOpts = {}) {
    const d = new Daemon();
    d.backend = backend;
    const named = backend === "gpiod";
    d.proc = await spawnDaemon({
      readyTimeoutMs: 120_000,
      ...spawnOpts,
      config: {
        board: backend,
        gpio: {
          chipLabel: LABEL,
          // gpiod finds its lines by name, onoff by offset; bias none: the simulator's pull is the
          // button (a bias request would move gpio-sim's pull).
          button: { line: 0, ...(named ? { name: "reset" } : {}), activeLow: true, bias: "none" },
          led: { line: 1, ...(named ? { name: "led" } : {}) },
          buzzer: { line: 2, ...(named ? { name: "buzzer" } : {}) },
        },
        button: { confirmWindowMs: 3000 },
        ...extra,
      },
    });
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
async function statusFaults(d) {
  const res = await apiRequest(d.proc.apiSocket, { path: "/v1/status" });
  return (res.body?.faults ?? []).map((f) => f.code);
}

function report(backend, name, ok, fields) {
  const r = { backend, case: name, ok, ...fields };
  results.push(r);
  const f = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === "number" ? v.toFixed(1) : v}`)
    .join(" ");
  console.log(`KCASE ${ok ? "ok  " : "FAIL"} ${backend.padEnd(5)} ${name.padEnd(22)} ${f}`);
}

/** The daemon's debounce (its default): bounces must come closer together than this. */
const DEBOUNCE_MS = 30;
/** The gesture edges are 100 ms from the boundaries; a hold further off than this is retried. */
const EDGE_MARGIN_MS = 80;

/** One hold; checks the daemon's classification; a factory tier's confirm wait is left to expire. */
async function holdCase(d, name, ms, tier, bounce = 0) {
  for (let attempt = 1; ; attempt++) {
    const m = d.mark();
    const { held, maxGap } = await hold(ms, bounce);
    const press = await d.waitFor(m, "press", (e) => e.durationMs > ms / 2);
    const presses = d.since(m, "press").length;
    if (press?.action === "confirm-wait") await d.waitFor(m, "confirm", (e) => e.deadline === null, 10_000);
    await sleep(300);
    // The machine stalled inside a bounce burst: it was not a bounce. Say so and try again.
    if (bounce > 0 && maxGap >= DEBOUNCE_MS * 0.8 && attempt < 4) {
      console.log(`KNOTE ${d.backend} ${name}: bounce gap ${maxGap.toFixed(1)} ms under TCG, retrying`);
      continue;
    }
    // A stalled write moved the edge by more than the margin to the tier boundary: the driver
    // missed its target, the daemon is not at fault. Say so and try again.
    if (Math.abs(held - ms) > EDGE_MARGIN_MS && attempt < 4) {
      console.log(`KNOTE ${d.backend} ${name}: held ${held.toFixed(1)} ms, off target under load, retrying`);
      continue;
    }
    const daemonMs = press?.durationMs ?? Number.NaN;
    // The sysfs back end stamps edges when its JS callback runs: under a loaded TCG machine that
    // was measured up to 800 ms late (the finding behind board "gpiod"). Counted, shown, retried.
    // That includes a smaller error across a tier boundary (seen: a 29.95 s hold timed 30.03 s, stuck).
    if (
      d.backend === "onoff" &&
      (!(Math.abs(daemonMs - held) < 250) || press?.tier !== tier) &&
      attempt < 4
    ) {
      drift.push(daemonMs - held);
      console.log(
        `KNOTE onoff ${name}: JS-stamp error ${(daemonMs - held).toFixed(1)} ms (${press?.tier ?? "no press"}), retrying`,
      );
      continue;
    }
    const ok = press?.tier === tier && presses === 1 && Math.abs(daemonMs - held) < 250;
    report(d.backend, name, ok, {
      heldMs: held,
      daemonMs,
      errMs: daemonMs - held,
      tier: press?.tier ?? "none",
      action: press?.action ?? "-",
      ...(bounce > 0 ? { presses, maxBounceGapMs: maxGap, attempt } : {}),
    });
    return press;
  }
}

/** The daemon's recoveryd-gpio helper: its child process of that name (board "gpiod"). */
function helperPid(d) {
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

const until = async (t) => {
  if (t - mono() > 25) await sleep(t - mono() - 20);
  while (mono() < t) {}
};

/**
 * The helper is starved (SIGSTOP) across the 5 s deadline while the release of a 4.9 s hold waits
 * in the kernel's queue: the edge reaches the daemon 700 ms after the deadline. Before the sync at
 * each deadline the daemon passed it first and clamped the late release: a credential reset.
 */
async function stalledHelperCase(d) {
  const pid = helperPid(d);
  const m = d.mark();
  const down = button(true);
  await until(down + 4700);
  if (pid) process.kill(pid, "SIGSTOP");
  await until(down + 4900);
  const held = button(false) - down;
  await until(down + 5600);
  if (pid) process.kill(pid, "SIGCONT");
  const press = await d.waitFor(m, "press", () => true, 10_000);
  const tiers = d.since(m, "tier").map((e) => e.tier);
  await sleep(300);
  const daemonMs = press?.durationMs ?? Number.NaN;
  report(
    "gpiod",
    "hold 4.9 s, helper stalled",
    pid !== null && press?.tier === "dead" && !tiers.includes("credential") && Math.abs(daemonMs - held) < 50,
    {
      heldMs: held,
      daemonMs,
      errMs: daemonMs - held,
      tier: press?.tier ?? "none",
      action: press?.action ?? "-",
      stalledMs: 900,
    },
  );
}

/**
 * The helper stops answering for good (SIGSTOP, never continued) while the button is held across
 * the 5 s deadline and released: the daemon must not time the hold blind. It kills the wedged
 * helper after its sync timeout, shows the line fault, never classifies the press, and the
 * restarted helper works.
 */
async function wedgedHelperCase(d) {
  const pid = helperPid(d);
  const m = d.mark();
  const down = button(true);
  await until(down + 4500);
  if (pid) process.kill(pid, "SIGSTOP");
  await until(down + 6000);
  button(false);
  const fault = await d.waitFor(m, "fault", (e) => e.fault === "gpio", 15_000);
  const cleared = await d.waitFor(
    m,
    "fault",
    (e) => e.fault === null && fault !== null && e.at > fault.at,
    15_000,
  );
  const restarted = helperPid(d);
  const spurious = d.since(m, "press").length;
  const m2 = d.mark();
  const { held: h } = await hold(1000);
  const again = await d.waitFor(m2, "press", () => true, 10_000);
  const ok = pid !== null && fault !== null && cleared !== null && spurious === 0 && again?.tier === "short";
  report("gpiod", "helper wedged", ok, {
    faultAfterMs: fault ? fault.at - down : Number.NaN,
    clearedAfterMs: cleared ? cleared.at - down : Number.NaN,
    restarted: restarted !== null && restarted !== pid,
    spurious,
    afterRestart: again ? `${again.tier}:${again.durationMs.toFixed(1)}/${h.toFixed(1)}ms` : "no-press",
  });
}

/** /dev/gpiochipN of the test chip, from our helper's own listing. */
function chipDev() {
  const out = execFileSync("dist/recoveryd-gpio", ["list"], { encoding: "utf8" });
  const line = out.split("\n").find((l) => l.startsWith("chip ") && l.split(" ")[2] === LABEL);
  if (!line) throw new Error(`no chip labelled ${LABEL} in: ${out}`);
  return line.split(" ")[1];
}

/** Another process holds the button line (a second copy of our helper, through the GPIO uAPI). */
async function holdLine() {
  const p = spawn("dist/recoveryd-gpio", ["watch", chipDev(), "0", "none", "1", "0"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const ready = await new Promise((r) => {
    const t = setTimeout(() => r(false), 15_000);
    p.stdout.on("data", (c) => {
      if (String(c).includes("ready")) {
        clearTimeout(t);
        r(true);
      }
    });
    p.on("exit", () => r(false));
  });
  if (!ready) throw new Error("the holder could not request the line");
  return {
    release: () =>
      new Promise((r) => {
        p.once("exit", () => r());
        p.stdin.end();
      }),
  };
}

/** Retry delays the daemon logged (retryInMs of its pino lines), in order. */
function retryDelays(d) {
  return d.proc
    .output()
    .split("\n")
    .map((l) => /"retryInMs":(\d+)/.exec(l)?.[1])
    .filter((x) => x !== undefined)
    .map(Number);
}

/**
 * The line busy before the daemon starts: it must come up (no exit), name the fault, log the
 * cause, retry with growing delays, count no press; when the holder lets go it recovers by itself.
 */
async function busyCase(backend) {
  const holder = await holdLine();
  let d = null;
  let startError = "";
  try {
    d = await Daemon.start(backend);
  } catch (err) {
    startError = String(err?.message ?? err).split("\n")[0];
  }
  if (!d) {
    await holder.release();
    report(backend, "line busy at start", false, { startError: startError.slice(0, 160) });
    return;
  }
  try {
    const m = d.mark();
    await sleep(2000);
    await hold(600); // a press while another process owns the line: must not count
    await sleep(3000);
    const during = await statusFaults(d);
    const log = d.proc.output();
    const namesBusy = /busy|EBUSY/i.test(log);
    const delays = retryDelays(d);
    const releasedAt = mono();
    await holder.release();
    button(false);
    let after = during;
    while (mono() < releasedAt + 30_000) {
      after = await statusFaults(d);
      if (!after.includes("button-line")) break;
      await sleep(100);
    }
    const recoverMs = mono() - releasedAt;
    const spurious = d.since(m, "press").length;
    const m2 = d.mark();
    const { held } = await hold(1000);
    const again = await d.waitFor(m2, "press", () => true, 10_000);
    const alive = d.proc.proc.exitCode === null;
    const growing = delays.length >= 2 && delays.every((x, i) => i === 0 || x >= delays[i - 1]);
    const ok =
      alive &&
      during.includes("button-line") &&
      namesBusy &&
      growing &&
      spurious === 0 &&
      !after.includes("button-line") &&
      again?.tier === "short";
    report(backend, "line busy at start", ok, {
      statusDuring: during.join(",") || "none",
      logSaysBusy: namesBusy,
      retryMs: delays.slice(0, 6).join("/") || "none",
      spurious,
      recoverMs,
      statusAfter: after.join(",") || "none",
      afterRelease: again ? `${again.tier}:${again.durationMs.toFixed(1)}/${held.toFixed(1)}ms` : "no-press",
    });
    if (!ok)
      console.log(
        `KNOTE ${backend} line busy log tail: ${log.split("\n").slice(-6).join(" | ").slice(0, 800)}`,
      );
  } finally {
    await d.stop().catch(() => {});
  }
}

/**
 * Permission denied (gpiod): the daemon as nobody (65534, no groups) with /dev/gpiochipN root's
 * 0600: a named fault, the errno in the log, growing retries, no exit; chmod 0666: it recovers.
 */
async function permissionCase(backend) {
  const dev = chipDev();
  const { chmodSync, statSync } = await import("node:fs");
  const mode = statSync(dev).mode & 0o777;
  chmodSync(dev, 0o600);
  let d = null;
  let startError = "";
  try {
    d = await Daemon.start(backend, {}, { user: { uid: 65534, gid: 65534 } });
  } catch (err) {
    startError = String(err?.message ?? err).split("\n")[0];
  }
  if (!d) {
    chmodSync(dev, mode);
    report(backend, "permission denied", false, { startError: startError.slice(0, 160) });
    return;
  }
  try {
    const m = d.mark();
    await sleep(3000);
    const during = await statusFaults(d);
    const log = d.proc.output();
    const namesCause = /EACCES|permission denied/i.test(log);
    const delays = retryDelays(d);
    const grantedAt = mono();
    chmodSync(dev, 0o666);
    let after = during;
    while (mono() < grantedAt + 30_000) {
      after = await statusFaults(d);
      if (!after.includes("button-line")) break;
      await sleep(100);
    }
    const recoverMs = mono() - grantedAt;
    const spurious = d.since(m, "press").length;
    const m2 = d.mark();
    const { held } = await hold(1000);
    const again = await d.waitFor(m2, "press", () => true, 10_000);
    const alive = d.proc.proc.exitCode === null;
    const growing = delays.length >= 2 && delays.every((x, i) => i === 0 || x >= delays[i - 1]);
    const ok =
      alive &&
      during.includes("button-line") &&
      namesCause &&
      growing &&
      spurious === 0 &&
      !after.includes("button-line") &&
      again?.tier === "short";
    report(backend, "permission denied", ok, {
      statusDuring: during.join(",") || "none",
      logSaysEACCES: namesCause,
      retryMs: delays.slice(0, 6).join("/") || "none",
      spurious,
      recoverMs,
      statusAfter: after.join(",") || "none",
      afterGrant: again ? `${again.tier}:${again.durationMs.toFixed(1)}/${held.toFixed(1)}ms` : "no-press",
    });
    if (!ok)
      console.log(
        `KNOTE ${backend} permission log tail: ${log.split("\n").slice(-6).join(" | ").slice(0, 800)}`,
      );
  } finally {
    await d.stop().catch(() => {});
    chmodSync(dev, mode);
  }
}

async function runBackend(backend) {
  let d = await Daemon.start(backend);
  try {
    // A glitch shorter than the debounce is not a press.
    // (Under TCG a write can stall longer than the debounce: then it was a real press, and counts.)
    let m = d.mark();
    const t = button(true);
    const glitchMs = button(false) - t;
    await sleep(1500);
    const glitchPresses = d.since(m, "press").length;
    // Near the debounce the kernel's and the writer's view of the gap may differ by a few ms.
    // onoff compares read-back levels, so a press and release inside one callback are lost.
    const lostPair = backend === "onoff" && glitchMs > 45 && glitchPresses === 0;
    if (lostPair) drift.push(Number.NaN);
    const glitchOk =
      glitchMs < 20
        ? glitchPresses === 0
        : glitchMs > 45
          ? glitchPresses === 1 || lostPair
          : glitchPresses <= 1;
    report(backend, "glitch", glitchOk, {
      glitchMs,
      presses: glitchPresses,
    });

    await holdCase(d, "hold 4.9 s", 4900, "dead");
    await holdCase(d, "hold 5.1 s", 5100, "credential");
    await holdCase(d, "hold 14.9 s", 14900, "credential");
    await holdCase(d, "hold 15.1 s", 15100, "factory");
    await holdCase(d, "hold 29.9 s", 29900, "factory");
    // Held past the stuck limit: the fault is shown while it is still down, and nothing happens.
    m = d.mark();
    const t0 = button(true);
    const stuck = await d.waitFor(m, "fault", (e) => e.fault === "stuck", 40_000);
    const stuckAfter = stuck ? stuck.at - t0 : Number.NaN;
    while (mono() < t0 + 30_100) await sleep(5);
    const held = button(false) - t0;
    const press = await d.waitFor(m, "press");
    report(backend, "hold 30.1 s (stuck)", press?.tier === "stuck" && stuck !== null, {
      heldMs: held,
      daemonMs: press?.durationMs ?? Number.NaN,
      errMs: (press?.durationMs ?? Number.NaN) - held,
      tier: press?.tier ?? "none",
      faultAfterMs: stuckAfter,
    });
    await sleep(500);
    await holdCase(d, "bounce + hold 5.1 s", 5100, "credential", 6);
    if (backend === "gpiod") {
      await stalledHelperCase(d);
      await wedgedHelperCase(d);
    }

    // The chip disappears (gpio-sim live=0): a named fault in status, never a press; it comes
    // back: the fault clears by itself (the button untouched), and presses work again.
    m = d.mark();
    const removedAt = mono();
    live(false);
    const fault = await d.waitFor(m, "fault", (e) => e.fault === "gpio", 15_000);
    const faultAfterMs = fault ? fault.at - removedAt : Number.NaN;
    const during = await statusFaults(d);
    await sleep(1000);
    const restoredAt = mono();
    live(true);
    button(false);
    const cleared = await d.waitFor(m, "fault", (e) => e.fault === null && e.at > restoredAt, 20_000);
    const clearedAfterMs = cleared ? cleared.at - restoredAt : Number.NaN;
    const after = await statusFaults(d);
    const spurious = d.since(m, "press").length;
    const m2 = d.mark();
    const { held: h } = await hold(1000);
    const again = await d.waitFor(m2, "press", () => true, 10_000);
    const ok =
      fault !== null &&
      during.includes("button-line") &&
      cleared !== null &&
      !after.includes("button-line") &&
      spurious === 0 &&
      again?.tier === "short";
    report(backend, "chip removed, restored", ok, {
      faultAfterMs,
      statusDuring: during.join(",") || "none",
      clearedAfterMs,
      statusAfter: after.join(",") || "none",
      spurious,
      afterRestore: again ? `${again.tier}:${again.durationMs.toFixed(1)}/${h.toFixed(1)}ms` : "no-press",
    });

    // Line busy (held by another process) before the daemon starts.
    await d.stop();
    await busyCase(backend);
    // Permission denied: the character device only (sysfs: see the note of task k13b).
    if (backend === "gpiod") await permissionCase(backend);

    // Boot hold: the button is down before the daemon starts; release after 6 s, then confirm.
    button(true);
    const down = mono();
    // A wide confirm window: the confirming press is timed from the press event's arrival, which a
    // loaded machine can hold back by seconds (two onoff runs missed a 3 s window: confirm=none).
    d = await Daemon.start(backend, { button: { confirmWindowMs: 10_000 } });
    m = d.mark();
    const armedAt = mono();
    while (mono() < armedAt + 6000) await sleep(5);
    button(false);
    const boot = await d.waitFor(m, "press");
    await sleep(500);
    // 800 ms, well inside the short tier (< 2 s): onoff loses a press whose two edges land in one
    // callback, and a 300 ms one was lost once while the freshly started daemon was busy.
    await hold(800);
    const conf = await d.waitFor(m, "confirm", (e) => e.outcome === "confirmed", 15_000);
    if (!conf)
      console.log(
        `KNOTE ${backend} boot hold: ${JSON.stringify(
          d.events.slice(m).filter((e) => ["press", "confirm", "tier"].includes(e.type)),
        )}`,
      );
    report(
      backend,
      "boot hold + confirm",
      boot?.boot === true && boot?.tier === "credential" && conf !== null,
      {
        downBeforeStartMs: armedAt - down,
        daemonMs: boot?.durationMs ?? Number.NaN,
        tier: boot?.tier ?? "none",
        boot: boot?.boot ?? "-",
        confirm: conf?.outcome ?? "none",
      },
    );
  } finally {
    await d.stop().catch(() => {});
  }
}

setupChip();
button(false);
/** Percentiles of |error| and the signed median. */
function stats(errs) {
  const abs = errs.map(Math.abs).sort((x, y) => x - y);
  const signed = [...errs].sort((x, y) => x - y);
  const at = (arr, q) => arr[Math.min(arr.length - 1, Math.floor(q * arr.length))] ?? Number.NaN;
  return {
    n: errs.length,
    p50: at(abs, 0.5),
    p99: at(abs, 0.99),
    max: abs.at(-1) ?? Number.NaN,
    median: at(signed, 0.5),
  };
}

/**
 * Press-timing error (issue 13, Must show 2): `count` short holds of known length (100-500 ms) per
 * back end, idle and busy (a CPU hog beside the daemon plus login attempts, which hash with argon2
 * until the daemon's own limiter stops them), the daemon's classified duration against the hold.
 */
async function bench(backend, count) {
  const out = {};
  const d = await Daemon.start(backend);
  try {
    for (const phase of ["idle", "busy"]) {
      const stop = phase === "busy" ? makeBusy(d) : () => {};
      const errs = [];
      try {
        for (let i = 0; i < count; i++) {
          const ms = 100 + ((i * 97) % 400);
          const m = d.mark();
          const { held } = await hold(ms);
          const press = await d.waitFor(m, "press", () => true, 5000);
          if (press) errs.push(press.durationMs - held);
          await sleep(200);
        }
      } finally {
        stop();
      }
      out[phase] = stats(errs);
      const st = out[phase];
      console.log(
        `KBENCH ${backend} ${phase} n=${st.n}/${count} p50=${st.p50.toFixed(1)} p99=${st.p99.toFixed(1)} max=${st.max.toFixed(1)} median(signed)=${st.median.toFixed(1)} ms`,
      );
    }
  } finally {
    await d.stop().catch(() => {});
  }
  return out;
}

function makeBusy(d) {
  const hog = spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" });
  let running = true;
  const login = async () => {
    while (running) {
      await apiRequest(d.proc.apiSocket, {
        method: "POST",
        path: "/v1/login",
        body: { username: `u${Math.floor(Math.random() * 1e9)}`, password: "wrong password 123" },
      }).catch(() => {});
    }
  };
  void login();
  void login();
  return () => {
    running = false;
    hog.kill("SIGKILL");
  };
}

// The cases; then, with KBENCH=N, the press-timing benchmark in the same boot.
for (const backend of process.env.KCONTRACT_ONLY === "1" ? [] : BACKENDS) {
  try {
    await runBackend(backend);
  } catch (err) {
    report(backend, "driver error", false, { error: String(err?.message ?? err).split("\n")[0] });
  }
}
/**
 * The board contract every back end passes on fakes (test/hal/contract.ts), here on this chip:
 * vitest in a child process, one KCASE per back end with its test count.
 */
function contractCase(backend) {
  const t0 = mono();
  const r = spawnSync(
    process.execPath,
    [
      "node_modules/vitest/vitest.mjs",
      "run",
      "--config",
      "test/rigs/kernel-vm/vitest.real-chip.config.ts",
      "--configLoader",
      "runner",
    ],
    {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", RECOVERYD_CONTRACT_BACKENDS: backend },
      timeout: 600_000,
    },
  );
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  const passed = Number(/Tests\s+(?:\d+ failed \| )?(\d+) passed/.exec(out)?.[1] ?? 0);
  const failedN = Number(/Tests\s+(\d+) failed/.exec(out)?.[1] ?? 0);
  const ok = r.status === 0 && passed > 0 && failedN === 0;
  if (!ok)
    for (const line of out
      .split("\n")
      .filter((l) => /FAIL|×|Error|expected/.test(l))
      .slice(0, 20))
      console.log(`KNOTE contract ${backend}: ${line}`);
  report(backend, "board contract", ok, {
    passed,
    failed: failedN,
    exit: r.status ?? -1,
    wallMs: mono() - t0,
  });
}
if (process.env.KCONTRACT !== "0") for (const backend of BACKENDS) contractCase(backend);

const failed = results.filter((r) => !r.ok).length;
console.log(
  `KSUMMARY ${results.length - failed}/${results.length} cases ok; onoff retries for JS-stamp drift or lost pairs: ${drift.length} (${drift.map((x) => x.toFixed(0)).join(" ")})`,
);
const benchCount = Number(process.env.KBENCH ?? 0);
const benchResults = {};
for (const backend of benchCount > 0 ? BACKENDS : []) {
  try {
    benchResults[backend] = await bench(backend, benchCount);
  } catch (err) {
    console.log(`KBENCH ${backend} error ${String(err?.message ?? err).split("\n")[0]}`);
  }
}
writeFileSync(
  resultsFile,
  JSON.stringify({ cases: results, onoffDrift: drift, bench: benchResults }, null, 2),
);
process.exit(failed === 0 ? 0 : 1);
