// The onoff back end on a fake sysfs tree: chip base resolution, polarity, outputs, failures.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FakeClock } from "../../daemon/clock.js";
import { parseConfig } from "../../daemon/config/load.js";
import { GpioError } from "../../daemon/errors.js";
import { silentLogger } from "../../daemon/log.js";
import { createOnoffBoard } from "../../hal/onoff/board.js";
import { LINE_CHECK_MS } from "../../hal/onoff/button.js";
import { globalNumber, listChips, resolveChip } from "../../hal/onoff/chip.js";
import { loadOnoff } from "../../hal/onoff/gpio-module.js";
import { FakeSysfs } from "./fake-sysfs.js";

const PI5 = [
  { name: "gpiochip512", base: 512, ngpio: 32, label: "gpio-brcmstb@107d508500" },
  { name: "gpiochip571", base: 571, ngpio: 54, label: "pinctrl-rp1" },
];

let sysfs: FakeSysfs | undefined;
afterEach(() => {
  vi.useRealTimers();
  sysfs?.cleanup();
  sysfs = undefined;
});

function tree(chips = PI5): FakeSysfs {
  sysfs = new FakeSysfs(chips);
  return sysfs;
}

function gpioConfig(raw: Record<string, unknown>) {
  return parseConfig({ board: "onoff", gpio: raw }).gpio;
}

async function open(s: FakeSysfs, raw: Record<string, unknown>) {
  return createOnoffBoard(gpioConfig(raw), {
    clock: new FakeClock(),
    log: silentLogger(),
    sysfsRoot: s.root,
    gpio: s.module,
  });
}

describe("onoff back end: chip base", () => {
  it("adds the base of the labelled chip to the line offset (kernel >= 6.6 numbering)", async () => {
    const s = tree();
    const board = await open(s, { chipLabel: "pinctrl-rp1", button: { line: 17 }, led: { line: 27 } });
    expect(s.exported(571 + 17)).toBe(true);
    expect(s.exported(571 + 27)).toBe(true);
    expect(s.exported(17)).toBe(false);
    await board.close();
  });

  it("takes the lowest-based chip when no label is configured", () => {
    const s = tree();
    expect(resolveChip(s.root, undefined)).toMatchObject({ name: "gpiochip512", base: 512 });
    expect(listChips(s.root).map((c) => c.base)).toEqual([512, 571]);
  });

  it("works on old kernels that number from 0", async () => {
    const s = tree([{ name: "gpiochip0", base: 0, ngpio: 54, label: "pinctrl-bcm2835" }]);
    const board = await open(s, { button: { line: 17 }, led: { line: 27 } });
    expect(s.exported(17)).toBe(true);
    await board.close();
  });

  it("names the chips it found when the label is wrong, and starts with the line failed", async () => {
    const s = tree();
    // Issue 13: never an exit before READY (test/hal/onoff/missing-chip.test.ts has the retries).
    const board = await open(s, { chipLabel: "nope" });
    expect(() => board.button.isPressed()).toThrow(
      /no GPIO chip labelled "nope".*gpiochip571 "pinctrl-rp1" base 571/,
    );
    await board.close();
  });

  it("refuses a line beyond the chip", () => {
    const s = tree();
    const chip = resolveChip(s.root, "gpio-brcmstb@107d508500");
    expect(() => globalNumber(chip, 40, "gpio.button")).toThrow(GpioError);
    expect(globalNumber(chip, 31, "gpio.button")).toBe(543);
  });

  it("names a kernel without sysfs GPIO, and starts with the line failed", async () => {
    const s = tree();
    rmSync(path.join(s.root, "export"));
    const board = await open(s, {});
    expect(() => board.button.isPressed()).toThrow(/sysfs GPIO is not available.*CONFIG_GPIO_SYSFS/);
    await board.close();
  });

  it("refuses a malformed base", () => {
    const s = tree();
    writeFileSync(path.join(s.root, "gpiochip512", "base"), "banana\n");
    expect(() => listChips(s.root)).toThrow(GpioError);
  });
});

describe("onoff back end: polarity and lines", () => {
  it("applies active-low itself and clears a stale kernel active_low", async () => {
    const s = tree();
    s.exportLine(512 + 17);
    writeFileSync(path.join(s.dir(512 + 17), "active_low"), "1");
    const board = await open(s, {
      button: { line: 17, activeLow: true },
      led: { line: 27, activeLow: true },
    });
    expect(s.attr(512 + 17, "active_low")).toBe("0");
    expect(s.attr(512 + 17, "edge")).toBe("both");
    expect(s.attr(512 + 17, "direction")).toBe("in");
    s.setPhysical(512 + 17, 0);
    expect(board.button.isPressed()).toBe(true);
    // Active-low LED: created dark (physical high), lit by driving it low.
    expect(s.physical(512 + 27)).toBe(1);
    board.led.set("on");
    expect(s.physical(512 + 27)).toBe(0);
    await board.close();
  });

  it("unexports its lines on close and leaves the LED dark", async () => {
    const s = tree();
    const board = await open(s, { button: { line: 17 }, led: { line: 27 }, buzzer: { line: 22 } });
    board.led.set("on");
    await board.close();
    expect(s.exported(512 + 17)).toBe(false);
    expect(s.exported(512 + 27)).toBe(false);
    expect(readFileSync(path.join(s.root, "unexport"), "utf8")).toBe(String(512 + 17));
  });

  it("has no buzzer unless one is configured", async () => {
    const s = tree();
    const board = await open(s, {});
    expect(board.buzzer).toBeUndefined();
    await board.close();
  });
});

