// The simulated board: a button driven in-process (tests, the control socket), an LED and a buzzer
// that record what they were told. Edges are stamped with the board's own clock at the moment they
// are driven, the way a real back end stamps them in its interrupt path.
import type { Clock } from "../../daemon/clock.js";
import { GpioError } from "../../daemon/errors.js";
import type {
  Board,
  ButtonEdge,
  ButtonPort,
  BuzzerPattern,
  BuzzerPort,
  LedPattern,
  LedPort,
} from "../ports.js";

export type SimEvent =
  | { event: "edge"; pressed: boolean; atMs: number }
  | { event: "led"; pattern: LedPattern; atMs: number }
  | { event: "buzzer"; pattern: BuzzerPattern; atMs: number }
  | { event: "error"; message: string; atMs: number };

export interface SimState {
  pressed: boolean;
  led: LedPattern;
  /** Last pattern played, or null. */
  buzzer: BuzzerPattern | null;
  /** Edges delivered since start. */
  edges: number;
  lineFailed: boolean;
  atMs: number;
}

export interface BounceResult {
  startedAtMs: number;
  atMs: number;
  edges: number;
}

/** What tests, the control socket and recoveryctl drive the simulated board with. */
export interface SimBoardHandle {
  /** Drives the button. Returns the edge delivered, or null when the level did not change. */
  press(down: boolean): ButtonEdge | null;
  /**
   * A burst of `count` glitches from the current level, each `intervalMs` long and `intervalMs`
   * apart; then, if given, the button settles at `settle` (true = down).
   */
  bounce(count: number, intervalMs: number, settle?: boolean): Promise<BounceResult>;
  /** The line fails: reads throw GpioError, listeners get the error, edges stop. */
  failLine(message?: string): void;
  repairLine(): void;
  state(): SimState;
  /** Returns the unsubscribe function. */
  watch(listener: (e: SimEvent) => void): () => void;
}

export interface SimBoardOptions {
  clock: Clock;
  /** Button held down from the start (a boot hold / stuck button). */
  initiallyPressed?: boolean;
  /** Declares the button's edges late by up to this much (tests of a kernel-stamped back end). */
  deliveryLagMs?: number | undefined;
  /**
   * Gives the button a `sync` and lets tests `stall()` delivery, as a starved gpiod helper holds
   * back kernel-stamped edges and the answer to the controller's sync behind them.
   */
  stallable?: boolean | undefined;
}

export class SimBoard implements Board, SimBoardHandle {
  readonly kind = "sim" as const;
  readonly button: ButtonPort;
  readonly led: LedPort;
  readonly buzzer: BuzzerPort;

  private level: boolean;
  private ledPattern: LedPattern = "off";
  private lastBuzzer: BuzzerPattern | null = null;
  private edgeCount = 0;
  private failed: string | null = null;
  private closed = false;
  private readonly edgeListeners: ((e: ButtonEdge) => void)[] = [];
  private readonly errorListeners: ((e: Error) => void)[] = [];
  private readonly watchers = new Set<(e: SimEvent) => void>();
  private readonly sleeping = new Set<() => void>();
  private stalled: { edges: ButtonEdge[]; syncs: ((watermarkMs: number | null) => void)[] } | null = null;

  constructor(private readonly opts: SimBoardOptions) {
    this.level = opts.initiallyPressed ?? false;
    const board = this;
    this.button = {
      isPressed() {
        if (board.failed !== null) throw new GpioError(`simulated button line failed: ${board.failed}`);
        return board.level;
      },
      onEdge: (fn) => void this.edgeListeners.push(fn),
      onError: (fn) => void this.errorListeners.push(fn),
      close: async () => {},
      ...(opts.deliveryLagMs !== undefined ? { deliveryLagMs: opts.deliveryLagMs } : {}),
      ...(opts.stallable
        ? {
            sync: (done: (watermarkMs: number | null) => void) => {
              if (this.stalled) this.stalled.syncs.push(done);
              else done(this.opts.clock.monotonic());
            },
          }
        : {}),
    };
    this.led = {
      set: (pattern) => {
        this.ledPattern = pattern;
        this.emit({ event: "led", pattern, atMs: this.opts.clock.monotonic() });
      },
      get pattern() {
        return board.ledPattern;
      },
      close: async () => {},
    };
    this.buzzer = {
      play: (pattern) => {
        this.lastBuzzer = pattern;
        this.emit({ event: "buzzer", pattern, atMs: this.opts.clock.monotonic() });
      },
      close: async () => {},
    };
  }

