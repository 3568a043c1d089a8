// Resolves a GPIO chip in sysfs and turns line offsets into global sysfs numbers. Kernels since
// 6.6 number sysfs GPIOs from a dynamic base (512 and up; 571 on a Pi 5) instead of 0, so the
// configured line offset is added to the chip's `base` read from /sys/class/gpio/gpiochip*/.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { GpioError } from "../../daemon/errors.js";

export const DEFAULT_SYSFS_ROOT = "/sys/class/gpio";

export interface GpioChip {
  /** Directory name, e.g. "gpiochip512". */
  name: string;
  base: number;
  ngpio: number;
  label: string;
}

export function listChips(sysfsRoot: string): GpioChip[] {
  let names: string[];
  try {
    names = readdirSync(sysfsRoot).filter((n) => /^gpiochip\d+$/.test(n));
  } catch (err) {
    throw new GpioError(`cannot list GPIO chips in ${sysfsRoot}: ${(err as Error).message}`);
  }
  const chips = names.map((name) => {
    const dir = path.join(sysfsRoot, name);
    const read = (f: string) => readFileSync(path.join(dir, f), "utf8").trim();
    try {
      return {
        name,
        base: toInt(read("base"), `${dir}/base`),
        ngpio: toInt(read("ngpio"), `${dir}/ngpio`),
        label: read("label"),
      };
    } catch (err) {
      if (err instanceof GpioError) throw err;
      throw new GpioError(`cannot read GPIO chip ${dir}: ${(err as Error).message}`);
    }
  });
  return chips.sort((a, b) => a.base - b.base);
}

/** The chip with `label`, or the lowest-based chip when no label is configured. */
export function resolveChip(sysfsRoot: string, label: string | undefined): GpioChip {
  const chips = listChips(sysfsRoot);
  const chip = label === undefined ? chips[0] : chips.find((c) => c.label === label);
  if (!chip) {
    const known = chips.map((c) => `${c.name} "${c.label}" base ${c.base}`).join(", ") || "none";
    throw new GpioError(
      label === undefined
        ? `no GPIO chip in ${sysfsRoot}`
        : `no GPIO chip labelled "${label}" in ${sysfsRoot} (found: ${known}); check gpio.chipLabel`,
    );
  }
  return chip;
}

/** Global sysfs number of a line offset on `chip`. */
export function globalNumber(chip: GpioChip, line: number, what: string): number {
  if (line >= chip.ngpio) {
    throw new GpioError(
      `${what}: line ${line} is beyond chip ${chip.name} "${chip.label}" (${chip.ngpio} lines)`,
    );
  }
  return chip.base + line;
}

function toInt(text: string, where: string): number {
  const n = Number.parseInt(text, 10);
  if (!Number.isInteger(n) || n < 0 || String(n) !== text)
    throw new GpioError(`${where}: not a number: "${text}"`);
  return n;
}
