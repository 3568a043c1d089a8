// Audit log benchmark: what one record() costs the event loop in each sync mode, that the disk
// use stays bounded over 10,000 events, and how long verify() and read() take on a full log.
// Run alone: `npx tsx bench/audit.ts` (or node on the compiled file); `npm run bench`
// calls benchAudit() with its own directory.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { type AuditLog, type AuditSyncMode, openAuditLog, verifyAuditDir } from "../daemon/audit/index.js";
import { systemClock } from "../daemon/clock.js";
import type { BenchFigure } from "./figure.js";
import { renderTable } from "./table.js";

const DEFAULT_MAX_FILE_BYTES = 1_048_576; // config schema defaults
const DEFAULT_KEEP_FILES = 8;

export async function benchAudit(opts: { dir: string }): Promise<BenchFigure[]> {
  fs.mkdirSync(opts.dir, { recursive: true });
  const figures: BenchFigure[] = [];
  for (const [sync, n] of [
    ["batched", 2000],
    ["every", 500],
    ["none", 2000],
  ] as const) {
    figures.push(...(await appendLatency(path.join(opts.dir, `latency-${sync}`), sync, n)));
  }
  figures.push(...bounded(path.join(opts.dir, "bounded")));
  figures.push(...fullLog(path.join(opts.dir, "full")));
  for (const sub of ["latency-batched", "latency-every", "latency-none", "bounded", "full"]) {
    fs.rmSync(path.join(opts.dir, sub), { recursive: true, force: true });
  }
  return figures;
}

/** A realistic entry: a classified press, the most frequent event. */
function recordOne(log: AuditLog, i: number): void {
  log.record("press", { tier: "credential", durationMs: 5000 + (i % 1000), boot: false, action: "reset" });
}

async function appendLatency(dir: string, sync: AuditSyncMode, n: number): Promise<BenchFigure[]> {
  const log = openAuditLog(dir, {
    maxFileBytes: DEFAULT_MAX_FILE_BYTES,
    keepFiles: DEFAULT_KEEP_FILES,
    clock: systemClock,
    sync,
  });
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    recordOne(log, i);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    // The daemon records between other work: let a batched fdatasync complete as it would there.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const flushStart = process.hrtime.bigint();
  await log.flush();
  const flushMs = Number(process.hrtime.bigint() - flushStart) / 1e6;
  log.close();
  ms.sort((a, b) => a - b);
  const extra = { entries: n, p90: pct(ms, 0.9), max: ms.at(-1), flushMs: round(flushMs) };
  const what = { batched: "write + async fdatasync", every: "write + fdatasync", none: "write only" }[sync];
  return [
    {
      figure: `audit record() p50, sync ${sync} (${what})`,
      value: pct(ms, 0.5),
      unit: "ms",
      verdict: "info",
      extra,
    },
    {
      figure: `audit record() p99, sync ${sync}`,
      value: pct(ms, 0.99),
      unit: "ms",
      verdict: "info",
      extra,
    },
  ];
}

function bounded(dir: string): BenchFigure[] {
  const maxFileBytes = 65_536;
  const keepFiles = 4;
  const log = openAuditLog(dir, { maxFileBytes, keepFiles, clock: systemClock, sync: "batched" });
  let peak = 0;
  let written = 0;
  for (let i = 0; i < 10_000; i++) {
    const before = log.head().seq;
    recordOne(log, i);
    written += log.head().seq - before;
    if (i % 250 === 0) peak = Math.max(peak, dirBytes(dir));
  }
  log.close();
  const bytes = dirBytes(dir);
  peak = Math.max(peak, bytes);
  const bound = keepFiles * maxFileBytes;
  const t0 = process.hrtime.bigint();
  const r = verifyAuditDir(dir);
  const verifyMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return [
    {
      figure: "audit disk use after 10,000 events (64 KiB x 4 files)",
      value: bytes,
      unit: "bytes",
      floor: bound,
      ratio: round(bytes / bound),
      target: "<= keepFiles x maxFileBytes",
      verdict: peak <= bound && r.ok ? "pass" : "fail",
      extra: {
        peakBytes: peak,
        entriesWritten: written,
        entriesKept: r.entries,
        files: fs.readdirSync(dir).length,
      },
    },
    {
      figure: `audit verify, ${Math.round(bytes / 1024)} KiB kept after 10,000 events`,
      value: round(verifyMs),
      unit: "ms",
      verdict: r.ok ? "info" : "fail",
      extra: { entries: r.entries },
    },
  ];
}

/** The largest log the default configuration keeps: what GET /v1/audit/verify costs at worst. */
function fullLog(dir: string): BenchFigure[] {
  const log = openAuditLog(dir, {
    maxFileBytes: DEFAULT_MAX_FILE_BYTES,
    keepFiles: DEFAULT_KEEP_FILES,
    clock: systemClock,
    sync: "none",
  });
  const limit = DEFAULT_MAX_FILE_BYTES * DEFAULT_KEEP_FILES;
  for (let i = 1; ; i++) {
    recordOne(log, i);
    if (i % 1000 === 0 && dirBytes(dir) >= limit - DEFAULT_MAX_FILE_BYTES / 2) break;
  }
  const t0 = process.hrtime.bigint();
  const read = log.read({ limit: 100 });
  const readMs = Number(process.hrtime.bigint() - t0) / 1e6;
  log.close();
  const t1 = process.hrtime.bigint();
  const r = verifyAuditDir(dir);
  const verifyMs = Number(process.hrtime.bigint() - t1) / 1e6;
  const mib = round(dirBytes(dir) / 1_048_576);
  return [
    {
      figure: `audit verify, full default log (${mib} MiB, ${DEFAULT_KEEP_FILES} files)`,
      value: round(verifyMs),
      unit: "ms",
      verdict: r.ok ? "info" : "fail",
      extra: { entries: r.entries, usPerEntry: round((verifyMs * 1000) / Math.max(1, r.entries)) },
    },
    {
      figure: "audit read newest 100, full default log",
      value: round(readMs),
      unit: "ms",
      verdict: read.length === 100 ? "info" : "fail",
    },
  ];
}

function dirBytes(dir: string): number {
  return fs.readdirSync(dir).reduce((sum, n) => sum + fs.statSync(path.join(dir, n)).size, 0);
}

function pct(sorted: number[], p: number): number {
  return round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "recoveryd-bench-audit-"));
  benchAudit({ dir })
    .then((figures) => {
      console.log(renderTable(figures));
      console.log(JSON.stringify(figures, null, 2));
    })
    .finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}
