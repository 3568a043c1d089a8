// The press controller on the simulated board, with vitest's fake timers driving both the
// controller's single timer and the clock the board stamps edges with.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Clock } from "../../daemon/clock.js";
import { createLogger } from "../../daemon/log.js";
import { type ActionRequest, PressController } from "../../daemon/press/controller.js";
import type { DaemonEvent } from "../../daemon/services.js";
import { SimBoard, type SimEvent } from "../../hal/sim/board.js";
import { defaults } from "./helpers.js";

const clock: Clock = { now: () => Date.now(), monotonic: () => Date.now() };

function setup(
  opts: { initiallyPressed?: boolean; onAction?: (a: ActionRequest) => void | Promise<void> } = {},
) {
  const board = new SimBoard({ clock, initiallyPressed: opts.initiallyPressed ?? false });
  const events: DaemonEvent[] = [];
  const actions: ActionRequest[] = [];
  const logs: Record<string, unknown>[] = [];
  const boardEvents: SimEvent[] = [];
  board.watch((e) => boardEvents.push(e));
  const log = createLogger({
    level: "debug",
    destination: { write: (s: string) => void logs.push(JSON.parse(s)) },
  });
  const controller = new PressController({
    board,
    button: defaults,
    clock,
    log,
    onEvent: (e) => events.push(e),
    onAction: (a) => {
      actions.push(a);
      return opts.onAction?.(a);
    },
  });
  const of = <T extends DaemonEvent["type"]>(type: T) =>
    events.filter((e): e is Extract<DaemonEvent, { type: T }> => e.type === type);
  return { board, controller, events, actions, logs, boardEvents, of };
}

/** Holds the virtual button for `ms` and lets the release settle. */
function press(board: SimBoard, ms: number) {
  board.press(true);
  vi.advanceTimersByTime(ms);
  board.press(false);
  vi.advanceTimersByTime(defaults.debounceMs);
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(Date.UTC(2026, 0, 1));
});
afterEach(() => {
  vi.useRealTimers();
});

