// The onoff back end when its chip is missing at start (a GPIO expander whose driver probes after
// the daemon starts, a kernel without sysfs GPIO) or its output lines' chip goes away later: the
// board is still created, every line is a named, logged fault retried with backoff, and each line
// is taken up by itself when the chip appears, possibly at another base, with no press counted and
// the wanted LED level applied.
import { rmSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GpioError } from "../../../daemon/errors.js";
import type { FakeChip, FakeSysfs } from "../fake-sysfs.js";
import { openFakeBoard, retries } from "./fake-board.js";

const EXPANDER: FakeChip = { name: "gpiochip512", base: 512, ngpio: 16, label: "pca9555" };
const OTHER: FakeChip = { name: "gpiochip600", base: 600, ngpio: 8, label: "soc-gpio" };

let sysfs: FakeSysfs | undefined;
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  sysfs?.cleanup();
  sysfs = undefined;
});

const GPIO = {
  chipLabel: "pca9555",
  button: { line: 3, activeLow: false },
  led: { line: 4, activeLow: false },
  buzzer: { line: 5, activeLow: false },
};

async function open(chips: FakeChip[], before?: (s: FakeSysfs) => void) {
  const opened = await openFakeBoard(chips, GPIO, before);
  sysfs = opened.s;
  return opened;
}

describe("onoff back end: the chip missing at start", () => {
  it("creates the board with every line failed, retries, and takes the lines up when the chip appears", async () => {
    const { s, board, logs, faults } = await open([OTHER]);
    expect(() => board.button.isPressed()).toThrow(GpioError);
    expect(() => board.button.isPressed()).toThrow(/no GPIO chip labelled "pca9555".*soc-gpio/);
    expect(faults).toEqual([
      ["led", expect.stringMatching(/no GPIO chip labelled "pca9555"/)],
      ["buzzer", expect.stringMatching(/no GPIO chip labelled "pca9555"/)],
    ]);
    expect(logs.find((l) => l.msg === "GPIO board started without its chip: retrying")?.level).toBe(40);
    // The daemon shows the fault pattern meanwhile: only the wanted level is kept.
    board.led.set("on");
    const recovered: number[] = [];
    const edges: unknown[] = [];
    board.button.onRecover?.(() => recovered.push(1));
    board.button.onEdge((e) => edges.push(e));
    vi.advanceTimersByTime(7000);
    for (const what of ["button", "LED", "buzzer"])
      expect(retries(logs, what)).toEqual([1000, 2000, 4000, 8000]);
    expect(recovered).toEqual([]);

    s.addChip(EXPANDER); // the expander's driver probes
    vi.advanceTimersByTime(8000);
    expect(recovered).toEqual([1]);
    expect(board.button.isPressed()).toBe(false);
    expect(edges).toEqual([]);
    expect(faults.slice(2)).toEqual(
      expect.arrayContaining([
        ["led", null],
        ["buzzer", null],
      ]),
    );
    expect(s.physical(512 + 4)).toBe(1); // the LED level wanted while it was missing
    expect(s.physical(512 + 5)).toBe(0);
    for (const what of ["button", "LED", "buzzer"])
      expect(logs.some((l) => l.msg === `GPIO ${what} line works again`)).toBe(true);
    s.drive(512 + 3, 1);
    expect(edges).toEqual([{ pressed: true, atMs: expect.any(Number) }]);
    await board.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("names a kernel without sysfs GPIO in every line's fault and keeps retrying", async () => {
    const { board, logs, faults } = await open([EXPANDER], (s) => rmSync(path.join(s.root, "export")));
    expect(() => board.button.isPressed()).toThrow(/sysfs GPIO is not available.*CONFIG_GPIO_SYSFS/);
    expect(faults.map(([p, m]) => [p, /sysfs GPIO is not available/.test(m ?? "")])).toEqual([
      ["led", true],
      ["buzzer", true],
    ]);
    vi.advanceTimersByTime(60_000);
    expect(retries(logs, "button").slice(-2)).toEqual([10_000, 10_000]);
    await board.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("onoff back end: the outputs' chip removed and restored", () => {
  it("reports the LED line failed on its next write, keeps the blink, and reopens it at the new base", async () => {
    const { s, board, logs, faults } = await open([EXPANDER]);
    expect(faults).toEqual([]);
    board.led.set("fast-blink");
    s.removeChip(EXPANDER);
    vi.advanceTimersByTime(500);
    expect(faults).toContainEqual(["led", expect.stringMatching(/LED GPIO 516 write failed: ENODEV/)]);
    expect(logs.find((l) => l.msg === "GPIO LED line failed: retrying with backoff")?.level).toBe(50);
    // Back at another base (the kernel numbers a re-probed chip dynamically).
    const moved = { ...EXPANDER, name: "gpiochip700", base: 700 };
    s.addChip(moved);
    vi.advanceTimersByTime(3000);
    expect(faults.filter(([p]) => p === "led").at(-1)).toEqual(["led", null]);
    expect(s.exported(700 + 4)).toBe(true);
    // Still blinking, now on the new line.
    const seen = new Set<number>();
    for (let i = 0; i < 8; i++) {
      vi.advanceTimersByTime(50);
      seen.add(s.physical(700 + 4));
    }
    expect([...seen].sort()).toEqual([0, 1]);
    await board.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("notices a silent buzzer's chip going with the button's, and the first beep after the return sounds", async () => {
    const { s, board, faults } = await open([EXPANDER]);
    board.led.set("on"); // steady: no writes either
    s.removeChip(EXPANDER);
    vi.advanceTimersByTime(1000); // the button's line check
    expect(faults).toEqual([
      ["led", expect.stringMatching(/LED GPIO 516 vanished/)],
      ["buzzer", expect.stringMatching(/buzzer GPIO 517 vanished/)],
    ]);
    s.addChip({ ...EXPANDER, name: "gpiochip700", base: 700 });
    // The button's reopen (1 s after the loss) brings the outputs back with it.
    vi.advanceTimersByTime(1000);
    expect(faults.slice(2)).toEqual([
      ["led", null],
      ["buzzer", null],
    ]);
    expect(s.physical(700 + 4)).toBe(1);
    board.buzzer?.play("beep");
    expect(s.physical(700 + 5)).toBe(1);
    await board.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});