  press(down: boolean): ButtonEdge | null {
    // Stamped first, like an interrupt handler: nothing below may delay the timestamp.
    return this.pressAt(down, this.opts.clock.monotonic());
  }

  private pressAt(down: boolean, atMs: number): ButtonEdge | null {
    if (this.closed || down === this.level) return null;
    this.level = down;
    if (this.failed !== null) return null; // a dead line delivers nothing
    const edge: ButtonEdge = { pressed: down, atMs };
    this.edgeCount++;
    if (this.stalled) this.stalled.edges.push(edge);
    else for (const fn of this.edgeListeners) fn(edge);
    this.emit({ event: "edge", pressed: down, atMs });
    return edge;
  }

  /** Holds back edge delivery and sync answers (stamps are still taken on time). */
  stall(): void {
    this.stalled ??= { edges: [], syncs: [] };
  }

  /** Delivers what was held back, in order: the edges first, then the sync answers. */
  resume(): void {
    const held = this.stalled;
    this.stalled = null;
    if (!held) return;
    for (const edge of held.edges) for (const fn of this.edgeListeners) fn(edge);
    for (const done of held.syncs) done(this.opts.clock.monotonic());
  }

  async bounce(count: number, intervalMs: number, settle?: boolean): Promise<BounceResult> {
    const startedAtMs = this.opts.clock.monotonic();
    const before = this.edgeCount;
    const base = this.level;
    const levels: boolean[] = [];
    for (let i = 0; i < count; i++) levels.push(!base, base);
    if (settle !== undefined && settle !== base) levels.push(settle);
    // Each edge is stamped at its place in the storm, as a kernel stamps a real contact's edges,
    // not when this loop's timer happens to run: a daemon loop stalled for 800 ms (setup's commit
    // on a loaded machine) once turned a 5 ms pulse into an 811 ms press (scenario 09 on Node 24).
    // Edges that fall due during a stall are delivered together, late, with their own stamps.
    for (let j = 0; j < levels.length && !this.closed; j++) {
      const dueMs = startedAtMs + j * intervalMs;
      const waitMs = dueMs - this.opts.clock.monotonic();
      if (waitMs > 0) await this.sleep(waitMs);
      this.pressAt(levels[j] ?? base, dueMs);
    }
    return { startedAtMs, atMs: this.opts.clock.monotonic(), edges: this.edgeCount - before };
  }

  failLine(message = "line vanished"): void {
    this.failed = message;
    const err = new GpioError(`simulated button line failed: ${message}`);
    for (const fn of this.errorListeners) fn(err);
    this.emit({ event: "error", message, atMs: this.opts.clock.monotonic() });
  }

  repairLine(): void {
    this.failed = null;
  }

  state(): SimState {
    return {
      pressed: this.level,
      led: this.ledPattern,
      buzzer: this.lastBuzzer,
      edges: this.edgeCount,
      lineFailed: this.failed !== null,
      atMs: this.opts.clock.monotonic(),
    };
  }

  watch(listener: (e: SimEvent) => void): () => void {
    this.watchers.add(listener);
    return () => this.watchers.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.sleeping) wake();
    this.watchers.clear();
  }

  private emit(e: SimEvent): void {
    for (const fn of this.watchers) {
      try {
        fn(e);
      } catch {
        // A broken watcher (a closed socket) must not break the board.
      }
    }
  }

  /** Interruptible by close(), so a long bounce never holds shutdown up. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(t);
        this.sleeping.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      this.sleeping.add(wake);
    });
  }
}
