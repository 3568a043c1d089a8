// start -> READY, idle RSS and idle wake-ups of the daemon, each against a bare Node process
// that loads the same native modules and listens on a Unix socket.
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { daemonEntry, makeBaseDir, repoRoot } from "../test/rigs/support/daemon-process.js";
import type { BenchFigure } from "./figure.js";
import { cpuNsMs, median, sampleProc } from "./proc-stats.js";

const bareEntry = path.join(repoRoot, "dist", "bench", "bare-process.js");

interface Started {
  pid: number;
  readyMs: number;
  /** CPU time of all its threads when READY was seen. */
  cpuMs: number;
  stop(): Promise<void>;
}

async function startAndTime(kind: "daemon" | "bare"): Promise<Started> {
  const base = makeBaseDir("recoveryd-bench-");
  const run = path.join(base, "run");
  mkdirSync(run, { recursive: true });
  const args = kind === "daemon" ? [daemonEntry] : [bareEntry, path.join(run, "bare.sock")];
  const env = {
    PATH: process.env.PATH,
    RECOVERYD_STATE_DIR: path.join(base, "state"),
    RECOVERYD_RUNTIME_DIR: run,
    MALLOC_ARENA_MAX: "1", // as the unit runs it (both processes get it)
    // The daemon opens its setup window at boot; keep that, it is what a first boot does.
  };
  const t0 = performance.now();
  const proc = spawn(process.execPath, args, { cwd: base, env, stdio: ["ignore", "pipe", "inherit"] });
  let cpuMs = Number.NaN;
  const readyMs = await new Promise<number>((resolve, reject) => {
    let out = "";
    proc.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.includes('"msg":"recoveryd ready"') && Number.isNaN(cpuMs)) {
        const ms = performance.now() - t0;
        cpuMs = cpuNsMs(proc.pid ?? -1);
        resolve(ms);
      }
    });
    proc.on("exit", (code) => reject(new Error(`${kind} exited ${code} before ready`)));
  });
  const exited = new Promise<void>((r) => proc.on("exit", () => r()));
  return {
    pid: proc.pid ?? -1,
    readyMs,
    cpuMs,
    async stop() {
      proc.kill("SIGTERM");
      await exited;
    },
  };
}

export async function benchStartup(
  opts: { runs?: number; idleSeconds?: number } = {},
): Promise<BenchFigure[]> {
  const runs = opts.runs ?? 10;
  const idleSeconds = opts.idleSeconds ?? 60;
  const ready = { daemon: [] as number[], bare: [] as number[] };
  const rss = { daemon: [] as number[], bare: [] as number[] };
  const cpu = { daemon: [] as number[], bare: [] as number[] };
  for (let i = 0; i < runs; i++) {
    for (const kind of i % 2 ? (["bare", "daemon"] as const) : (["daemon", "bare"] as const)) {
      const p = await startAndTime(kind);
      ready[kind].push(p.readyMs);
      cpu[kind].push(p.cpuMs);
      await sleep(1000);
      rss[kind].push(sampleProc(p.pid).rssKiB / 1024);
      await p.stop();
    }
  }

  // Idle: both side by side, nothing happening, after they settle.
  const d = await startAndTime("daemon");
  const b = await startAndTime("bare");
  await sleep(3000);
  const d0 = sampleProc(d.pid);
  const b0 = sampleProc(b.pid);
  await sleep(idleSeconds * 1000);
  const d1 = sampleProc(d.pid);
  const b1 = sampleProc(b.pid);
  await d.stop();
  await b.stop();

  const readyD = median(ready.daemon);
  const readyB = median(ready.bare);
  const cpuD = median(cpu.daemon);
  const cpuB = median(cpu.bare);
  const minD = Math.min(...ready.daemon);
  const minB = Math.min(...ready.bare);
  const rssD = median(rss.daemon);
  const rssB = median(rss.bare);
  const wakeD = (d1.switches - d0.switches) / idleSeconds;
  const wakeB = (b1.switches - b0.switches) / idleSeconds;
  return [
    {
      figure: "start -> READY (median)",
      value: readyD,
      unit: "ms",
      floor: readyB,
      ratio: readyD / readyB,
      target: "<= 1.5x",
      verdict: readyD / readyB <= 1.5 ? "pass" : "fail",
      extra: { runs, daemon: ready.daemon, bare: ready.bare },
    },
    {
      // The fastest run of each: the one least slowed by whatever else the machine was doing.
      figure: "start -> READY (fastest run)",
      value: minD,
      unit: "ms",
      floor: minB,
      ratio: minD / minB,
      target: "<= 1.5x",
      verdict: minD / minB <= 1.5 ? "pass" : "fail",
    },
    {
      figure: "CPU time to READY, all threads (median)",
      value: cpuD,
      unit: "ms",
      floor: cpuB,
      ratio: cpuD / cpuB,
      target: "<= 1.5x",
      verdict: cpuD / cpuB <= 1.5 ? "pass" : "fail",
      extra: { daemon: cpu.daemon, bare: cpu.bare },
    },
    {
      figure: "RSS idle after start (median)",
      value: rssD,
      unit: "MiB",
      floor: rssB,
      ratio: rssD / rssB,
      target: "<= 1.3x",
      verdict: rssD / rssB <= 1.3 ? "pass" : "fail",
      extra: { daemon: rss.daemon, bare: rss.bare },
    },
    {
      figure: `idle CPU over ${idleSeconds} s`,
      value: d1.cpuMs - d0.cpuMs,
      unit: "ms",
      floor: b1.cpuMs - b0.cpuMs,
      target: "~0 (no polling)",
      verdict: d1.cpuMs - d0.cpuMs <= 50 ? "pass" : "fail",
    },
    {
      figure: "idle wake-ups (context switches)",
      value: wakeD,
      unit: "/s",
      floor: wakeB,
      target: "~0 beyond the watchdog ping",
      verdict: wakeD <= wakeB + 0.5 ? "pass" : "fail",
      extra: { daemonSwitches: d1.switches - d0.switches, bareSwitches: b1.switches - b0.switches },
    },
  ];
}
