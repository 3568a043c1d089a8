// The onoff back end when a line is busy at start (requested by another process, so the sysfs
// export fails with EBUSY): the board must still be created (never an exit before READY, which
// under systemd is a crash loop), the button reported as a failed line, every retry logged with its
// delay, and the line taken up by itself once the other process lets go, with no press counted.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GpioError } from "../../../daemon/errors.js";
import { PressController } from "../../../daemon/press/controller.js";
import type { DaemonEvent } from "../../../daemon/services.js";
import type { FakeSysfs } from "../fake-sysfs.js";
import { openFakeBoard, retries } from "./fake-board.js";

const CHIPS = [{ name: "gpiochip512", base: 512, ngpio: 32, label: "pinctrl-bcm2711" }];
const BUTTON = 512 + 17;
const LED = 512 + 27;
const BUZZER = 512 + 22;

let sysfs: FakeSysfs | undefined;
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  sysfs?.cleanup();
  sysfs = undefined;
});

async function open(busy: number[], extra: Record<string, unknown> = {}) {
  const opened = await openFakeBoard(
    CHIPS,
    {
      chipLabel: "pinctrl-bcm2711",
      button: { line: 17, activeLow: false },
      led: { line: 27, activeLow: false },
      ...extra,
    },
    (s) => {
      for (const n of busy) s.busy.add(n);
    },
  );
  sysfs = opened.s;
  return opened;
}

describe("onoff back end: the button line busy at start", () => {
  it("creates the board, reports the line as failed, retries with growing delays and recovers", async () => {
    const { s, board, logs } = await open([BUTTON]);
    expect(s.exported(BUTTON)).toBe(false);
    let thrown: unknown;
    try {
      board.button.isPressed();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(GpioError);
    expect((thrown as Error).message).toMatch(/button GPIO 529 .*busy \(held by another process\)/);
    const first = logs.find((l) => l.msg === "GPIO button line failed: retrying with backoff");
    expect(first?.level).toBe(50);
    expect(first?.err?.message).toMatch(/busy/);

    const edges: unknown[] = [];
    const recovered: number[] = [];
    board.button.onEdge((e) => edges.push(e));
    board.button.onRecover?.(() => recovered.push(1));
    vi.advanceTimersByTime(25_000);
    // 1 s, doubling, capped at 10 s like the line check's reopen after a removed chip.
    expect(retries(logs, "button")).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(logs.filter((l) => l.msg === "GPIO button line still unusable")).toHaveLength(5);
    expect(recovered).toEqual([]);

    s.busy.delete(BUTTON); // the other process lets go
    vi.advanceTimersByTime(10_000);
    expect(recovered).toEqual([1]);
    expect(s.exported(BUTTON)).toBe(true);
    expect(board.button.isPressed()).toBe(false);
    expect(edges).toEqual([]); // no press from the recovery itself
    expect(logs.find((l) => l.msg === "GPIO button line works again")?.downMs).toBe(35_000);
    // Watched again: a real press now arrives as edges.
    s.drive(BUTTON, 1);
    s.drive(BUTTON, 0);
    expect(edges).toEqual([
      { pressed: true, atMs: expect.any(Number) },
      { pressed: false, atMs: expect.any(Number) },
    ]);
    await board.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("shows the fault through the press controller and clears it on recovery, with no press", async () => {
    const { s, board, log, cfg, clock } = await open([BUTTON]);
    const events: DaemonEvent[] = [];
    const controller = new PressController({
      board,
      button: cfg.button,
      clock,
      log,
      onEvent: (e) => events.push(e),
      onAction: () => {},
    });
    controller.arm();
    expect(events).toContainEqual({ type: "fault", fault: "gpio" });
    expect(board.led.pattern).toBe("fault");
    vi.advanceTimersByTime(3000);
    s.busy.delete(BUTTON);
    vi.advanceTimersByTime(4000);
    expect(events.filter((e) => e.type === "fault")).toEqual([
      { type: "fault", fault: "gpio" },
      { type: "fault", fault: null },
    ]);
    expect(board.led.pattern).not.toBe("fault");
    expect(events.filter((e) => e.type === "press")).toEqual([]);
    controller.close();
    await board.close();
  });

  it("closes cleanly while the line is still busy", async () => {
    const { board } = await open([BUTTON]);
    vi.advanceTimersByTime(3000);
    await board.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("onoff back end: an output line busy at start", () => {
  it("keeps the daemon's board when the LED is busy, and lights it once the line is free", async () => {
    const { s, board, logs } = await open([LED]);
    expect(board.button.isPressed()).toBe(false);
    expect(() => board.led.set("on")).not.toThrow();
    expect(board.led.pattern).toBe("on");
    const first = logs.find((l) => l.msg === "GPIO LED line failed: retrying with backoff");
    expect(first?.err?.message).toMatch(/LED GPIO 539.*busy \(held by another process\)/);
    vi.advanceTimersByTime(3000);
    expect(retries(logs, "LED")).toEqual([1000, 2000, 4000]);
    s.busy.delete(LED);
    vi.advanceTimersByTime(4000);
    expect(s.exported(LED)).toBe(true);
    expect(s.physical(LED)).toBe(1); // the level wanted while it was busy
    expect(logs.some((l) => l.msg === "GPIO LED line works again")).toBe(true);
    board.led.set("off");
    expect(s.physical(LED)).toBe(0);
    await board.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("keeps the board when the buzzer is busy", async () => {
    const { s, board, logs } = await open([BUZZER], { buzzer: { line: 22 } });
    expect(() => board.buzzer?.play("double-beep")).not.toThrow();
    vi.advanceTimersByTime(1000);
    expect(retries(logs, "buzzer")).toEqual([1000, 2000]);
    s.busy.delete(BUZZER);
    vi.advanceTimersByTime(2000);
    expect(s.exported(BUZZER)).toBe(true);
    expect(s.physical(BUZZER)).toBe(0); // the beep is over: off
    await board.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});
