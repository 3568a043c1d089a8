// The board contract (test/hal/contract.ts) on a real kernel's GPIO: both back ends on the gpio-sim
// chip that driver.mjs created, inside the kernel test VM. Not part of `npm test` (there is no such
// chip on the host); driver.mjs runs it with vitest.real-chip.config.ts and reports one KCASE per
// back end. The button is moved by the simulator's pull (gpio-sim raises the interrupt inside the
// write), the LED and buzzer are read back from the simulator's `value` of each output line, and
// the line is broken by taking the chip away (live = 0), as the driver's own removal case does.
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import path from "node:path";
import { systemClock } from "../../../daemon/clock.js";
import { parseConfig } from "../../../daemon/config/load.js";
import { silentLogger } from "../../../daemon/log.js";
import { createGpiodBoard } from "../../../hal/gpiod/board.js";
import { createOnoffBoard } from "../../../hal/onoff/board.js";
import type { Board } from "../../../hal/ports.js";
import { type BoardHarness, boardContract } from "../../hal/contract.js";

const CFS = process.env.RECOVERYD_GPIO_SIM_CFS ?? "/sys/kernel/config/gpio-sim/recoveryd";
const LABEL = process.env.RECOVERYD_GPIO_SIM_LABEL ?? "recoveryd-test";
const BACKENDS = (process.env.RECOVERYD_CONTRACT_BACKENDS ?? "gpiod onoff").split(" ");

function simLine(n: number): string {
  const dev = readFileSync(`${CFS}/dev_name`, "utf8").trim();
  const chip = readFileSync(`${CFS}/bank0/chip_name`, "utf8").trim();
  return path.join("/sys/devices/platform", dev, chip, `sim_gpio${n}`);
}

/** gpio-sim refuses (EPERM) a write of the state it is already in. */
function setLive(on: boolean): void {
  if ((readFileSync(`${CFS}/live`, "utf8").trim() === "1") !== on)
    writeFileSync(`${CFS}/live`, on ? "1" : "0");
}

async function realHarness(backend: "gpiod" | "onoff"): Promise<BoardHarness> {
  setLive(true);
  // Released: the button is active-low, so pulled up (one write, kept open like the driver's).
  let pull = openSync(path.join(simLine(0), "pull"), "w");
  const write = (pressed: boolean) => {
    const b = Buffer.from(pressed ? "pull-down" : "pull-up");
    writeSync(pull, b, 0, b.length, 0);
  };
  write(false);
  const named = backend === "gpiod";
  const cfg = parseConfig({
    board: backend,
    gpio: {
      chipLabel: LABEL,
      // The built helper (dist/): found next to the bundle in production, not next to these sources.
      ...(named ? { helper: path.resolve("dist/recoveryd-gpio") } : {}),
      button: { line: 0, ...(named ? { name: "reset" } : {}), activeLow: true, bias: "none" },
      led: { line: 1, ...(named ? { name: "led" } : {}) },
      buzzer: { line: 2, ...(named ? { name: "buzzer" } : {}) },
    },
  }).gpio;
  const opts = { clock: systemClock, log: silentLogger() };
  const board: Board =
    backend === "gpiod" ? await createGpiodBoard(cfg, opts) : await createOnoffBoard(cfg, opts);
  const value = (n: number) => readFileSync(path.join(simLine(n), "value"), "utf8").trim() === "1";
  let broken = false;
  return {
    board,
    now: () => systemClock.monotonic(),
    wait: (ms) => new Promise((r) => setTimeout(r, ms)),
    // gpiod: the kernel's stamp lies inside the write. onoff stamps in its JS callback, later.
    stampToleranceMs: backend === "gpiod" ? 5 : 250,
    drive: write,
    ledLit: () => value(1),
    sounding: () => value(2),
    breakLine: () => {
      broken = true;
      closeSync(pull);
      setLive(false);
    },
    cleanup: async () => {
      if (broken) {
        setLive(true);
        pull = openSync(path.join(simLine(0), "pull"), "w");
      }
      write(false);
      closeSync(pull);
    },
  };
}

for (const backend of BACKENDS) {
  if (backend === "gpiod" || backend === "onoff")
    boardContract(`${backend} on gpio-sim`, () => realHarness(backend));
}
