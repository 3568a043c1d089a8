// LED and buzzer on sysfs GPIO output lines. Blinking patterns run a timer only while they are
// shown; steady ones are one write. Write failures are reported, never thrown into the caller.
import { GpioError } from "../../daemon/errors.js";
import { type Player, playSteps } from "../pattern-player.js";
import { BUZZER_WAVES, LED_WAVES } from "../patterns.js";
import type { BuzzerPattern, BuzzerPort, LedPattern, LedPort } from "../ports.js";
import type { GpioLine, GpioModule } from "./gpio-module.js";

export interface OutputOptions {
  gpio: GpioModule;
  number: number;
  activeLow: boolean;
  what: string;
  onError: (err: GpioError) => void;
}

/** One output line, switched by logical level (polarity applied here, as for the button). */
class OutputLine {
  private readonly line: GpioLine;
  private closed = false;

  constructor(private readonly opts: OutputOptions) {
    // Created at its "off" level, so a fresh export does not flash the LED or click the buzzer.
    const offDirection = opts.activeLow ? "high" : "low";
    try {
      this.line = new opts.gpio.Gpio(opts.number, offDirection, "none", { activeLow: false });
    } catch (err) {
      throw new GpioError(`cannot open the ${opts.what} GPIO ${opts.number}: ${(err as Error).message}`);
    }
  }

  write(on: boolean): void {
    if (this.closed) return;
    this.line.writeSync(on !== this.opts.activeLow ? 1 : 0);
  }

  report(err: unknown): void {
    this.opts.onError(
      new GpioError(`${this.opts.what} GPIO ${this.opts.number} write failed: ${(err as Error).message}`),
    );
  }

  close(): void {
    if (this.closed) return;
    try {
      this.write(false);
      this.line.unexport();
    } catch {
      // already gone
    }
    this.closed = true;
  }
}

export class OnoffLed implements LedPort {
  private readonly out: OutputLine;
  private current: LedPattern = "off";
  private player: Player | null = null;

  constructor(opts: OutputOptions) {
    this.out = new OutputLine(opts);
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
      try {
        this.out.write(wave.steps[0]?.on ?? false);
      } catch (err) {
        this.out.report(err);
      }
      return;
    }
    this.player = playSteps(
      wave.steps,
      true,
      (on) => this.out.write(on),
      (err) => this.out.report(err),
    );
  }

  async close(): Promise<void> {
    this.player?.stop();
    this.player = null;
    this.out.close();
  }
}

export class OnoffBuzzer implements BuzzerPort {
  private readonly out: OutputLine;
  private player: Player | null = null;

  constructor(opts: OutputOptions) {
    this.out = new OutputLine(opts);
  }

  /** A new sound cuts the one playing. */
  play(pattern: BuzzerPattern): void {
    this.player?.stop();
    this.player = playSteps(
      BUZZER_WAVES[pattern].steps,
      false,
      (on) => this.out.write(on),
      (err) => this.out.report(err),
    );
  }

  async close(): Promise<void> {
    this.player?.stop();
    this.player = null;
    this.out.close();
  }
}
