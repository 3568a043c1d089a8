// Hold durations on the command line: "7s", "1.5s", "7000ms". A unit is required: a bare "7" once
// meant 7 ms, which nobody typing `sim press 7` expects.
import { UsageError } from "./exit.js";

/** Longer than any tier: a press beyond this is a typo, not a test. */
export const MAX_DURATION_MS = 10 * 60_000;

export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^(\d+(?:\.\d+)?|\.\d+)$/.test(trimmed)) {
    const asMs = Math.round(Number(trimmed) * 1000);
    throw new UsageError(`duration "${trimmed}" needs a unit: write ${trimmed}s or ${asMs}ms`);
  }
  const m = /^(\d+(?:\.\d+)?|\.\d+)(ms|s)$/.exec(trimmed);
  if (!m) throw new UsageError(`"${text}" is not a duration (examples: 7s, 1.5s, 7000ms)`);
  const value = Number(m[1]);
  const ms = m[2] === "s" ? value * 1000 : value;
  if (!Number.isFinite(ms) || ms > MAX_DURATION_MS) {
    throw new UsageError(`duration ${text} is longer than ${MAX_DURATION_MS / 1000} s`);
  }
  return Math.round(ms * 1000) / 1000;
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
