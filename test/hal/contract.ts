// The one contract every board back end passes. Each back end supplies a harness that plays the
// outside world: it moves the button, looks at the LED line, breaks the line.
import { describe, expect, it } from "vitest";
import type { FakeClock } from "../../daemon/clock.js";
import { GpioError } from "../../daemon/errors.js";
import type { Board, ButtonEdge, LedPattern } from "../../hal/ports.js";

export interface BoardHarness {
  board: Board;
  clock: FakeClock;
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
      withHarness((h) => {
        expect(h.board.button.isPressed()).toBe(false);
        h.drive(true);
        expect(h.board.button.isPressed()).toBe(true);
        h.drive(false);
        expect(h.board.button.isPressed()).toBe(false);
      }),
    );

    it(
      "delivers raw edges stamped with the injected monotonic clock",
      withHarness((h) => {
        const edges: ButtonEdge[] = [];
        h.board.button.onEdge((e) => edges.push(e));
        const t0 = h.clock.monotonic();
        h.drive(true);
        h.clock.advance(7000);
        h.drive(false);
        h.clock.advance(3);
        h.drive(true);
        expect(edges).toEqual([
          { pressed: true, atMs: t0 },
          { pressed: false, atMs: t0 + 7000 },
          { pressed: true, atMs: t0 + 7003 },
        ]);
      }),
    );

    it(
      "does not repeat an edge for an unchanged level",
      withHarness((h) => {
        const edges: ButtonEdge[] = [];
        h.board.button.onEdge((e) => edges.push(e));
        h.drive(true);
        h.drive(true);
        expect(edges).toHaveLength(1);
      }),
    );

    it(
      "drives the LED for steady patterns and remembers every pattern",
      withHarness((h) => {
        h.board.led.set("on");
        expect(h.ledLit()).toBe(true);
        expect(h.board.led.pattern).toBe("on");
        h.board.led.set("off");
        expect(h.ledLit()).toBe(false);
        for (const p of ALL_PATTERNS) {
          h.board.led.set(p);
          expect(h.board.led.pattern).toBe(p);
        }
        h.board.led.set("off");
      }),
    );

    it(
      "plays buzzer patterns",
      withHarness((h) => {
        if (!h.board.buzzer) return;
        expect(h.sounding()).toBe(false);
        h.board.buzzer.play("beep");
        expect(h.sounding()).toBe(true);
      }),
    );

    it(
      "reports a failed line as a GpioError, never as an edge",
      withHarness((h) => {
        const edges: ButtonEdge[] = [];
        const errors: Error[] = [];
        h.board.button.onEdge((e) => edges.push(e));
        h.board.button.onError((e) => errors.push(e));
        h.breakLine();
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
