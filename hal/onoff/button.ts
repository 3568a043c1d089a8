// The reset button on a sysfs GPIO line through onoff. Polarity is applied here (the kernel's
// active_low is left at 0) so there is one place that knows it, and a stale active_low left by
// another exporter cannot invert the button.
import { existsSync } from "node:fs";
import path from "node:path";
import type { Clock } from "../../daemon/clock.js";
import { GpioError } from "../../daemon/errors.js";
import type { ButtonEdge, ButtonPort } from "../ports.js";
import type { GpioLine, GpioModule, Level } from "./gpio-module.js";

/** After this many failed reads in a row the line is considered gone and no longer watched. */
const MAX_CONSECUTIVE_ERRORS = 10;
/** How often the line's sysfs node is checked: a removed chip raises no interrupt at all. */
export const LINE_CHECK_MS = 1000;
const MAX_REOPEN_MS = 10_000;

export interface OnoffButtonOptions {
  gpio: GpioModule;
  number: number;
  activeLow: boolean;
  clock: Clock;
  /** For messages: "chip label line 17". */
  where: string;
  /** sysfs root (/sys/class/gpio): the line's node is watched for the chip going away. */
  sysfsRoot?: string | undefined;
  /** The line's global number now (chip looked up again by label); throws while the chip is gone. */
  resolve?: (() => number) | undefined;
}

export class OnoffButton implements ButtonPort {
  private line: GpioLine;
  private rawRead: () => Level;
  private number: number;
  /** Set while the line's node is gone: the chip was removed; reopened with backoff. */
  private gone: GpioError | null = null;
  private checkTimer: ReturnType<typeof setTimeout> | null = null;
  private reopenMs = LINE_CHECK_MS;
  private readonly edgeListeners: ((e: ButtonEdge) => void)[] = [];
  private readonly errorListeners: ((e: Error) => void)[] = [];
  private readonly recoverListeners: (() => void)[] = [];
  private lastPressed: boolean | null = null;
  private errorsInRow = 0;
  private watching = false;
  private closed = false;

  constructor(private readonly opts: OnoffButtonOptions) {
    this.number = opts.number;
    this.line = this.open(opts.number);
    this.rawRead = this.line.readSync.bind(this.line);
    this.wrapRead();
    this.scheduleCheck(LINE_CHECK_MS);
  }

  private open(number: number): GpioLine {
    try {
      return new this.opts.gpio.Gpio(number, "in", "both", { activeLow: false });
    } catch (err) {
      throw new GpioError(
        `cannot open the button GPIO ${number} (${this.opts.where}): ${(err as Error).message}`,
      );
    }
  }

  private wrapRead(): void {
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

  /** Watches the line's sysfs node; while it is gone, tries to reopen the line with backoff. */
  private scheduleCheck(ms: number): void {
    if (this.opts.sysfsRoot === undefined || this.closed) return;
    this.checkTimer = setTimeout(() => this.check(), ms);
    this.checkTimer.unref?.();
  }

  private check(): void {
    this.checkTimer = null;
    if (this.closed) return;
    const node = path.join(this.opts.sysfsRoot ?? "", `gpio${this.number}`, "value");
    if (this.gone === null) {
      if (!existsSync(node))
        this.lost(
          new GpioError(`button GPIO ${this.number} (${this.opts.where}) vanished: the chip was removed`),
        );
      this.scheduleCheck(this.gone ? this.reopenMs : LINE_CHECK_MS);
      return;
    }
    try {
      const number = this.opts.resolve?.() ?? this.number;
      this.line = this.open(number);
      this.number = number;
      this.rawRead = this.line.readSync.bind(this.line);
      this.wrapRead();
    } catch {
      this.reopenMs = Math.min(MAX_REOPEN_MS, this.reopenMs * 2);
      this.scheduleCheck(this.reopenMs);
      return;
    }
    this.gone = null;
    this.reopenMs = LINE_CHECK_MS;
    this.errorsInRow = 0;
    // The press engine counts the button as released after a fault; a button down now is a new
    // press from now (nobody saw its edge).
    this.lastPressed = false;
    this.watching = false;
    for (const fn of this.recoverListeners) fn();
    if (this.edgeListeners.length > 0) this.startWatching(true);
    this.scheduleCheck(LINE_CHECK_MS);
  }

  private lost(err: GpioError): void {
    this.gone = err;
    try {
      this.line.unwatchAll();
      this.line.unexport();
    } catch {
      // the node is gone already
    }
    this.watching = false;
    for (const fn of this.errorListeners) fn(err);
  }

  isPressed(): boolean {
    if (this.gone) throw this.gone;
    let v: Level;
    try {
      v = this.rawRead();
    } catch (err) {
      throw new GpioError(
        `cannot read the button GPIO ${this.number} (${this.opts.where}): ${(err as Error).message}`,
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

  onRecover(listener: () => void): void {
    this.recoverListeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.checkTimer) clearTimeout(this.checkTimer);
    this.checkTimer = null;
    if (this.gone) return;
    try {
      this.line.unwatchAll();
      this.line.unexport();
    } catch {
      // already gone: nothing left to release
    }
  }

  private startWatching(reopened = false): void {
    if (this.watching || this.closed) return;
    this.watching = true;
    try {
      const now = this.pressedOf(this.rawRead());
      if (reopened && now) {
        const edge = { pressed: true, atMs: this.opts.clock.monotonic() };
        for (const fn of this.edgeListeners) fn(edge);
      }
      this.lastPressed = now;
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
      `button GPIO ${this.number} (${this.opts.where}) failed: ${(err as Error).message}`,
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
        `button GPIO ${this.number} (${this.opts.where}) keeps failing: no longer watched`,
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
