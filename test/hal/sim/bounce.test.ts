// The simulated board's bounce storm keeps physical time: each edge is stamped at its place in the
// storm, as a kernel stamps a real contact, even when the daemon's loop (which runs the storm) is
// stalled. Before, a loop stalled for 800 ms stretched one 5 ms pulse to 800 ms and the daemon
// classified a press (scenario 09-bounce-storm on Node 24 under load: short, 811 ms).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Clock } from "../../../daemon/clock.js";
import { parseConfig } from "../../../daemon/config/load.js";
import { silentLogger } from "../../../daemon/log.js";
import { PressController } from "../../../daemon/press/controller.js";
import type { DaemonEvent } from "../../../daemon/services.js";
import type { ButtonEdge } from "../../../hal/ports.js";
import { SimBoard } from "../../../hal/sim/board.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const clock: Clock = { now: () => Date.now(), monotonic: () => Date.now() };

/** Blocks the loop for `ms`: time passes and no timer runs meanwhile (a long synchronous commit). */
function stallLoop(ms: number): void {
  vi.setSystemTime(Date.now() + ms);
}

describe("sim board: a bounce storm during a stalled loop", () => {
  it("stamps every edge at its place in the storm and counts no press", async () => {
    const board = new SimBoard({ clock });
    const cfg = parseConfig({});
    const events: DaemonEvent[] = [];
    const controller = new PressController({
      board,
      button: cfg.button,
      clock,
      log: silentLogger(),
      onEvent: (e) => events.push(e),
      onAction: () => {},
    });
    controller.arm();
    const edges: ButtonEdge[] = [];
    board.button.onEdge((e) => edges.push(e));
    const t0 = Date.now();
    const storm = board.bounce(20, 5, false);
    await vi.advanceTimersByTimeAsync(23); // a few pulses on time
    stallLoop(800);
    await vi.advanceTimersByTimeAsync(2000);
    const result = await storm;
    expect(result.edges).toBe(40);
    expect(edges.map((e) => e.atMs - t0)).toEqual(Array.from({ length: 40 }, (_, j) => j * 5));
    expect(events.filter((e) => e.type === "press")).toEqual([]);
    await board.close();
  });
});
