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

/** A chip the helper could not open ("unreadable <path> <errno>"), e.g. EACCES for a non-root daemon. */
export interface UnreadableChip {
  path: string;
  errno: number;
}

const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM (operation not permitted)",
  13: "EACCES (permission denied)",
  16: "EBUSY (device busy)",
};

export function parseUnreadable(text: string): UnreadableChip[] {
  return text
    .split("\n")
    .map((row) => row.split(" "))
    .filter(([kind, path, errno]) => kind === "unreadable" && path && errno)
    .map(([, path, errno]) => ({ path: path as string, errno: Number(errno) }));
}

/**
 * The chip labelled `label`, or the first chip when no label is configured. Chips that could not
 * be opened are named with their errno: a chip hidden by its permissions is otherwise reported as
 * a wrong label, and the operator would look in the config instead of at /dev.
 */
export function pickChip(
  chips: CdevChip[],
  label: string | undefined,
  unreadable: UnreadableChip[] = [],
): CdevChip {
  const chip = label === undefined ? chips[0] : chips.find((c) => c.label === label);
  if (!chip) {
    const known = chips.map((c) => `${c.path} "${c.label}"`).join(", ") || "none";
    const closed = unreadable
      .map((u) => `${u.path} could not be opened: ${ERRNO_NAMES[u.errno] ?? `errno ${u.errno}`}`)
      .join(", ");
    const base =
      label === undefined
        ? "no GPIO character device (/dev/gpiochip*) found"
        : `no GPIO chip labelled "${label}" (found: ${known})`;
    throw new GpioError(
      closed
        ? `${base}; ${closed}: check the device's owner and mode (the daemon's user needs read-write)`
        : label === undefined
          ? base
          : `${base}; check gpio.chipLabel`,
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
