// Finds the chip and line offsets on GPIO character devices from the helper's `list` output
// (GPIO_GET_CHIPINFO / GPIO_V2_GET_LINEINFO). Pure: text in, offsets or a GpioError out.
import { GpioError } from "../../daemon/errors.js";

export interface CdevChip {
  path: string;
  label: string;
  lines: number;
  /** Line name -> offset, for the named lines only. */
  names: Map<string, number>;
}

export function parseChipList(text: string): CdevChip[] {
  const chips = new Map<string, CdevChip>();
  for (const row of text.split("\n")) {
    const [kind, path, a, ...rest] = row.split(" ");
    if (!path || a === undefined) continue;
    if (kind === "chip") chips.set(path, { path, label: a, lines: Number(rest[0]), names: new Map() });
    else if (kind === "line") chips.get(path)?.names.set(rest.join(" "), Number(a));
  }
  // /dev/gpiochip2 before /dev/gpiochip10: "the first chip" is the lowest-numbered one.
  const num = (p: string) => Number(/(\d+)$/.exec(p)?.[1] ?? 0);
  return [...chips.values()].sort((x, y) => num(x.path) - num(y.path));
}

/** The chip labelled `label`, or the first chip when no label is configured. */
export function pickChip(chips: CdevChip[], label: string | undefined): CdevChip {
  const chip = label === undefined ? chips[0] : chips.find((c) => c.label === label);
  if (!chip) {
    const known = chips.map((c) => `${c.path} "${c.label}"`).join(", ") || "none";
    throw new GpioError(
      label === undefined
        ? "no GPIO character device (/dev/gpiochip*) found"
        : `no GPIO chip labelled "${label}" (found: ${known}); check gpio.chipLabel`,
    );
  }
  return chip;
}

/** Offset of a configured line: by its name when one is given, else the configured offset. */
export function lineOffset(
  chip: CdevChip,
  line: { line: number; name?: string | undefined },
  what: string,
): number {
  if (line.name !== undefined) {
    const offset = chip.names.get(line.name);
    if (offset === undefined)
      throw new GpioError(`${what}: no line named "${line.name}" on ${chip.path} "${chip.label}"`);
    return offset;
  }
  if (line.line >= chip.lines)
    throw new GpioError(
      `${what}: line ${line.line} is beyond ${chip.path} "${chip.label}" (${chip.lines} lines)`,
    );
  return line.line;
}
