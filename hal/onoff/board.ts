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
}

export async function createOnoffBoard(cfg: Config["gpio"], opts: OnoffBoardOptions): Promise<Board> {
  const root = opts.sysfsRoot ?? DEFAULT_SYSFS_ROOT;
  if (!existsSync(path.join(root, "export"))) {
    throw new GpioError(
      `sysfs GPIO is not available (${root}/export is missing): use board "sim" or enable CONFIG_GPIO_SYSFS`,
    );
  }
  const chip = resolveChip(root, cfg.chipLabel);
  const gpio = opts.gpio ?? (await loadOnoff());
  const where = (line: number) => `chip "${chip.label}" base ${chip.base} line ${line}`;
  if (cfg.button.bias !== "none") {
    // sysfs has no bias control; say so once instead of pretending the setting was applied.
    opts.log.info(
      { bias: cfg.button.bias },
      "button bias must come from the device tree: sysfs GPIO cannot set it",
    );
  }
  const onOutputError = (err: GpioError) => opts.log.error({ err }, "GPIO output failed");

  const opened: { close(): Promise<void> }[] = [];
  try {
    const button = new OnoffButton({
      gpio,
      number: globalNumber(chip, cfg.button.line, "gpio.button"),
      activeLow: cfg.button.activeLow,
      clock: opts.clock,
      where: where(cfg.button.line),
      sysfsRoot: root,
      log: opts.log,
      // After the chip comes back (re-probed, perhaps at another base) the line is found again.
      resolve: () => globalNumber(resolveChip(root, cfg.chipLabel), cfg.button.line, "gpio.button"),
    });
    opened.push(button);
    const led = new OnoffLed({
      gpio,
      number: globalNumber(chip, cfg.led.line, "gpio.led"),
      activeLow: cfg.led.activeLow,
      what: "LED",
      onError: onOutputError,
      log: opts.log,
    });
    opened.push(led);
    const buzzer = cfg.buzzer
      ? new OnoffBuzzer({
          gpio,
          number: globalNumber(chip, cfg.buzzer.line, "gpio.buzzer"),
          activeLow: cfg.buzzer.activeLow,
          what: "buzzer",
          onError: onOutputError,
          log: opts.log,
        })
      : undefined;
    if (buzzer) opened.push(buzzer);
    opts.log.info({ chip: chip.name, label: chip.label, base: chip.base }, "GPIO board ready");
    return {
      kind: "onoff",
      button,
      led,
      buzzer,
      async close() {
        for (const part of opened.reverse()) await part.close();
      },
    };
  } catch (err) {
    for (const part of opened.reverse()) await part.close();
    throw err;
  }
}
