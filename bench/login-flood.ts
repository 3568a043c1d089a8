// Memory and refusals of 20 concurrent logins under the hashing limit, each run in a fresh
// process so the figure is this flood's memory, not whatever the benchmark process hashed before.
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Config, configSchema } from "../daemon/config/schema.js";
import { mb, openBenchAccounts, PASSWORD, round } from "./bench-accounts.js";
import type { BenchFigure } from "./figure.js";

interface FloodResult {
  rssAtOpenMiB: number;
  peakMiB: number;
  afterMiB: number;
  peakHashesRunning: number;
  ok: number;
  refused: number;
  allLoginsMs: number;
}

/**
 * Runs in a fresh process (see the bottom of this file) so the figure is this flood's memory,
 * not whatever the benchmark process hashed before: setup, then 20 logins at once (the owner and
 * 19 unknown names, which cost the same verify), sampling RSS every 2 ms.
 */
async function flood(dir: string, config: Config): Promise<FloodResult> {
  const accounts = await openBenchAccounts(dir, config);
  try {
    const rssAtOpen = process.memoryUsage().rss;
    await accounts.setup({ username: "owner", password: PASSWORD });
    let peak = process.memoryUsage().rss;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 2);
    const t0 = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => accounts.login(i === 0 ? "owner" : `user${i}`, PASSWORD)),
    );
    const ms = performance.now() - t0;
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    const busy = results.filter(
      (r) => r.status === "rejected" && (r.reason as { status?: number }).status === 429,
    ).length;
    return {
      rssAtOpenMiB: mb(rssAtOpen),
      peakMiB: mb(peak),
      afterMiB: mb(process.memoryUsage().rss),
      peakHashesRunning: accounts.hasher.limiter.stats.peakRunning,
      ok: 20 - busy,
      refused: busy,
      allLoginsMs: round(ms, 0),
    };
  } finally {
    accounts.close();
  }
}

const FLOOD_CHILD = "--flood-child";

function floodInChild(dir: string, config: Config, env: Record<string, string>): Promise<FloodResult> {
  const args = [
    ...process.execArgv,
    fileURLToPath(import.meta.url),
    FLOOD_CHILD,
    dir,
    JSON.stringify(config),
  ];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env: { ...process.env, ...env } }, (err, stdout) => {
      if (err) reject(err);
      else resolve(JSON.parse(stdout) as FloodResult);
    });
  });
}

export async function floodFigures(dir: string, base: Config): Promise<BenchFigure[]> {
  const config = configSchema.parse({ ...base, argon2: { ...base.argon2, calibrate: false } });
  const out: BenchFigure[] = [];
  // glibc keeps a freed argon2 block in each thread's malloc arena: with libuv's 4 threads that
  // is up to 4 x m of RSS even when only one hash runs at a time. One arena keeps one block.
  for (const [label, env] of [
    ["default malloc", {}],
    ["MALLOC_ARENA_MAX=1", { MALLOC_ARENA_MAX: "1" }],
  ] as const) {
    const r = await floodInChild(path.join(dir, label.replace(/\W+/g, "-")), config, env);
    out.push({
      figure: `peak RSS, 20 concurrent logins, maxConcurrent ${config.argon2.maxConcurrent} (${label})`,
      value: r.peakMiB,
      unit: "MiB",
      floor: r.rssAtOpenMiB,
      ratio: round(r.peakMiB / r.rssAtOpenMiB),
      target: "floor: RSS right after open",
      verdict: "info",
      extra: { ...r },
    });
  }
  return out;
}

if (
  process.argv[1] &&
  import.meta.url === pathToFileURL(process.argv[1]).href &&
  process.argv[2] === FLOOD_CHILD
) {
  const [dir = "", configJson = "{}"] = process.argv.slice(3);
  flood(dir, JSON.parse(configJson) as Config).then((r) => process.stdout.write(JSON.stringify(r)));
}
