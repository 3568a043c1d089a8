import { describe, expect, it } from "vitest";
import { percentile, pressTimingError } from "../../bench/press-timing.js";

describe("press-timing error summary", () => {
  it("takes nearest-rank percentiles of the absolute error", () => {
    const samples = Array.from({ length: 200 }, (_, i) => ({
      commandedMs: 1000,
      classifiedMs: 1000 + (i % 2 === 0 ? 1 : -1) * (i / 100),
    }));
    const s = pressTimingError(samples);
    expect(s.count).toBe(200);
    expect(s.p50).toBeCloseTo(0.99, 10);
    expect(s.p99).toBeCloseTo(1.97, 10);
    expect(s.max).toBeCloseTo(1.99, 10);
  });

  it("handles the edges", () => {
    expect(percentile([], 50)).toBeNaN();
    expect(percentile([3], 0)).toBe(3);
    expect(percentile([1, 2, 3, 4], 100)).toBe(4);
    expect(pressTimingError([]).count).toBe(0);
  });
});
