// `npm run soak -- --minutes N`: drives the real daemon on the simulated board with a mix of what
// a recorder sees (status polls, logins and logouts, wrong logins for unknown names and for one
// account that locks, an event-stream client, short presses) and prints its memory every 30 s:
// RSS from /proc, heap/external/handles from a probe the tool preloads (probe.mjs). A tool, not a
// test; `--max-slope` and `--max-growth` turn it into a bound for CI (exit 1 when exceeded).
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { apiRequest, call, openEventStream } from "../../../cli/client.js";
import { SimClient } from "../../../hal/sim/control-client.js";
import { repoRoot, spawnDaemon } from "../support/daemon-process.js";
import { afterWarmup, at, type Point, slopePerMinute } from "./stats.js";

const PASSWORD = "correct horse battery staple 42";
const VIEWERS = ["viewer1", "viewer2", "viewer3"];
const LOCKED = "mallory"; // a real account that only ever gets wrong passwords: it locks

interface Sample extends Point {
  rssMiB: number;
  heapUsedMiB: number;
  externalMiB: number;
  handles: number;
  fds: number;
  threads: number;
}

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "10" },
    "sample-seconds": { type: "string", default: "30" },
    "warmup-minutes": { type: "string" },
    "max-slope": { type: "string" }, // MiB of RSS per 10 min after warm-up
    "max-growth": { type: "string" }, // MiB of RSS from the end of warm-up to the end
    out: { type: "string" },
    "malloc-arena-max": { type: "string", default: "1" }, // as the unit runs it; "" = glibc default
    // A Node/V8 flag for the daemon, e.g. --node-flag=--max-semi-space-size=1 (repeatable).
    "node-flag": { type: "string", multiple: true },
    // Heap snapshots (node --heapsnapshot-signal) at the end of warm-up and at the end, moved into
    // this folder, to compare what the JS heap retains.
    snapshots: { type: "string" },
  },
});
const minutes = Number(values.minutes);
const sampleMs = Number(values["sample-seconds"]) * 1000;
const warmupMin = Number(values["warmup-minutes"] ?? Math.min(5, minutes / 3));
const mib = (b: number) => b / 1048576;

function procFigures(pid: number) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return {
    rssMiB: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024,
    threads: Number(/Threads:\s+(\d+)/.exec(status)?.[1] ?? 0),
    fds: readdirSync(`/proc/${pid}/fd`).length,
  };
}

function lastProbe(file: string): Record<string, number> {
  try {
    const lines = readFileSync(file, "utf8").trim().split("\n");
    return JSON.parse(lines[lines.length - 1] ?? "{}") as Record<string, number>;
  } catch {
    return {};
  }
}

