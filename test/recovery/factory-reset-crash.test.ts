// Must-show 3 (issue 5): a factory reset killed with SIGKILL at every step and at random moments,
// well over 100 times. The next start (resumeIfPending) must leave the complete new state every
// time the durable intent was written, the untouched old state otherwise, never a mix, and the
// preserve folders (recordings) byte-identical throughout.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../daemon/clock.js";
import { parseConfig } from "../../daemon/config/load.js";
import { silentLogger } from "../../daemon/log.js";
import { MARKER_FILE } from "../../daemon/recovery/factory-reset.js";
import { createRecovery } from "../../daemon/recovery/service.js";
import { FileAccounts, readCredentials } from "./file-accounts.js";
import { REPO, tempDir } from "./helpers.js";
import { treeHash } from "./tree-hash.js";

const CHILD = path.join(REPO, "test/recovery/crash-child.ts");
const STEP_CYCLES = 4; // every step boundary, this many times
const TIMED_RUNS = 66;
const MIN_KILLS = 104; // a timed kill can come after the child finished: top up until this many
const PARALLEL = 6; // the children mostly wait for fsync
const INITIAL_GENERATION = 5;

const tmp = tempDir("recoveryd-crash-");
afterAll(() => tmp.cleanup());

const defaults = path.join(tmp.dir, "factory-defaults");
const userConfig = path.join(tmp.dir, "user-state"); // what each run starts from
const sharedRecordings = path.join(tmp.dir, "recordings");

function fillFiles(dir: string, count: number, maxBytes: number, depth = 2): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const sub = path.join(dir, ...Array.from({ length: i % (depth + 1) }, (_, d) => `d${d}-${i % 3}`));
    mkdirSync(sub, { recursive: true });
    writeFileSync(path.join(sub, `f${i}.bin`), randomBytes(1 + ((i * 7919) % maxBytes)));
  }
}

beforeAll(() => {
  // Factory defaults: a config directory (nested, with a relative symlink), a single file, and a
  // directory the user's recorder does not have at all.
  // Enough files that the copy takes a while: random kills then land inside it.
  fillFiles(path.join(defaults, "config"), 60, 1500);
  writeFileSync(path.join(defaults, "config", "profile.json"), '{"profile":"default"}\n');
  symlinkSync("profile.json", path.join(defaults, "config", "current.json"));
  writeFileSync(path.join(defaults, "network.json"), '{"dhcp":true}\n');
  fillFiles(path.join(defaults, "extra"), 5, 500);
  // The user's state: changed, added and removed files.
  fillFiles(path.join(userConfig, "config"), 30, 2000);
  writeFileSync(path.join(userConfig, "network.json"), '{"dhcp":false,"ip":"192.0.2.7"}\n');
  fillFiles(path.join(userConfig, "recordings"), 40, 4000, 3);
  fillFiles(sharedRecordings, 200, 8192, 3);
});

interface Run {
  root: string;
  stateDir: string;
  credFile: string;
  restore: { path: string; from: string }[];
  preserve: string[];
  beforeHashes: Record<string, string>;
}

let runCount = 0;
function prepareRun(): Run {
  const root = path.join(tmp.dir, `run-${runCount++}`);
  const data = path.join(root, "data");
  mkdirSync(data, { recursive: true });
  cpSync(userConfig, data, { recursive: true, verbatimSymlinks: true });
  const stateDir = path.join(root, "state");
  mkdirSync(stateDir);
  const credFile = path.join(root, "credentials.json");
  writeFileSync(
    credFile,
    JSON.stringify({ generation: INITIAL_GENERATION, state: "provisioned", lastReason: null }),
  );
  const restore = [
    { path: path.join(data, "config"), from: path.join(defaults, "config") },
    { path: path.join(data, "network.json"), from: path.join(defaults, "network.json") },
    { path: path.join(data, "extra"), from: path.join(defaults, "extra") },
  ];
  const preserve = [path.join(data, "recordings"), sharedRecordings];
  const beforeHashes = Object.fromEntries(
    restore.filter((r) => existsSync(r.path)).map((r) => [r.path, treeHash(r.path)]),
  );
  return { root, stateDir, credFile, restore, preserve, beforeHashes };
}

interface ChildResult {
  stdout: string;
  signal: NodeJS.Signals | null;
  code: number | null;
}

/** Kill at a step (the child kills itself), or `afterMs` after the child printed `trigger`. */
interface KillPlan {
  atStep?: number;
  trigger?: "ready" | "marker-written";
  afterMs?: number;
}

function runChild(run: Run, kill: KillPlan): Promise<ChildResult> {
  const spec = {
    stateDir: run.stateDir,
    credFile: run.credFile,
    restore: run.restore,
    preserve: run.preserve,
    ...(kill.atStep ? { killAtStep: kill.atStep } : {}),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
      cwd: REPO,
      env: { ...process.env, CRASH_CHILD: JSON.stringify(spec) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let armed = false;
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (!armed && kill.trigger && kill.afterMs !== undefined && stdout.includes(kill.trigger)) {
        armed = true;
        const ms = kill.afterMs;
        if (ms < 1) setImmediate(() => child.kill("SIGKILL"));
        else setTimeout(() => child.kill("SIGKILL"), ms);
      }
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (code !== null && code !== 0) reject(new Error(`crash child failed (${code}): ${stderr}`));
      else resolve({ stdout, signal, code });
    });
  });
}

