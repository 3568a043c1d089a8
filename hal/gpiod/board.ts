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
 * How late an edge may reach the event loop after the kernel stamped it (pipe + a busy loop); the
 * controller holds its deadlines back by this much (ButtonPort.deliveryLagMs). 100 ms of later LED
 * and buzzer feedback is not noticeable by hand; an edge later than this is clamped as before.
 */
export const GPIOD_DELIVERY_LAG_MS = 100;

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
  const button = new GpiodButton();
  const { log, clock } = opts;
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