async function main(): Promise<number> {
  const probeFile = `/tmp/recoveryd-soak-probe-${process.pid}.jsonl`;
  const env: NodeJS.ProcessEnv = {
    RECOVERYD_SOAK_PROBE: probeFile,
    RECOVERYD_SOAK_PROBE_MS: String(Math.min(sampleMs, 10_000)),
  };
  if (values["malloc-arena-max"]) env.MALLOC_ARENA_MAX = values["malloc-arena-max"];
  else env.MALLOC_ARENA_MAX = undefined;
  const daemon = await spawnDaemon({
    config: { log: { level: "warn" }, setupWindow: { openAtBoot: true } },
    nodeArgs: [
      "--import",
      path.join(repoRoot, "test", "rigs", "soak", "probe.mjs"),
      ...(values.snapshots ? ["--heapsnapshot-signal=SIGUSR2"] : []),
      ...(values["node-flag"] ?? []),
    ],
    env,
  });
  const pid = daemon.proc.pid ?? -1;
  const sock = daemon.apiSocket;
  const counts: Record<string, number> = {};
  const count = (k: string) => {
    counts[k] = (counts[k] ?? 0) + 1;
  };
  let stopping = false;
  const timers: ReturnType<typeof setInterval>[] = [];
  const every = (ms: number, fn: () => Promise<void>) => {
    let busy = false;
    timers.push(
      setInterval(() => {
        if (busy || stopping) return;
        busy = true;
        fn()
          .catch((err: Error) => count(`error ${err.name}`))
          .finally(() => {
            busy = false;
          });
      }, ms),
    );
  };
  const samples: Sample[] = [];
  let sim: SimClient | undefined;
  let stream: { close(): void } | undefined;
  const t0 = Date.now();
  try {
    await call(sock, { method: "POST", path: "/v1/setup", body: { username: "admin", password: PASSWORD } });
    const admin = await call<{ token: string }>(sock, {
      method: "POST",
      path: "/v1/login",
      body: { username: "admin", password: PASSWORD },
    });
    for (const username of [...VIEWERS, LOCKED]) {
      await call(sock, {
        method: "POST",
        path: "/v1/users",
        token: admin.token,
        body: { username, password: PASSWORD, role: "viewer" },
      });
    }
    stream = await openEventStream(sock, (e) => count(`event ${e.type}`));
    sim = await SimClient.connect(daemon.simSocket);
    const simClient = sim;

    every(1000, async () => {
      const r = await apiRequest(sock, { path: "/v1/status" });
      count(`status ${r.status}`);
    });
    let n = 0;
    every(10_000, async () => {
      const username = VIEWERS[n++ % VIEWERS.length] ?? "viewer1";
      const r = await apiRequest(sock, {
        method: "POST",
        path: "/v1/login",
        body: { username, password: PASSWORD },
      });
      count(`login ${r.status}`);
      const token = (r.body as { token?: string }).token;
      if (!token) return;
      count(`session ${(await apiRequest(sock, { path: "/v1/session", token })).status}`);
      count(`logout ${(await apiRequest(sock, { method: "POST", path: "/v1/logout", token })).status}`);
    });
    let w = 0;
    every(15_000, async () => {
      // Unknown names rotate over 40 (a handful of tries each per hour, under the threshold);
      // every other wrong login goes to the account that locks.
      const username = w % 2 ? LOCKED : `guest${(w >> 1) % 40}`;
      w++;
      const r = await apiRequest(sock, {
        method: "POST",
        path: "/v1/login",
        body: { username, password: "not the password at all" },
      });
      count(`wrong-login ${username === LOCKED ? "locked-acct" : "unknown"} ${r.status}`);
    });
    every(30_000, async () => {
      await simClient.press(200);
      count("press");
    });

    const end = t0 + minutes * 60_000;
    let snapped = false;
    for (let next = t0; next <= end; next += sampleMs) {
      await sleep(Math.max(0, next - Date.now()));
      if (daemon.proc.exitCode !== null) throw new Error(`daemon exited: ${daemon.output().slice(-2000)}`);
      const p = procFigures(pid);
      const probe = lastProbe(probeFile);
      const s: Sample = {
        min: (Date.now() - t0) / 60_000,
        value: p.rssMiB,
        rssMiB: p.rssMiB,
        heapUsedMiB: mib(probe.heapUsed ?? 0),
        externalMiB: mib(probe.external ?? 0),
        handles: probe.handles ?? 0,
        fds: p.fds,
        threads: p.threads,
      };
      samples.push(s);
      if (values.snapshots && ((!snapped && s.min >= warmupMin) || next + sampleMs > end)) {
        snapped = true;
        daemon.proc.kill("SIGUSR2");
      }
      process.stdout.write(
        `soak ${s.min.toFixed(1).padStart(5)} min  RSS ${s.rssMiB.toFixed(1)} MiB  heapUsed ${s.heapUsedMiB.toFixed(1)}` +
          `  external ${s.externalMiB.toFixed(1)}  handles ${s.handles}  fds ${s.fds}  threads ${s.threads}\n`,
      );
    }
  } finally {
    stopping = true;
    for (const t of timers) clearInterval(t);
    stream?.close();
    sim?.close();
    if (values.snapshots) await sleep(10_000); // let the last snapshot finish writing
    await daemon.stop();
    if (values.snapshots) {
      mkdirSync(values.snapshots, { recursive: true });
      for (const f of readdirSync(daemon.baseDir).filter((n) => n.endsWith(".heapsnapshot")))
        renameSync(path.join(daemon.baseDir, f), path.join(values.snapshots, f));
    }
  }

  const warm = afterWarmup(samples, warmupMin);
  const rssSlope = slopePerMinute(warm) * 10;
  const heapSlope = slopePerMinute(warm.map((s) => ({ min: s.min, value: s.heapUsedMiB }))) * 10;
  const growth = (warm[warm.length - 1]?.rssMiB ?? 0) - (warm[0]?.rssMiB ?? 0);
  const marks = [5, 30, 60].filter((m) => m <= minutes + 0.01);
  const summary = {
    node: process.version,
    mallocArenaMax: env.MALLOC_ARENA_MAX ?? "glibc default",
    minutes,
    warmupMinutes: warmupMin,
    rssAt: Object.fromEntries(marks.map((m) => [`${m}min`, at(samples, m)?.rssMiB])),
    rssSlopeMiBPer10Min: rssSlope,
    heapUsedSlopeMiBPer10Min: heapSlope,
    rssGrowthAfterWarmupMiB: growth,
    traffic: counts,
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  if (values.out) writeFileSync(values.out, `${JSON.stringify({ ...summary, samples }, null, 2)}\n`);

  let failed = 0;
  const limit = (name: string, value: number, max: string | undefined) => {
    if (max === undefined) return;
    const ok = Number.isFinite(value) && value <= Number(max);
    process.stdout.write(`soak bound: ${name} ${value.toFixed(2)} <= ${max}: ${ok ? "ok" : "EXCEEDED"}\n`);
    if (!ok) failed++;
  };
  limit("RSS slope after warm-up (MiB/10 min)", rssSlope, values["max-slope"]);
  limit("RSS growth after warm-up (MiB)", growth, values["max-growth"]);
  // Traffic that stopped working is a failed soak too: the mix must keep succeeding.
  for (const k of ["status 200", "login 200", "press"]) {
    if (!counts[k]) {
      process.stdout.write(`soak: no "${k}" at all\n`);
      failed++;
    }
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`soak failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