/** The next start: a fresh service on the same state directory finishes what was pending. */
async function nextStart(run: Run): Promise<boolean> {
  const accounts = new FileAccounts(run.credFile);
  const service = createRecovery({
    stateDir: run.stateDir,
    config: parseConfig({ factoryReset: { restore: run.restore, preserve: run.preserve } }),
    clock: systemClock,
    log: silentLogger(),
    audit: { record: () => undefined },
    accounts,
    factory: null,
  });
  const wasPending = existsSync(path.join(run.stateDir, "recovery", MARKER_FILE));
  await service.resumeIfPending();
  service.close();
  return wasPending;
}

type Verdict = "complete" | "untouched";

const defaultHashes = new Map<string, string>();
function defaultHash(from: string): string {
  let h = defaultHashes.get(from);
  if (h === undefined) {
    h = treeHash(from);
    defaultHashes.set(from, h);
  }
  return h;
}

function verify(run: Run, preserveHashes: Record<string, string>): Verdict {
  expect(existsSync(path.join(run.stateDir, "recovery", MARKER_FILE))).toBe(false);
  for (const [p, h] of Object.entries(preserveHashes)) expect(treeHash(p), `preserve ${p}`).toBe(h);
  const leftovers = readdirSync(path.join(run.root, "data")).filter((n) => n.includes(".recoveryd-"));
  expect(leftovers).toEqual([]);
  const creds = readCredentials(run.credFile);
  if (creds.generation > INITIAL_GENERATION) {
    // Exactly one credential reset, however the cuts fell (a resume must not reset twice).
    expect(creds.generation).toBe(INITIAL_GENERATION + 1);
    expect(creds.state).toBe("first-boot");
    for (const r of run.restore) expect(treeHash(r.path), `restored ${r.path}`).toBe(defaultHash(r.from));
    return "complete";
  }
  // The kill came before the durable intent: the old state, whole.
  for (const r of run.restore) {
    const before = run.beforeHashes[r.path];
    if (before === undefined) expect(existsSync(r.path)).toBe(false);
    else expect(treeHash(r.path)).toBe(before);
  }
  return "untouched";
}

async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
    }),
  );
}

describe("factory reset crash safety", () => {
  it("completes after SIGKILL at every step and at random moments (over 100 kills)", {
    timeout: 120_000,
  }, async () => {
    const sharedHash = treeHash(sharedRecordings);
    // An unkilled run: learns the steps and how long a reset takes.
    const warm = prepareRun();
    const full = await runChild(warm, {});
    const steps = full.stdout.split("\n").filter((l) => l.startsWith("step ")).length;
    const markerMs = Number(/marker-written ([\d.]+)/.exec(full.stdout)?.[1] ?? "5");
    const durationMs = Number(/done ([\d.]+)/.exec(full.stdout)?.[1] ?? "20");
    expect(steps).toBeGreaterThanOrEqual(8);
    expect(await nextStart(warm)).toBe(false);
    expect(verify(warm, { [warm.preserve[0] ?? ""]: treeHash(warm.preserve[0] ?? "") })).toBe("complete");

    const stepRuns = STEP_CYCLES * steps;
    const plans: KillPlan[] = [
      ...Array.from({ length: stepRuns }, (_, i) => ({ atStep: (i % steps) + 1 })),
      // Random moments: a quarter from the start (some land before the intent: nothing may
      // change), the rest from the intent on (mid-copy, mid-swap, or just after the end).
      ...Array.from(
        { length: TIMED_RUNS },
        (_, i): KillPlan =>
          i % 4 === 0
            ? { trigger: "ready", afterMs: Math.random() * durationMs * 1.2 }
            : { trigger: "marker-written", afterMs: Math.random() * (durationMs - markerMs) * 1.2 },
      ),
    ];
    const tally = { complete: 0, untouched: 0, killed: 0, resumed: 0, runs: 0 };
    const one = async (plan: KillPlan) => {
      const run = prepareRun();
      const runPreserve = run.preserve[0] ?? "";
      const runPreserveHash = treeHash(runPreserve);
      const res = await runChild(run, plan);
      if (res.signal === "SIGKILL") tally.killed += 1;
      if (await nextStart(run)) tally.resumed += 1;
      const verdict = verify(run, { [runPreserve]: runPreserveHash });
      tally[verdict] += 1;
      rmSync(run.root, { recursive: true, force: true });
      tally.runs += 1;
      // A kill at a step always lands after the intent was written.
      if (plan.atStep !== undefined) expect(verdict).toBe("complete");
    };
    await pool(plans, PARALLEL, one);
    for (let round = 0; tally.killed < MIN_KILLS && round < 10; round++) {
      await pool(
        Array.from({ length: PARALLEL }, () => ({
          trigger: "ready" as const,
          afterMs: Math.random() * markerMs,
        })),
        PARALLEL,
        one,
      );
    }
    expect(treeHash(sharedRecordings)).toBe(sharedHash);
    expect(tally.killed).toBeGreaterThanOrEqual(MIN_KILLS);
    expect(tally.complete + tally.untouched).toBe(tally.runs);
    expect(tally.resumed).toBeGreaterThanOrEqual(stepRuns - STEP_CYCLES);
    console.info(
      `factory-reset crash test: ${steps} steps, intent at ${markerMs} ms, reset ≈ ${durationMs} ms,`,
      tally,
    );
  });
});
