// The real board: button, LED and optional buzzer on sysfs GPIO lines through onoff.
import { existsSync } from "node:fs";
import path from "node:path";
import type { Clock } from "../../daemon/clock.js";
import type { Config } from "../../daemon/config/schema.js";
import { GpioError } from "../../daemon/errors.js";
import type { Logger } from "../../daemon/log.js";
import type { Board } from "../ports.js";
import { OnoffButton } from "./button.js";
import { DEFAULT_SYSFS_ROOT, globalNumber, resolveChip } from "./chip.js";
import { type GpioModule, loadOnoff } from "./gpio-module.js";
import { OnoffBuzzer, OnoffLed } from "./outputs.js";

export interface OnoffBoardOptions {
  clock: Clock;
  log: Logger;
  /** Default /sys/class/gpio. onoff itself always uses that path: change both together (tests). */
  sysfsRoot?: string | undefined;
  /** Default: the onoff package, imported on demand. */
  gpio?: GpioModule | undefined;
  /** Told when the LED or buzzer line fails (a GpioError) and when it works again (null). */
  onOutputFault?: ((part: "led" | "buzzer", err: GpioError | null) => void) | undefined;
}

/**
 * Never fails for a missing or unusable chip: every line starts as failed and is retried with
 * backoff (the button reports it through the press controller, the outputs through onOutputFault),
 * because the daemon's API must come up whatever the GPIO does.
 */
export async function createOnoffBoard(cfg: Config["gpio"], opts: OnoffBoardOptions): Promise<Board> {
  const root = opts.sysfsRoot ?? DEFAULT_SYSFS_ROOT;
  const gpio = opts.gpio ?? (await loadOnoff());
  const chipName = cfg.chipLabel === undefined ? "the first GPIO chip" : `chip "${cfg.chipLabel}"`;
  const resolver = (line: number, what: string) => () => {
    // Checked on every try: sysfs GPIO is a kernel option, and the message must say which.
    if (!existsSync(path.join(root, "export"))) {
      throw new GpioError(
        `sysfs GPIO is not available (${root}/export is missing): use board "gpiod" or enable CONFIG_GPIO_SYSFS`,
      );
    }
    return globalNumber(resolveChip(root, cfg.chipLabel), line, what);
  };
  if (cfg.button.bias !== "none") {
    // sysfs has no bias control; say so once instead of pretending the setting was applied.
    opts.log.info(
      { bias: cfg.button.bias },
      "button bias must come from the device tree: sysfs GPIO cannot set it",
    );
  }
  const onOutputFault = opts.onOutputFault ?? (() => {});

  const button = new OnoffButton({
    gpio,
    resolve: resolver(cfg.button.line, "gpio.button"),
    activeLow: cfg.button.activeLow,
    clock: opts.clock,
    where: `line ${cfg.button.line} of ${chipName}`,
    sysfsRoot: root,
    log: opts.log,
  });
  const led = new OnoffLed({
    gpio,
    resolve: resolver(cfg.led.line, "gpio.led"),
    activeLow: cfg.led.activeLow,
    what: "LED",
    onFault: (err) => onOutputFault("led", err),
    log: opts.log,
    sysfsRoot: root,
  });
  const buzzerCfg = cfg.buzzer;
  const buzzer = buzzerCfg
    ? new OnoffBuzzer({
        gpio,
        resolve: resolver(buzzerCfg.line, "gpio.buzzer"),
        activeLow: buzzerCfg.activeLow,
        what: "buzzer",
        onFault: (err) => onOutputFault("buzzer", err),
        log: opts.log,
        sysfsRoot: root,
      })
    : undefined;
  // The lines share one chip (gpio.chipLabel): the button, checked every second, is the first to
  // see it go or come back, and the outputs follow at once instead of at their next write or retry.
  const outputs = [led, ...(buzzer ? [buzzer] : [])];
  button.onError(() => {
    for (const o of outputs) o.verify();
  });
  button.onRecover(() => {
    for (const o of outputs) o.retryNow();
  });
  try {
    const chip = resolveChip(root, cfg.chipLabel);
    opts.log.info({ chip: chip.name, label: chip.label, base: chip.base }, "GPIO board ready");
  } catch (err) {
    opts.log.warn({ error: (err as Error).message }, "GPIO board started without its chip: retrying");
  }
  const parts = [button, led, ...(buzzer ? [buzzer] : [])];
  return {
    kind: "onoff",
    button,
    led,
    buzzer,
    async close() {
      for (const part of parts.reverse()) await part.close();
    },
  };
}