describe("onoff back end: patterns on the LED and buzzer", () => {
  it("blinks slow-blink at 1 Hz with a timer, and uses no timer for a steady pattern", async () => {
    vi.useFakeTimers();
    const s = tree();
    const board = await open(s, { led: { line: 27 } });
    const led = 512 + 27;
    board.led.set("slow-blink");
    const seen = [s.physical(led)];
    for (let i = 0; i < 4; i++) {
      vi.advanceTimersByTime(500);
      seen.push(s.physical(led));
    }
    expect(seen).toEqual([1, 0, 1, 0, 1]);
    board.led.set("on");
    expect(vi.getTimerCount()).toBe(1); // only the button's line check (LINE_CHECK_MS)
    expect(s.physical(led)).toBe(1);
    board.led.set("off");
    expect(s.physical(led)).toBe(0);
    await board.close();
  });

  it("plays a double beep once and then falls silent with no timer left", async () => {
    vi.useFakeTimers();
    const s = tree();
    const board = await open(s, { buzzer: { line: 22 } });
    const bz = 512 + 22;
    board.buzzer?.play("double-beep");
    const seen = [s.physical(bz)];
    for (const step of [150, 120, 150]) {
      vi.advanceTimersByTime(step);
      seen.push(s.physical(bz));
    }
    expect(seen).toEqual([1, 0, 1, 0]);
    expect(vi.getTimerCount()).toBe(1); // only the button's line check (LINE_CHECK_MS)
    await board.close();
  });

  it("keeps the pattern's timing when the LED line fails, without throwing, and retries the line", async () => {
    vi.useFakeTimers();
    const s = tree();
    const board = await open(s, { led: { line: 27 } });
    board.led.set("fast-blink");
    s.vanished.add(512 + 27);
    expect(() => vi.advanceTimersByTime(1000)).not.toThrow();
    // The button's line check, the blink timer and the LED line's retry.
    expect(vi.getTimerCount()).toBe(3);
    await board.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("onoff back end: button failures", () => {
  it("turns an epoll error into a GpioError", async () => {
    const s = tree();
    const board = await open(s, {});
    const errors: Error[] = [];
    const edges: unknown[] = [];
    board.button.onError((e) => errors.push(e));
    board.button.onEdge((e) => edges.push(e));
    s.lines.get(512 + 17)?.interruptError(new Error("EPOLLERR"));
    expect(errors[0]).toBeInstanceOf(GpioError);
    expect(edges).toEqual([]);
    await board.close();
  });

  it("stops watching a line that keeps failing instead of spinning", async () => {
    const s = tree();
    const board = await open(s, {});
    const errors: Error[] = [];
    board.button.onError((e) => errors.push(e));
    board.button.onEdge(() => {});
    const line = s.lines.get(512 + 17);
    s.vanished.add(512 + 17);
    for (let i = 0; i < 12 && line?.watched; i++) line.interrupt();
    expect(line?.watched).toBe(false);
    expect(errors.at(-1)?.message).toMatch(/no longer watched/);
    await board.close();
  });

  it("wraps a failing export in a GpioError naming the line, without failing the board", async () => {
    const s = tree();
    const failing = {
      Gpio: class {
        constructor() {
          throw Object.assign(new Error("EBUSY: resource busy"), { code: "EBUSY" });
        }
      },
    } as unknown as typeof s.module;
    // Issue 13: a busy line at start is a failed line (retried), never an exit before READY.
    const board = await createOnoffBoard(gpioConfig({}), {
      clock: new FakeClock(),
      log: silentLogger(),
      sysfsRoot: s.root,
      gpio: failing,
    });
    expect(() => board.button.isPressed()).toThrow(/button GPIO 529.*EBUSY.*busy/);
    await board.close();
  });
});

describe("onoff module", () => {
  it("loads lazily and exposes Gpio", async () => {
    const mod = await loadOnoff();
    expect(typeof mod.Gpio).toBe("function");
  });
});

describe("onoff back end: the chip goes away and comes back", () => {
  it("reports a removed chip within a check period, never as an edge, and reopens the line", async () => {
    vi.useFakeTimers();
    const s = tree();
    const board = await open(s, { chipLabel: "pinctrl-rp1", button: { line: 17 }, led: { line: 27 } });
    const btn = 571 + 17;
    const edges: unknown[] = [];
    const errors: Error[] = [];
    board.button.onEdge((e) => edges.push(e));
    board.button.onError((e) => errors.push(e));
    // What gpio-sim's live=0 did on a real kernel: the line's node disappears and no interrupt comes.
    rmSync(s.dir(btn), { recursive: true, force: true });
    vi.advanceTimersByTime(LINE_CHECK_MS);
    expect(errors[0]).toBeInstanceOf(GpioError);
    expect(errors[0]?.message).toMatch(/vanished/);
    expect(() => board.button.isPressed()).toThrow(GpioError);
    // The chip is back, the button released (high).
    s.exportLine(btn);
    s.setPhysical(btn, 1);
    vi.advanceTimersByTime(LINE_CHECK_MS * 2);
    expect(s.exported(btn)).toBe(true);
    expect(board.button.isPressed()).toBe(false);
    s.drive(btn, 0); // active-low: pressed
    expect(edges).toEqual([{ pressed: true, atMs: expect.any(Number) }]);
    await board.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});
