// The real board on a GPIO character device (uAPI v2) through the recoveryd-gpio helper: button
// edges carry the kernel's CLOCK_MONOTONIC stamps, so a hold is timed from the interrupt and not
// from whenever the event loop got round to it. LED and buzzer are output lines of the same request.
import type { Clock } from "../../daemon/clock.js";
import type { Config } from "../../daemon/config/schema.js";
import { GpioError } from "../../daemon/errors.js";
import type { Logger } from "../../daemon/log.js";
import { type Player, playSteps } from "../pattern-player.js";
import { BUZZER_WAVES, LED_WAVES } from "../patterns.js";
import type {
  Board,
  ButtonEdge,
  ButtonPort,
  BuzzerPattern,
  BuzzerPort,
  LedPattern,
  LedPort,
} from "../ports.js";
import { findHelper } from "./helper-path.js";
import { HelperLink } from "./link.js";

export interface GpiodBoardOptions {
  clock: Clock;
  log: Logger;
}

/**
 * Between the kernel's stamp and the event reaching its queue (gpio-sim raises edges from irq_work).
 * Everything after that (helper, pipe, event loop) is covered by the sync at each deadline, for as
 * long as it takes: a fixed allowance (100 ms before) was overtaken on a loaded machine, and a
 * 4.9 s hold became a credential reset timed 5343 ms (kernel test, gpiod hold 4.9 s).
 */
export const GPIOD_DELIVERY_LAG_MS = 10;

class GpiodButton implements ButtonPort {
  readonly deliveryLagMs = GPIOD_DELIVERY_LAG_MS;
  readonly edgeListeners: ((e: ButtonEdge) => void)[] = [];
  readonly errorListeners: ((e: Error) => void)[] = [];
  readonly recoverListeners: (() => void)[] = [];
  /** Last logical level seen; null while the line is down. */
  level: boolean | null = null;
  downError: GpioError | null = null;

  isPressed(): boolean {
    if (this.level === null) throw this.downError ?? new GpioError("the button line is not open");
    return this.level;
  }
  onEdge(listener: (edge: ButtonEdge) => void): void {
    this.edgeListeners.push(listener);
  }
  onError(listener: (err: Error) => void): void {
    this.errorListeners.push(listener);
  }
  onRecover(listener: () => void): void {
    this.recoverListeners.push(listener);
  }
  constructor(private readonly clock: Clock) {}
  /** Set once the helper link exists. */
  link: HelperLink | null = null;
  sync(done: (watermarkMs: number | null) => void): void {
    if (!this.link) {
      done(null);
      return;
    }
    this.link.sync(
      () => BigInt(Math.round(this.clock.monotonic() * 1e6)),
      (ns) => done(ns === null ? null : Number(ns) / 1e6),
    );
  }
  emit(edge: ButtonEdge): void {
    if (edge.pressed === this.level) return; // the kernel reports edges; a repeat is not one
    this.level = edge.pressed;
    for (const fn of this.edgeListeners) fn(edge);
  }
  async close(): Promise<void> {}
}

class Output {
  private player: Player | null = null;
  constructor(
    private readonly write: (on: boolean) => void,
    private readonly onError: (err: unknown) => void,
  ) {}
  play(steps: Parameters<typeof playSteps>[0], loop: boolean, steady: boolean): void {
    this.stop();
    if (steady) {
      this.write(steps[0]?.on ?? false);
      return;
    }
    this.player = playSteps(steps, loop, this.write, this.onError);
  }
  stop(): void {
    this.player?.stop();
    this.player = null;
  }
}

export async function createGpiodBoard(cfg: Config["gpio"], opts: GpiodBoardOptions): Promise<Board> {
  const helper = findHelper(cfg.helper);
  const { log, clock } = opts;
  const button = new GpiodButton(clock);
  let downSince: number | null = null;
  const link = new HelperLink(helper, cfg, log, {
    onUp(pressed) {
      const recovered = downSince !== null;
      if (downSince !== null)
        log.info({ downMs: Math.round(clock.monotonic() - downSince) }, "GPIO chip works again");
      downSince = null;
      button.downError = null;
      if (recovered) for (const fn of button.recoverListeners) fn();
      if (button.level === null) {
        // After a failure the press engine counts the button as released: a button that is down
        // now is a fresh press from now (the kernel has no stamp for an edge it did not see).
        // Before the controller arms, it reads the level itself (a boot hold).
        if (pressed && armed) {
          button.level = false;
          button.emit({ pressed: true, atMs: clock.monotonic() });
        } else button.level = pressed;
      }
    },
    onEdge(pressed, ns) {
      button.emit({ pressed, atMs: Number(ns) / 1e6 });
    },
    onDown(err, retryInMs) {
      const first = downSince === null;
      if (first) downSince = clock.monotonic();
      button.level = null;
      button.downError = err;
      if (first) {
        log.error({ err, retryInMs }, "GPIO button line failed: retrying with backoff");
        for (const fn of button.errorListeners) fn(err);
      } else log.warn({ error: err.message, retryInMs }, "GPIO chip still unusable");
    },
  });
  button.link = link;
  let armed = false;
  await link.start();
  armed = true;

  const offsets = () => link.offsets;
  const outputError = (what: string) => (err: unknown) =>
    log.error(
      { err: new GpioError(`${what} GPIO write failed: ${(err as Error).message}`) },
      "GPIO output failed",
    );
  const ledOut = new Output((on) => {
    const o = offsets();
    if (o) link.set(o.led, on);
  }, outputError("LED"));
  let ledPattern: LedPattern = "off";
  const led: LedPort = {
    get pattern() {
      return ledPattern;
    },
    set(pattern) {
      ledPattern = pattern;
      const wave = LED_WAVES[pattern];
      ledOut.play(wave.steps, true, wave.steady);
    },
    async close() {
      ledOut.stop();
    },
  };
  let buzzer: BuzzerPort | undefined;
  if (cfg.buzzer) {
    const out = new Output((on) => {
      const o = offsets();
      if (o?.buzzer !== undefined) link.set(o.buzzer, on);
    }, outputError("buzzer"));
    buzzer = {
      play(pattern: BuzzerPattern) {
        out.play(BUZZER_WAVES[pattern].steps, false, false);
      },
      async close() {
        out.stop();
      },
    };
  }
  if (link.isUp)
    log.info({ chip: link.offsets?.chip, lines: link.offsets }, "GPIO board ready (character device)");
  let closed = false;
  return {
    kind: "gpiod",
    button,
    led,
    buzzer,
    async close() {
      if (closed) return;
      closed = true;
      await led.close();
      await buzzer?.close();
      await link.close();
    },
  };
}
