// Hold durations on the command line: "7s", "1.5s", "7000ms", "7000" (milliseconds).
import { UsageError } from "./exit.js";

/** Longer than any tier: a press beyond this is a typo, not a test. */
export const MAX_DURATION_MS = 10 * 60_000;

export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?|\.\d+)(ms|s)?$/.exec(text.trim());
  if (!m) throw new UsageError(`"${text}" is not a duration (examples: 7s, 1.5s, 7000ms, 7000)`);
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
