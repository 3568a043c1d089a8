// The reset button on a sysfs GPIO line through onoff. Polarity is applied here (the kernel's
// active_low is left at 0) so there is one place that knows it, and a stale active_low left by
// another exporter cannot invert the button.
import { existsSync } from "node:fs";
import path from "node:path";
import type { Clock } from "../../daemon/clock.js";
import { GpioError } from "../../daemon/errors.js";
import type { Logger } from "../../daemon/log.js";
import type { ButtonEdge, ButtonPort } from "../ports.js";
import {
  describeOpenError,
  FIRST_REOPEN_MS,
  type GpioLine,
  type GpioModule,
  type Level,
  MAX_REOPEN_MS,
} from "./gpio-module.js";

/** After this many failed reads in a row the line is considered gone and no longer watched. */
const MAX_CONSECUTIVE_ERRORS = 10;
/** How often the line's sysfs node is checked: a removed chip raises no interrupt at all. */
export const LINE_CHECK_MS = 1000;

export interface OnoffButtonOptions {
  gpio: GpioModule;
  /**
   * The line's global number now (chip looked up by label); throws a GpioError while the chip is
   * missing. Called at start and again before each reopen: the chip may come back at another base.
   */
  resolve: () => number;
  activeLow: boolean;
  clock: Clock;
  /** For messages: "chip label line 17". */
  where: string;
  /** sysfs root (/sys/class/gpio): the line's node is watched for the chip going away. */
  sysfsRoot?: string | undefined;
  /** Each failed (re)open is logged with the delay to the next try; the recovery too. */
  log?: Logger | undefined;
}

export class OnoffButton implements ButtonPort {
  private line: GpioLine | null = null;
  private rawRead: () => Level = () => {
    throw this.gone ?? new GpioError(`button GPIO ${this.number} (${this.opts.where}) is not open`);
  };
  /** NaN until the chip was found once. */
  private number = Number.NaN;
  /**
   * Set while the line cannot be used: its first open failed (busy, no permission) or its node
   * went away (the chip was removed). Reopened with backoff; isPressed() throws this meanwhile.
   */
  private gone: GpioError | null = null;
  /** clock.monotonic() when the line was lost, for the recovery's log line. */
  private goneAt = 0;
  private checkTimer: ReturnType<typeof setTimeout> | null = null;
  private reopenMs = FIRST_REOPEN_MS;
  private readonly edgeListeners: ((e: ButtonEdge) => void)[] = [];
  private readonly errorListeners: ((e: Error) => void)[] = [];
  private readonly recoverListeners: (() => void)[] = [];
  private lastPressed: boolean | null = null;
  private errorsInRow = 0;
  private watching = false;
  private closed = false;

  constructor(private readonly opts: OnoffButtonOptions) {
    try {
      this.number = opts.resolve();
      this.adopt(this.open(this.number));
    } catch (err) {
      // A chip missing (its driver not probed yet), a line busy or not permitted at start must not
      // stop the daemon: its API is the recorder's only way in, and under systemd an exit is a
      // crash loop. The button starts as a failed line: isPressed() throws (the controller shows
      // the fault on arm) and it is reopened with backoff like a line lost later.
      this.lost(err as GpioError);
      this.scheduleCheck(this.reopenMs);
      return;
    }
    this.scheduleCheck(LINE_CHECK_MS);
  }

  private open(number: number): GpioLine {
    try {
      return new this.opts.gpio.Gpio(number, "in", "both", { activeLow: false });
    } catch (err) {
      throw new GpioError(
        `cannot open the button GPIO ${number} (${this.opts.where}): ${describeOpenError(err)}`,
      );
    }
  }

  private adopt(line: GpioLine): void {
    this.line = line;
    this.rawRead = line.readSync.bind(line);
    // onoff reads the value inside its epoll callback without a try: a vanished line would throw
    // out of a native callback and kill the daemon. Route that read through here so a failure
    // becomes a GpioError for the listeners and the stale level (dropped as a repeat) instead.
    line.readSync = () => {
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
    // Without a sysfs root there is no node to watch, but a failed line is still retried.
    if ((this.opts.sysfsRoot === undefined && this.gone === null) || this.closed) return;
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
      const number = this.opts.resolve();
      const line = this.open(number);
      this.number = number;
      this.adopt(line);
    } catch (err) {
      this.reopenMs = Math.min(MAX_REOPEN_MS, this.reopenMs * 2);
      this.opts.log?.warn(
        { error: (err as Error).message, retryInMs: this.reopenMs },
        "GPIO button line still unusable",
      );
      this.scheduleCheck(this.reopenMs);
      return;
    }
    this.opts.log?.info(
      { gpio: this.number, downMs: Math.round(this.opts.clock.monotonic() - this.goneAt) },
      "GPIO button line works again",
    );
    this.gone = null;
    this.reopenMs = FIRST_REOPEN_MS;
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
    this.goneAt = this.opts.clock.monotonic();
    this.reopenMs = FIRST_REOPEN_MS;
    this.opts.log?.error({ err, retryInMs: this.reopenMs }, "GPIO button line failed: retrying with backoff");
    try {
      this.line?.unwatchAll();
      this.line?.unexport();
    } catch {
      // the node is gone already
    }
    this.line = null;
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
      this.line?.unwatchAll();
      this.line?.unexport();
    } catch {
      // already gone: nothing left to release
    }
  }

  private startWatching(reopened = false): void {
    // A failed line is watched again once it is reopened (check()).
    if (this.watching || this.closed || this.gone || !this.line) return;
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
        this.line?.unwatchAll();
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
