// What the driver found: one KCASE line per case, the KSUMMARY, and the results file run.sh keeps.
import { writeFileSync } from "node:fs";

const results = [];
/** onoff's JS-stamp errors that made a case retry (NaN: a press lost inside one callback). */
export const drift = [];

export function report(backend, name, ok, fields) {
  const r = { backend, case: name, ok, ...fields };
  results.push(r);
  const f = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === "number" ? v.toFixed(1) : v}`)
    .join(" ");
  console.log(`KCASE ${ok ? "ok  " : "FAIL"} ${backend.padEnd(5)} ${name.padEnd(22)} ${f}`);
}

/** Prints the KSUMMARY; returns how many cases failed. */
export function summary() {
  const failed = results.filter((r) => !r.ok).length;
  console.log(
    `KSUMMARY ${results.length - failed}/${results.length} cases ok; onoff retries for JS-stamp drift or lost pairs: ${drift.length} (${drift.map((x) => x.toFixed(0)).join(" ")})`,
  );
  return failed;
}

export function writeResults(file, bench) {
  writeFileSync(file, JSON.stringify({ cases: results, onoffDrift: drift, bench }, null, 2));
}

/** Percentiles of |error| and the signed median. */
export function stats(errs) {
  const abs = errs.map(Math.abs).sort((x, y) => x - y);
  const signed = [...errs].sort((x, y) => x - y);
  const at = (arr, q) => arr[Math.min(arr.length - 1, Math.floor(q * arr.length))] ?? Number.NaN;
  return {
    n: errs.length,
    p50: at(abs, 0.5),
    p99: at(abs, 0.99),
    max: abs.at(-1) ?? Number.NaN,
    median: at(signed, 0.5),
  };
}
