// The store-rebuild hold (a technician at the recorder) removes a broken store and restarts the
// daemon. The setup window that physical act earned must survive that restart, and nothing else
// may open it at boot: the hold leaves this small intent file, the next start consumes it.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Clock, elapsedMs, instantOf } from "../clock.js";
import type { Logger } from "../log.js";

export const REBUILT_INTENT = "store-rebuilt.intent";

export function writeRebuiltIntent(dir: string, clock: Clock): void {
  writeFileSync(path.join(dir, REBUILT_INTENT), `${JSON.stringify(instantOf(clock))}\n`, { mode: 0o600 });
}

/** Window time left from the rebuild hold (ms), or null when there was none (or it ran out). */
export function consumeRebuiltIntent(
  dir: string,
  clock: Clock,
  log: Logger,
  windowMs: number,
): number | null {
  const file = path.join(dir, REBUILT_INTENT);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return null;
  }
  rmSync(file, { force: true });
  try {
    const at = JSON.parse(text) as { wall: number; mono: number; bootId: string };
    if (typeof at.wall !== "number" || typeof at.mono !== "number" || typeof at.bootId !== "string")
      return null;
    const now = instantOf(clock);
    if (at.wall > now.wall + 60_000) return null;
    const left = windowMs - elapsedMs(at, now);
    return left > 0 ? left : null;
  } catch {
    log.warn({ event: "rebuilt-intent-invalid" }, "store-rebuilt intent unreadable: window stays closed");
    return null;
  }
}
