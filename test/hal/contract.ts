// The one contract every board back end passes. Each back end supplies a harness that plays the
// outside world: it moves the button, looks at the LED line, breaks the line. The same contract runs
// on fakes here (a fake clock, synchronous edges) and on a real kernel's gpio-sim chip inside the
// kernel test VM (test/rigs/kernel-vm/contract-real-chip.ts: real time, edges through interrupts),
// so every wait is "until", which on a fake is immediate.
import { describe, expect, it } from "vitest";
import { GpioError } from "../../daemon/errors.js";
import type { Board, ButtonEdge, LedPattern } from "../../hal/ports.js";

export interface BoardHarness {
  board: Board;
  /** The board's monotonic clock (what edges are stamped with), in ms. */
  now(): number;
  /** Lets `ms` pass on that clock (a fake advances; a real chip sleeps). */
  wait(ms: number): Promise<void>;
  /** How far a stamp may lie outside the instant of its drive (0 on a fake; kernel stamps are exact). */
  stampToleranceMs: number;
  /** Sets the logical button level from outside (with its interrupt, where there is one). */
  drive(pressed: boolean): void;
  /** Is the LED lit right now? */
  ledLit(): boolean;
  /** Is the buzzer sounding (or, where that cannot be seen, did it last play something)? */
  sounding(): boolean;
  /** The button line fails (vanishes), and the back end notices on its next interrupt or read. */
  breakLine(): void;
  cleanup(): Promise<void>;
}

/** Polls `ok` every millisecond for up to 3 s; true as soon as it holds (at once on a fake). */
async function until(ok: () => boolean, ms = 3000): Promise<boolean> {
  const end = performance.now() + ms;
  while (!ok()) {
    if (performance.now() > end) return false;
    await new Promise((r) => setTimeout(r, 1));
  }
  return true;
}

/** A drive and the instant it happened: [before, after] on the harness clock. */
function driveAt(h: BoardHarness, pressed: boolean): [number, number] {
  const before = h.now();
  h.drive(pressed);
  return [before, h.now()];
}

const ALL_PATTERNS: LedPattern[] = [
  "off",
  "on",
  "slow-blink",
  "fast-blink",
  "confirm-wait",
  "done",
  "setup-pending",
  "fault",
];

export function boardContract(name: string, make: () => Promise<BoardHarness>): void {
  describe(`board contract: ${name}`, () => {
    const withHarness = (fn: (h: BoardHarness) => Promise<void> | void) => async () => {
      const h = await make();
      try {
        await fn(h);
      } finally {
        await h.board.close();
        await h.cleanup();
      }
    };

    it(
      "reads the logical button level",
      withHarness(async (h) => {
        expect(h.board.button.isPressed()).toBe(false);
        h.drive(true);
        expect(await until(() => h.board.button.isPressed())).toBe(true);
        h.drive(false);
        expect(await until(() => !h.board.button.isPressed())).toBe(true);
      }),
    );

    it(
      "delivers raw edges stamped with the board's monotonic clock at the instant of each drive",
      withHarness(async (h) => {
        const edges: ButtonEdge[] = [];
        h.board.button.onEdge((e) => edges.push(e));
        const at: [number, number][] = [];
        at.push(driveAt(h, true));
        await h.wait(700);
        at.push(driveAt(h, false));
        await h.wait(50);
        at.push(driveAt(h, true));
        await until(() => edges.length >= 3);
        expect(edges.map((e) => e.pressed)).toEqual([true, false, true]);
        const tol = h.stampToleranceMs;
        for (const [i, [before, after]] of at.entries()) {
          const stamp = edges[i]?.atMs ?? Number.NaN;
          expect(stamp, `edge ${i}`).toBeGreaterThanOrEqual(before - tol);
          expect(stamp, `edge ${i}`).toBeLessThanOrEqual(after + tol);
        }
      }),
    );

    it(
      "does not repeat an edge for an unchanged level",
      withHarness(async (h) => {
        const edges: ButtonEdge[] = [];
        h.board.button.onEdge((e) => edges.push(e));
        h.drive(true);
        await until(() => edges.length >= 1);
        h.drive(true);
        await h.wait(100);
        expect(edges).toHaveLength(1);
      }),
    );

    it(
      "drives the LED for steady patterns and remembers every pattern",
      withHarness(async (h) => {
        h.board.led.set("on");
        expect(await until(() => h.ledLit())).toBe(true);
        expect(h.board.led.pattern).toBe("on");
        h.board.led.set("off");
        expect(await until(() => !h.ledLit())).toBe(true);
        for (const p of ALL_PATTERNS) {
          h.board.led.set(p);
          expect(h.board.led.pattern).toBe(p);
        }
        h.board.led.set("off");
      }),
    );

    it(
      "plays buzzer patterns",
      withHarness(async (h) => {
        if (!h.board.buzzer) return;
        expect(h.sounding()).toBe(false);
        h.board.buzzer.play("beep");
        expect(await until(() => h.sounding())).toBe(true);
      }),
    );

    it(
      "reports a failed line as a GpioError, never as an edge",
      withHarness(async (h) => {
        const edges: ButtonEdge[] = [];
        const errors: Error[] = [];
        h.board.button.onEdge((e) => edges.push(e));
        h.board.button.onError((e) => errors.push(e));
        h.breakLine();
        await until(() => errors.length > 0, 10_000);
        expect(errors.length).toBeGreaterThan(0);
        expect(errors[0]).toBeInstanceOf(GpioError);
        expect(edges).toEqual([]);
        expect(() => h.board.button.isPressed()).toThrow(GpioError);
      }),
    );

    it(
      "closes cleanly, twice",
      withHarness(async (h) => {
        await h.board.close();
      }),
    );
  });
}
