// LED and buzzer on sysfs GPIO output lines. Blinking patterns run a timer only while they are
// shown; steady ones are one write. Write failures are faults with a retry, never thrown into the caller.
import { existsSync } from "node:fs";
import path from "node:path";
import { GpioError } from "../../daemon/errors.js";
import type { Logger } from "../../daemon/log.js";
import { type Player, playSteps } from "../pattern-player.js";
import { BUZZER_WAVES, LED_WAVES } from "../patterns.js";
import type { BuzzerPattern, BuzzerPort, LedPattern, LedPort } from "../ports.js";
import {
  describeOpenError,
  FIRST_REOPEN_MS,
  type GpioLine,
  type GpioModule,
  MAX_REOPEN_MS,
} from "./gpio-module.js";

export interface OutputOptions {
  gpio: GpioModule;
  /** The line's global number now (chip looked up by label); throws a GpioError while it is missing. */
  resolve: () => number;
  activeLow: boolean;
  what: string;
  /** A GpioError when the line becomes unusable, null when it works again (status and audit). */
  onFault: (err: GpioError | null) => void;
  /** Each failure is logged with the delay to the next try; the recovery too. */
  log?: Logger | undefined;
  /** sysfs root (/sys/class/gpio): verify() looks for the line's node there. */
  sysfsRoot?: string | undefined;
}

/** What the board can ask of an output line beside its pattern. */
export interface OutputHealth {
  /**
   * Checks the line is still there. A steady LED or a silent buzzer writes nothing, so without
   * this a removed chip was noticed only at the next write, and the first beep after the chip came
   * back went to the dead line (kernel rig: the buzzer line never moved).
   */
  verify(): void;
  /** A line that is down is tried again now (the button saw the chip come back). */
  retryNow(): void;
}

/**
 * One output line, switched by logical level (polarity applied here, as for the button). A line
 * that cannot be opened (chip missing, busy: held by another process, no permission) or whose
 * write fails (the chip was removed) does not stop the daemon: writes only record the wanted level,
 * and the open is retried with backoff (1 s doubling to 10 s), the chip looked up again each time
 * (it may come back at another base); once it opens, the wanted level is applied.
 */
class OutputLine implements OutputHealth {
  private line: GpioLine | null = null;
  private number: number | null = null;
  private closed = false;
  private wanted = false;
  private retryMs = FIRST_REOPEN_MS;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private downSince = 0;

  constructor(private readonly opts: OutputOptions) {
    try {
      this.line = this.open();
    } catch (err) {
      this.lost(err as GpioError);
    }
  }

  private open(): GpioLine {
    const number = this.opts.resolve();
    this.number = number;
    // Created at its "off" level, so a fresh export does not flash the LED or click the buzzer.
    const offDirection = this.opts.activeLow ? "high" : "low";
    try {
      return new this.opts.gpio.Gpio(number, offDirection, "none", { activeLow: false });
    } catch (err) {
      throw new GpioError(`cannot open the ${this.opts.what} GPIO ${number}: ${describeOpenError(err)}`);
    }
  }

  private lost(err: GpioError): void {
    try {
      this.line?.unexport();
    } catch {
      // the node is gone with its chip
    }
    this.line = null;
    this.downSince = Date.now();
    this.retryMs = FIRST_REOPEN_MS;
    this.opts.log?.error(
      { err, retryInMs: this.retryMs },
      `GPIO ${this.opts.what} line failed: retrying with backoff`,
    );
    this.opts.onFault(err);
    this.scheduleRetry();
  }

  verify(): void {
    if (this.closed || !this.line || this.number === null || this.opts.sysfsRoot === undefined) return;
    if (existsSync(path.join(this.opts.sysfsRoot, `gpio${this.number}`, "value"))) return;
    this.lost(new GpioError(`${this.opts.what} GPIO ${this.number} vanished: the chip was removed`));
  }

  retryNow(): void {
    if (this.closed || this.line || !this.retryTimer) return;
    clearTimeout(this.retryTimer);
    this.retry();
  }

  private scheduleRetry(): void {
    this.retryTimer = setTimeout(() => this.retry(), this.retryMs);
    this.retryTimer.unref?.();
  }

  private retry(): void {
    this.retryTimer = null;
    if (this.closed) return;
    try {
      this.line = this.open();
    } catch (err) {
      this.retryMs = Math.min(MAX_REOPEN_MS, this.retryMs * 2);
      this.opts.log?.warn(
        { error: (err as Error).message, retryInMs: this.retryMs },
        `GPIO ${this.opts.what} line still unusable`,
      );
      this.scheduleRetry();
      return;
    }
    this.opts.log?.info(
      { gpio: this.number, downMs: Date.now() - this.downSince },
      `GPIO ${this.opts.what} line works again`,
    );
    this.opts.onFault(null);
    if (this.wanted) this.write(true);
  }

  /** Never throws: a failed write marks the line lost (reopened with backoff). */
  write(on: boolean): void {
    if (this.closed) return;
    this.wanted = on;
    if (!this.line) return;
    try {
      this.line.writeSync(on !== this.opts.activeLow ? 1 : 0);
    } catch (err) {
      this.lost(
        new GpioError(`${this.opts.what} GPIO ${this.number} write failed: ${(err as Error).message}`),
      );
    }
  }

  close(): void {
    if (this.closed) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    try {
      this.line?.writeSync(this.opts.activeLow ? 1 : 0);
      this.line?.unexport();
    } catch {
      // already gone
    }
    this.closed = true;
  }
}

export class OnoffLed implements LedPort, OutputHealth {
  private readonly out: OutputLine;
  private current: LedPattern = "off";
  private player: Player | null = null;

  constructor(opts: OutputOptions) {
    this.out = new OutputLine(opts);
  }

  verify(): void {
    this.out.verify();
  }

  retryNow(): void {
    this.out.retryNow();
  }

  get pattern(): LedPattern {
    return this.current;
  }

  set(pattern: LedPattern): void {
    this.current = pattern;
    this.player?.stop();
    this.player = null;
    const wave = LED_WAVES[pattern];
    if (wave.steady) {
      this.out.write(wave.steps[0]?.on ?? false);
      return;
    }
    // A lost line keeps the pattern's timing: it resumes in step when the line is back.
    this.player = playSteps(
      wave.steps,
      true,
      (on) => this.out.write(on),
      () => {},
    );
  }

  async close(): Promise<void> {
    this.player?.stop();
    this.player = null;
    this.out.close();
  }
}

export class OnoffBuzzer implements BuzzerPort, OutputHealth {
  private readonly out: OutputLine;
  private player: Player | null = null;

  constructor(opts: OutputOptions) {
    this.out = new OutputLine(opts);
  }

  verify(): void {
    this.out.verify();
  }

  retryNow(): void {
    this.out.retryNow();
  }

  /** A new sound cuts the one playing. */
  play(pattern: BuzzerPattern): void {
    this.player?.stop();
    this.player = playSteps(
      BUZZER_WAVES[pattern].steps,
      false,
      (on) => this.out.write(on),
      () => {},
    );
  }

  async close(): Promise<void> {
    this.player?.stop();
    this.player = null;
    this.out.close();
  }
}
