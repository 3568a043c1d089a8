// Prints the benchmark figures as one table.
import type { BenchFigure } from "./figure.js";

function fmt(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return "-";
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

export function renderTable(figures: BenchFigure[]): string {
  const rows = [
    ["figure", "value", "unit", "floor", "ratio", "target", "verdict"],
    ...figures.map((f) => [
      f.figure,
      fmt(f.value),
      f.unit,
      fmt(f.floor),
      f.ratio === undefined ? "-" : `${fmt(f.ratio)}x`,
      f.target ?? "-",
      f.verdict ?? "info",
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  const sep = `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`;
  return [line(rows[0] ?? []), sep, ...rows.slice(1).map(line)].join("\n");
}