describe("press controller on the simulated board", () => {
  it("has no timer at all while idle", () => {
    const { controller } = setup();
    controller.arm();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(3600_000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("gives live feedback through a 7 s press and performs a credential reset on release", () => {
    const { board, controller, actions, of, logs } = setup();
    controller.arm();
    board.press(true);
    vi.advanceTimersByTime(defaults.shortMaxMs);
    expect(board.led.pattern).toBe("off");
    vi.advanceTimersByTime(defaults.credentialMs - defaults.shortMaxMs - 1);
    expect(board.state().buzzer).toBeNull();
    vi.advanceTimersByTime(1);
    expect(board.led.pattern).toBe("slow-blink");
    expect(board.state().buzzer).toBe("beep");
    expect(of("tier").map((t) => t.tier)).toEqual(["short", "dead", "credential"]);
    vi.advanceTimersByTime(2000);
    board.press(false);
    expect(actions).toEqual([]); // classified only once the release settled
    vi.advanceTimersByTime(defaults.debounceMs);
    expect(actions).toEqual([
      { action: "credential-reset", boot: false, confirmed: false, durationMs: 7000 },
    ]);
    expect(of("press")).toEqual([
      { type: "press", tier: "credential", durationMs: 7000, boot: false, action: "credential-reset" },
    ]);
    expect(logs.find((l) => l.msg === "button press classified")).toMatchObject({
      tier: "credential",
      durationMs: 7000,
    });
    expect(board.led.pattern).toBe("off");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("flashes done after actionDone, then shows setup-pending in first-boot state", () => {
    const { board, controller, of } = setup();
    controller.arm();
    press(board, 6000);
    controller.setIndicatorState({ firstBoot: true });
    expect(board.led.pattern).toBe("setup-pending");
    controller.actionDone();
    expect(board.led.pattern).toBe("done");
    vi.advanceTimersByTime(defaults.doneFlashMs - 1);
    expect(board.led.pattern).toBe("done");
    vi.advanceTimersByTime(1);
    expect(board.led.pattern).toBe("setup-pending");
    expect(of("led").map((e) => e.pattern)).toEqual([
      "off",
      "slow-blink",
      "off",
      "setup-pending",
      "done",
      "setup-pending",
    ]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("waits for a confirming short press after a factory hold", () => {
    const { board, controller, actions, of } = setup();
    controller.arm();
    press(board, 16_000);
    expect(actions).toEqual([]);
    expect(board.led.pattern).toBe("confirm-wait");
    const [wait] = of("confirm");
    expect(wait?.action).toBe("factory-reset");
    expect(Date.parse(wait?.deadline ?? "")).toBe(
      Date.now() - defaults.debounceMs + defaults.confirmWindowMs,
    );
    vi.advanceTimersByTime(2000);
    press(board, 300);
    expect(actions).toEqual([{ action: "factory-reset", boot: false, confirmed: true, durationMs: 16_000 }]);
    expect(of("confirm").at(-1)).toEqual({
      type: "confirm",
      action: "factory-reset",
      deadline: null,
      outcome: "confirmed",
    });
    expect(of("press").at(-1)).toMatchObject({ tier: "short", action: "confirmation" });
    expect(board.led.pattern).toBe("off");
  });

  it("lets the confirmation expire with an error sound and does nothing", () => {
    const { board, controller, actions } = setup();
    controller.arm();
    press(board, 16_000);
    vi.advanceTimersByTime(defaults.confirmWindowMs);
    expect(actions).toEqual([]);
    expect(board.led.pattern).toBe("off");
    expect(board.state().buzzer).toBe("error");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("never resets for a button stuck down at boot, and shows it", () => {
    const { board, controller, actions, of } = setup({ initiallyPressed: true });
    controller.arm();
    vi.advanceTimersByTime(defaults.stuckMs);
    expect(of("fault")).toEqual([{ type: "fault", fault: "stuck" }]);
    expect(board.led.pattern).toBe("on");
    expect(board.state().buzzer).toBe("long-beep");
    vi.advanceTimersByTime(24 * 3600_000);
    expect(actions).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("needs the confirming press after a boot hold, then resets", () => {
    const { board, controller, actions, of } = setup({ initiallyPressed: true });
    controller.arm();
    vi.advanceTimersByTime(8000);
    board.press(false);
    vi.advanceTimersByTime(defaults.debounceMs);
    expect(actions).toEqual([]);
    expect(of("press")).toEqual([
      { type: "press", tier: "credential", durationMs: 8000, boot: true, action: "confirm-wait" },
    ]);
    vi.advanceTimersByTime(1000);
    press(board, 250);
    expect(actions).toEqual([{ action: "credential-reset", boot: true, confirmed: true, durationMs: 8000 }]);
  });

  it("ignores a bounce storm shorter than the debounce", async () => {
    const { board, controller, actions, of } = setup();
    controller.arm();
    const done = board.bounce(20, defaults.debounceMs / 3);
    await vi.advanceTimersByTimeAsync(1000);
    await done;
    expect(board.state().edges).toBe(40);
    expect(of("press")).toEqual([]);
    expect(of("tier")).toEqual([]);
    expect(actions).toEqual([]);
  });

  it("turns a GPIO failure into a fault, never a press, and recovers on the next edge", () => {
    const { board, controller, actions, of } = setup();
    controller.arm();
    board.press(true);
    vi.advanceTimersByTime(6000);
    board.failLine("value file vanished");
    expect(of("fault").at(-1)).toEqual({ type: "fault", fault: "gpio" });
    expect(board.led.pattern).toBe("fault");
    board.press(false); // a dead line delivers nothing
    vi.advanceTimersByTime(1000);
    expect(actions).toEqual([]);
    expect(of("press")).toEqual([]);
    board.repairLine();
    press(board, 400);
    expect(of("fault").at(-1)).toEqual({ type: "fault", fault: null });
    expect(actions.map((a) => a.action)).toEqual(["short"]);
  });

  it("treats a failing read at arm as a fault with the button released", () => {
    const { board, controller, actions, of } = setup({ initiallyPressed: true });
    board.failLine("cannot read");
    controller.arm();
    expect(of("fault").at(-1)).toEqual({ type: "fault", fault: "gpio" });
    vi.advanceTimersByTime(60_000);
    expect(actions).toEqual([]);
  });

  it("shows an external fault and logs a failing action without crashing", async () => {
    const { board, controller, logs } = setup({ onAction: () => Promise.reject(new Error("store is gone")) });
    controller.setIndicatorState({ fault: "store" });
    controller.arm();
    expect(board.led.pattern).toBe("fault");
    press(board, 300);
    await vi.advanceTimersByTimeAsync(0);
    expect(logs.some((l) => l.msg === "button action failed")).toBe(true);
  });

  it("stops reacting after close", () => {
    const { board, controller, actions } = setup();
    controller.arm();
    board.press(true);
    controller.close();
    vi.advanceTimersByTime(6000);
    board.press(false);
    vi.advanceTimersByTime(100);
    expect(actions).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
