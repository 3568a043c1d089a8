// `npm run bench`: every benchmark in one run. Writes bench/results.json (with the machine, Node
// version and date) and bench/press-timing.svg, and prints one table. Benchmarks, not tests:
// nothing here fails `npm test`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../test/rigs/support/daemon-process.js";
import { benchApiLoad } from "./api-load.js";
import { benchAudit } from "./audit.js";
import { pressErrorChart } from "./chart.js";
import { benchCredentials } from "./credentials.js";
import type { BenchFigure } from "./figure.js";
import { benchGrowth } from "./growth.js";
import { benchPressTiming, benchReleaseToDurable } from "./press.js";
import { benchStartup } from "./startup.js";
import { renderTable } from "./table.js";

export interface BenchOptions {
  /** Shorter runs for a smoke check (`npm run bench -- --quick`). */
  quick: boolean;
  outDir: string;
  /** Run only the sections whose name starts with this (`--only start-up`). */
  only?: string | undefined;
}

export async function runBenchmarks(opts: BenchOptions): Promise<BenchFigure[]> {
  const work = mkdtempSync(path.join(os.tmpdir(), "recoveryd-bench-"));
  const figures: BenchFigure[] = [];
  const section = async (name: string, fn: () => Promise<BenchFigure[]>) => {
    if (opts.only && !name.startsWith(opts.only)) return;
    process.stderr.write(`bench: ${name}...\n`);
    const t0 = performance.now();
    try {
      figures.push(...(await fn()));
    } catch (err) {
      // One broken section must not lose the others' numbers: it shows up in the table instead.
      process.stderr.write(`bench: ${name} FAILED: ${(err as Error).stack ?? String(err)}\n`);
      figures.push({
        figure: `${name}: FAILED`,
        value: Number.NaN,
        unit: "-",
        verdict: "fail",
        extra: { error: String(err) },
      });
    }
    process.stderr.write(`bench: ${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  };
  try {
    await section("start-up, memory, idle", () =>
      benchStartup(opts.quick ? { runs: 3, idleSeconds: 10 } : { runs: 10, idleSeconds: 60 }),
    );
    let idleErrors: number[] = [];
    let loadErrors: number[] = [];
    await section("press timing", async () => {
      const r = await benchPressTiming({ presses: opts.quick ? 30 : 200 });
      idleErrors = r.idleErrorsMs;
      loadErrors = r.loadErrorsMs;
      return r.figures;
    });
    await section("release -> durable first-boot", () => benchReleaseToDurable({ runs: opts.quick ? 3 : 8 }));
    await section("credentials and argon2", () => benchCredentials({ dir: path.join(work, "credentials") }));
    await section("API under a login flood", () => benchApiLoad());
    await section("growth", () => benchGrowth());
    await section("audit log", () => benchAudit({ dir: path.join(work, "audit") }));

    mkdirSync(opts.outDir, { recursive: true });
    if (!opts.only)
      writeFileSync(
        path.join(opts.outDir, "press-timing.svg"),
        pressErrorChart([
          { label: "idle", color: "#2b7bb9", errorsMs: idleErrors },
          { label: "4 logins hashing", color: "#d95f02", errorsMs: loadErrors },
        ]),
      );
    const results = {
      date: new Date().toISOString(),
      quick: opts.quick,
      machine: {
        platform: `${os.type()} ${os.release()} ${os.arch()}`,
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? "unknown",
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        loadAverageAtEnd: os.loadavg(),
      },
      node: process.version,
      figures,
      samples: { pressErrorIdleMs: idleErrors, pressErrorLoadMs: loadErrors },
    };
    // A partial run never overwrites the full results.
    const file = opts.only ? `results-${slug(opts.only)}.json` : "results.json";
    writeFileSync(path.join(opts.outDir, file), `${JSON.stringify(results, null, 2)}\n`);
    return figures;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function slug(s: string): string {
  return s.replace(/[^a-z0-9]+/gi, "-").toLowerCase();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes("--quick");
  const onlyAt = process.argv.indexOf("--only");
  const only = onlyAt > 0 ? process.argv[onlyAt + 1] : undefined;
  const outDir = path.join(repoRoot, "bench");
  runBenchmarks({ quick, outDir, only }).then(
    (figures) => {
      const file = only ? `results-${slug(only)}.json` : "results.json";
      process.stdout.write(`${renderTable(figures)}\n\nresults: ${path.join(outDir, file)}\n`);
    },
    (err: unknown) => {
      process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
