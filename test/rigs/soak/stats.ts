// Pure helpers of the soak tool: least-squares slope and the warm-up cut.

export interface Point {
  /** Minutes since the soak started. */
  min: number;
  value: number;
}

/** Least-squares slope of value over minutes; NaN with fewer than two points. */
export function slopePerMinute(points: readonly Point[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, p) => s + p.min, 0) / n;
  const my = points.reduce((s, p) => s + p.value, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.min - mx) * (p.value - my);
    den += (p.min - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

/** The samples at or after the warm-up. */
export function afterWarmup<T extends Point>(points: readonly T[], warmupMin: number): T[] {
  return points.filter((p) => p.min >= warmupMin);
}

/** The sample closest to `min` minutes (for the 5/30/60-minute figures). */
export function at<T extends Point>(points: readonly T[], min: number): T | undefined {
  let best: T | undefined;
  for (const p of points) if (!best || Math.abs(p.min - min) < Math.abs(best.min - min)) best = p;
  return best;
}
