// The gpio-sim chip the daemon runs on: its configfs setup, taking it away and back (`live`), the
// button moved by the simulator's pull (gpio-sim raises the edge inside the write, so the kernel's
// GPIO core and interrupt code make the edges), and the LED read back from the simulator.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import path from "node:path";
import { mono, sleep } from "./time.mjs";

const CFS = "/sys/kernel/config/gpio-sim/recoveryd";
export const LABEL = "recoveryd-test";
/** Lines by offset: what the daemon's configuration names them (Daemon.start). */
export const LINES = { button: 0, led: 1, buzzer: 2 };

/** The chip: 4 lines, named, labelled; the button released (active-low, so pulled up). */
export function setupChip() {
  mkdirSync(`${CFS}/bank0`, { recursive: true });
  writeFileSync(`${CFS}/bank0/num_lines`, "4");
  if (existsSync(`${CFS}/bank0/label`)) writeFileSync(`${CFS}/bank0/label`, LABEL);
  ["reset", "led", "buzzer"].forEach((name, i) => {
    mkdirSync(`${CFS}/bank0/line${i}`, { recursive: true });
    writeFileSync(`${CFS}/bank0/line${i}/name`, name);
  });
  live(true);
}

/**
 * After someone else moved the chip (the board contract's vitest takes it away and back in its own
 * process): the open pull file and the sysfs path may be the old device's (ENODEV on the next
 * write). Forget them, and make sure the chip is there and the button released.
 */
export function resyncChip() {
  if (pullFd) closeSync(pullFd.fd);
  pullFd = null;
  simDir = null;
  if (!isLive()) live(true);
  button(false);
}

/** gpio-sim refuses (EPERM) a write of the state it is already in: callers that may not know ask. */
export function isLive() {
  return readFileSync(`${CFS}/live`, "utf8").trim() === "1";
}

export function live(on) {
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
export function button(pressed) {
  const file = path.join(simLine(LINES.button), "pull");
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
export async function hold(ms, bounce = 0) {
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

/**
 * What the LED line really did for `ms`: the simulator's value of the line, i.e. the level the
 * daemon drives, not what it says it shows. Polled every 10 ms; the shortest pattern step the
 * daemon plays is 100 ms (setup-pending's flash), so a flash is not missed between two reads.
 */
export function ledActivity(ms) {
  return lineActivity(LINES.led, ms);
}

/**
 * The same for any output line (`LINES.buzzer`: its shortest sound, `confirm`, is 60 ms, still
 * several reads). Runs beside a hold: `hold` sleeps until its last 20 ms.
 */
export async function lineActivity(line, ms) {
  const file = path.join(simLine(line), "value");
  const end = mono() + ms;
  let last = null;
  let changes = 0;
  let highMs = 0;
  let prevAt = mono();
  while (mono() < end) {
    const v = readFileSync(file, "utf8").trim();
    const now = mono();
    if (last === "1") highMs += now - prevAt;
    if (last !== null && v !== last) changes++;
    last = v;
    prevAt = now;
    await sleep(10);
  }
  return { changes, highMs };
}
