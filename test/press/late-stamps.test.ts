// Edges that arrive after their stamp (board "gpiod": the kernel stamps the interrupt, the event
// reaches the event loop later through the helper's pipe). A release stamped 4.98 s after the press
// but delivered after the 5 s tier deadline fired must still be a 4.98 s hold, not a credential
// reset timed from the delivery. The simulated board stamps with its own (lagging) clock here.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Clock } from "../../daemon/clock.js";
import { silentLogger } from "../../daemon/log.js";
import { PressController } from "../../daemon/press/controller.js";
import type { DaemonEvent } from "../../daemon/services.js";
import { SimBoard } from "../../hal/sim/board.js";
import { defaults } from "./helpers.js";

const clock: Clock = { now: () => Date.now(), monotonic: () => Date.now() };
let lag = 0;
/** The board's stamps: `lag` ms behind the controller's clock, as a late-delivered kernel stamp. */
const stamps: Clock = { now: () => Date.now(), monotonic: () => Date.now() - lag };

function setup(deliveryLagMs: number | undefined, stallable = false) {
  const board = new SimBoard({ clock: stamps, deliveryLagMs, stallable });
  const events: DaemonEvent[] = [];
  const controller = new PressController({
    board,
    button: defaults,
    clock,
    log: silentLogger(),
    onEvent: (e) => events.push(e),
    onAction: () => {},
  });
  controller.arm();
  return { board, events, controller };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(Date.UTC(2026, 0, 1));
  lag = 0;
});
afterEach(() => vi.useRealTimers());

describe("edges delivered after their kernel stamp", () => {
  it("a 4.98 s hold whose release arrives 40 ms late is still a dead-zone press", () => {
    const { board, events, controller } = setup(100);
    board.press(true);
    vi.advanceTimersByTime(5020); // the release happened at 4980 but is only delivered now
    lag = 40;
    board.press(false);
    lag = 0;
    vi.advanceTimersByTime(500);
    const press = events.find((e) => e.type === "press");
    expect(press).toMatchObject({ tier: "dead", durationMs: 4980, action: "none" });
    expect(events.filter((e) => e.type === "tier").map((e) => (e as { tier: string }).tier)).not.toContain(
      "credential",
    );
    controller.close();
  });

  it("feedback comes no later than the delivery lag after the threshold", () => {
    const { board, events, controller } = setup(100);
    board.press(true);
    vi.advanceTimersByTime(5099);
    expect(events.some((e) => e.type === "tier" && e.tier === "credential")).toBe(false);
    vi.advanceTimersByTime(2);
    expect(events.find((e) => e.type === "tier" && e.tier === "credential")).toMatchObject({ heldMs: 5000 });
    board.press(false);
    vi.advanceTimersByTime(500);
    expect(events.find((e) => e.type === "press")).toMatchObject({ tier: "credential", durationMs: 5101 });
    controller.close();
  });

  it("without a declared lag the controller keeps its deadlines exact (sim, onoff)", () => {
    const { board, events, controller } = setup(undefined);
    board.press(true);
    vi.advanceTimersByTime(5000);
    expect(events.some((e) => e.type === "tier" && e.tier === "credential")).toBe(true);
    controller.close();
  });

  // Seen on the real kernel under load (gpiod hold 4.9 s timed 5343 ms, a credential reset): the
  // helper or the event loop was held up longer than any fixed lag, the deadline fired first and
  // the late release was clamped to it. A board that can sync makes the deadline wait instead.
  it("a 4.9 s hold whose release is held up 500 ms past the deadline is still a dead-zone press", () => {
    const { board, events, controller } = setup(10, true);
    board.press(true);
    vi.advanceTimersByTime(4800);
    board.stall();
    vi.advanceTimersByTime(100);
    board.press(false); // stamped at 4900, delivered only on resume
    vi.advanceTimersByTime(500);
    board.resume();
    vi.advanceTimersByTime(500);
    expect(events.find((e) => e.type === "press")).toMatchObject({
      tier: "dead",
      durationMs: 4900,
      action: "none",
    });
    expect(events.some((e) => e.type === "tier" && e.tier === "credential")).toBe(false);
    controller.close();
  });

  it("a synced deadline still gives feedback on time when nothing is held up", () => {
    const { board, events, controller } = setup(10, true);
    board.press(true);
    vi.advanceTimersByTime(5009);
    expect(events.some((e) => e.type === "tier" && e.tier === "credential")).toBe(false);
    vi.advanceTimersByTime(2);
    expect(events.find((e) => e.type === "tier" && e.tier === "credential")).toMatchObject({ heldMs: 5000 });
    board.press(false);
    vi.advanceTimersByTime(500);
    expect(events.find((e) => e.type === "press")).toMatchObject({ tier: "credential", durationMs: 5011 });
    controller.close();
  });

  it("a stall across the stuck limit holds the stuck fault back until the edges are in", () => {
    const { board, events, controller } = setup(10, true);
    board.press(true);
    vi.advanceTimersByTime(29_000);
    board.stall();
    vi.advanceTimersByTime(900);
    board.press(false); // released at 29.9 s, delivered at 31 s
    vi.advanceTimersByTime(1100);
    expect(events.some((e) => e.type === "fault" && e.fault === "stuck")).toBe(false);
    board.resume();
    vi.advanceTimersByTime(500);
    expect(events.find((e) => e.type === "press")).toMatchObject({ tier: "factory", durationMs: 29_900 });
    expect(events.some((e) => e.type === "fault" && e.fault === "stuck")).toBe(false);
    controller.close();
  });
});
