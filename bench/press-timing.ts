// Press-timing error: the hold a client commanded (its own CLOCK_MONOTONIC send times of "down"
// and "up" on the sim socket) against the hold the press engine classified. The benchmark that
// drives the daemon collects the samples; these helpers turn them into the reported figures.

export interface PressTimingSample {
  commandedMs: number;
  classifiedMs: number;
}

export interface TimingSummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile (p in 0..100) of already sorted values; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

export function summarize(values: readonly number[]): TimingSummary {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((s, v) => s + v, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
  };
}

/** Absolute error |classified - commanded| per press, summarised (ms). */
export function pressTimingError(samples: readonly PressTimingSample[]): TimingSummary {
  return summarize(samples.map((s) => Math.abs(s.classifiedMs - s.commandedMs)));
}
