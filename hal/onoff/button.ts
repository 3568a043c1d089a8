// The reset button on a sysfs GPIO line through onoff. Polarity is applied here (the kernel's
// active_low is left at 0) so there is one place that knows it, and a stale active_low left by
// another exporter cannot invert the button.
import type { Clock } from "../../daemon/clock.js";
import { GpioError } from "../../daemon/errors.js";
import type { ButtonEdge, ButtonPort } from "../ports.js";
import type { GpioLine, GpioModule, Level } from "./gpio-module.js";

/** After this many failed reads in a row the line is considered gone and no longer watched. */
const MAX_CONSECUTIVE_ERRORS = 10;

export interface OnoffButtonOptions {
  gpio: GpioModule;
  number: number;
  activeLow: boolean;
  clock: Clock;
  /** For messages: "chip label line 17". */
  where: string;
}

export class OnoffButton implements ButtonPort {
  private readonly line: GpioLine;
  private readonly rawRead: () => Level;
  private readonly edgeListeners: ((e: ButtonEdge) => void)[] = [];
  private readonly errorListeners: ((e: Error) => void)[] = [];
  private lastPressed: boolean | null = null;
  private errorsInRow = 0;
  private watching = false;
  private closed = false;

  constructor(private readonly opts: OnoffButtonOptions) {
    try {
      this.line = new opts.gpio.Gpio(opts.number, "in", "both", { activeLow: false });
    } catch (err) {
      throw new GpioError(
        `cannot open the button GPIO ${opts.number} (${opts.where}): ${(err as Error).message}`,
      );
    }
    this.rawRead = this.line.readSync.bind(this.line);
    // onoff reads the value inside its epoll callback without a try: a vanished line would throw
    // out of a native callback and kill the daemon. Route that read through here so a failure
    // becomes a GpioError for the listeners and the stale level (dropped as a repeat) instead.
    this.line.readSync = () => {
      try {
        const v = this.rawRead();
        this.errorsInRow = 0;
        return v;
      } catch (err) {
        this.fail(err);
        return this.levelOf(this.lastPressed ?? false);
      }
    };
  }

  isPressed(): boolean {
    let v: Level;
    try {
      v = this.rawRead();
    } catch (err) {
      throw new GpioError(
        `cannot read the button GPIO ${this.opts.number} (${this.opts.where}): ${(err as Error).message}`,
      );
    }
    return this.pressedOf(v);
  }

  onEdge(listener: (edge: ButtonEdge) => void): void {
    this.edgeListeners.push(listener);
    this.startWatching();
  }

  onError(listener: (err: Error) => void): void {
    this.errorListeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      this.line.unwatchAll();
      this.line.unexport();
    } catch {
      // already gone: nothing left to release
    }
  }

  private startWatching(): void {
    if (this.watching || this.closed) return;
    this.watching = true;
    try {
      this.lastPressed = this.pressedOf(this.rawRead());
    } catch {
      this.lastPressed = null;
    }
    this.line.watch((err, value) => {
      // First thing: the timestamp. Everything after it is latency the hold must not include.
      const atMs = this.opts.clock.monotonic();
      if (this.closed) return;
      if (err) return this.fail(err);
      const pressed = this.pressedOf(value);
      // onoff reports the level read after the interrupt; two equal reads mean an edge pair was
      // too quick to see (a glitch), not a new edge.
      if (pressed === this.lastPressed) return;
      this.lastPressed = pressed;
      const edge = { pressed, atMs };
      for (const fn of this.edgeListeners) fn(edge);
    });
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    this.errorsInRow++;
    const e = new GpioError(
      `button GPIO ${this.opts.number} (${this.opts.where}) failed: ${(err as Error).message}`,
    );
    for (const fn of this.errorListeners) fn(e);
    if (this.errorsInRow === MAX_CONSECUTIVE_ERRORS && this.watching) {
      // A dead value file can make epoll fire without end; stop listening rather than spin.
      try {
        this.line.unwatchAll();
      } catch {
        // nothing more to stop
      }
      this.watching = false;
      const gone = new GpioError(
        `button GPIO ${this.opts.number} (${this.opts.where}) keeps failing: no longer watched`,
      );
      for (const fn of this.errorListeners) fn(gone);
    }
  }

  private pressedOf(v: Level): boolean {
    return (v === 1) !== this.opts.activeLow;
  }

  private levelOf(pressed: boolean): Level {
    return pressed !== this.opts.activeLow ? 1 : 0;
  }
}
