// One row of the benchmark table.
export interface BenchFigure {
  figure: string;
  value: number;
  unit: string;
  /** The floor the value is compared against (a bare process, a bare SQLite commit...). */
  floor?: number;
  /** value / floor. */
  ratio?: number;
  /** Human-readable target, e.g. "<= 1.5x" or "p99 <= 5 ms". */
  target?: string;
  verdict?: "pass" | "fail" | "info";
  /** Extra numbers (percentiles, counts) kept in results.json. */
  extra?: Record<string, unknown>;
}
