// A daemon that starts while its lines cannot be had: another process holds the button line, the
// daemon may not open the chip, or the chip is not there at all. Each must come up (its API is the
// recorder's only way to log in), show and log the fault, retry, and recover by itself.

import { execFileSync, spawn } from "node:child_process";
import { chmodSync, statSync } from "node:fs";
import { button, hold, isLive, LABEL, LINES, live } from "../chip.mjs";
import { Daemon, growing, logTail, pressField, retryDelays, statusFaults } from "../daemon-handle.mjs";
import { report } from "../report.mjs";
import { mono, sleep } from "../time.mjs";

/** /dev/gpiochipN of the test chip, from our helper's own listing. */
function chipDev() {
  const out = execFileSync("dist/recoveryd-gpio", ["list"], { encoding: "utf8" });
  const line = out.split("\n").find((l) => l.startsWith("chip ") && l.split(" ")[2] === LABEL);
  if (!line) throw new Error(`no chip labelled ${LABEL} in: ${out}`);
  return line.split(" ")[1];
}

/** Another process holds the button line (a second copy of our helper, through the GPIO uAPI). */
async function holdLine() {
  const p = spawn("dist/recoveryd-gpio", ["watch", chipDev(), String(LINES.button), "none", "1", "0"], {
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

/** The daemon, or null once the case is reported failed: it did not come up. */
async function startOrReport(backend, name, spawnOpts = {}) {
  try {
    return await Daemon.start(backend, {}, spawnOpts);
  } catch (err) {
    const message = String(err?.message ?? err);
    report(backend, name, false, { startError: message.split("\n")[0].slice(0, 160) });
    console.log(`KNOTE ${backend} ${name} log tail: ${logTail(message)}`);
    return null;
  }
}

/**
 * The one check of a daemon that started with its lines unusable: while they are (`whileDown`),
 * every code of `codes` is in status, the log names the `cause`, the logged retry delays grow and
 * nothing counts as a press; after `fix` the faults clear by themselves and a real 1 s press is a
 * short press. `keys` names the cause, recovery and after-fix fields of the KCASE line. An output
 * line in `codes` (onoff's led-line, buzzer-line) must show its own growing retries too.
 */
async function faultRecovers(
  d,
  backend,
  name,
  { codes = ["button-line"], cause, keys, whileDown, fix, fields },
) {
  const m = d.mark();
  await whileDown();
  const during = await statusFaults(d);
  const log = d.proc.output();
  const namesCause = cause.test(log);
  const delays = retryDelays(d);
  const outputs = { "led-line": "LED", "buzzer-line": "buzzer" };
  const outputDelays = Object.fromEntries(
    codes.filter((c) => outputs[c]).map((c) => [c, retryDelays(d, outputs[c])]),
  );
  const fixedAt = mono();
  await fix();
  let after = during;
  while (mono() < fixedAt + 30_000) {
    after = await statusFaults(d);
    if (!codes.some((c) => after.includes(c))) break;
    await sleep(100);
  }
  const recoverMs = mono() - fixedAt;
  const spurious = d.since(m, "press").length;
  const m2 = d.mark();
  const { held } = await hold(1000);
  const again = await d.waitFor(m2, "press", () => true, 10_000);
  const alive = d.proc.proc.exitCode === null;
  const ok =
    alive &&
    codes.every((c) => during.includes(c)) &&
    namesCause &&
    growing(delays) &&
    Object.values(outputDelays).every(growing) &&
    spurious === 0 &&
    !codes.some((c) => after.includes(c)) &&
    again?.tier === "short";
  report(backend, name, ok, {
    ...fields,
    statusDuring: during.join(",") || "none",
    [keys.cause]: namesCause,
    retryMs: delays.slice(0, 6).join("/") || "none",
    ...Object.fromEntries(
      Object.entries(outputDelays).map(([c, ds]) => [
        `${outputs[c]}RetryMs`,
        ds.slice(0, 6).join("/") || "none",
      ]),
    ),
    spurious,
    [keys.recover]: recoverMs,
    statusAfter: after.join(",") || "none",
    [keys.after]: pressField(again, held),
  });
  if (!ok) console.log(`KNOTE ${backend} ${name} log tail: ${logTail(log)}`);
}

/** The line busy (held by another process) before the daemon starts; the holder then lets go. */
export async function busyCase(backend) {
  const name = "line busy at start";
  const holder = await holdLine();
  const d = await startOrReport(backend, name);
  if (!d) {
    await holder.release();
    return;
  }
  try {
    await faultRecovers(d, backend, name, {
      cause: /busy|EBUSY/i,
      keys: { cause: "logSaysBusy", recover: "recoverMs", after: "afterRelease" },
      whileDown: async () => {
        await sleep(2000);
        await hold(600); // a press while another process owns the line: must not count
        await sleep(3000);
      },
      fix: async () => {
        await holder.release();
        button(false);
      },
    });
  } finally {
    await d.stop().catch(() => {});
  }
}

/**
 * Permission denied (gpiod; sysfs: see the note of task k13b): the daemon as nobody (65534, no
 * groups) with /dev/gpiochipN root's 0600; then chmod 0666.
 */
export async function permissionCase(backend) {
  const name = "permission denied";
  const dev = chipDev();
  const mode = statSync(dev).mode & 0o777;
  chmodSync(dev, 0o600);
  try {
    const d = await startOrReport(backend, name, { user: { uid: 65534, gid: 65534 } });
    if (!d) return;
    try {
      await faultRecovers(d, backend, name, {
        cause: /EACCES|permission denied/i,
        keys: { cause: "logSaysEACCES", recover: "recoverMs", after: "afterGrant" },
        whileDown: () => sleep(3000),
        fix: async () => chmodSync(dev, 0o666),
      });
    } finally {
      await d.stop().catch(() => {});
    }
  } finally {
    chmodSync(dev, mode);
  }
}

/**
 * The chip is not there (gpio-sim live=0) when the daemon starts, as on a board whose GPIO driver
 * probes late: the daemon must still reach READY, name every line it could not open (onoff opens
 * LED and buzzer lines on their own, so each is a fault of its own; gpiod's share the button's
 * request), and pick the chip up when it appears.
 */
export async function chipMissingCase(backend) {
  const name = "chip missing at start";
  live(false);
  try {
    const d = await startOrReport(backend, name);
    if (!d) return;
    try {
      await faultRecovers(d, backend, name, {
        codes: backend === "onoff" ? ["button-line", "led-line", "buzzer-line"] : ["button-line"],
        cause: /retry/i,
        keys: { cause: "logSaysRetry", recover: "clearedAfterMs", after: "afterLive" },
        fields: { readyAfterMs: d.readyAfterMs },
        whileDown: () => sleep(4000),
        fix: async () => {
          live(true);
          button(false);
        },
      });
    } finally {
      await d.stop().catch(() => {});
    }
  } finally {
    // The next case needs the chip, whether or not this one got as far as bringing it back.
    if (!isLive()) {
      live(true);
      button(false);
    }
  }
}
