// Spawns the real daemon (compiled dist/) as a child process with its own state and runtime
// directories. Used by the integration tests, the scenario runner and the benchmarks.
import { type ChildProcess, spawn } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The repository root: the nearest directory above this module with a package.json. Counting
 * levels broke when the power-cut rig bundled this module into dist/rigs/powercut (it looked for
 * the daemon one level above the checkout); from source, dist/ or any bundle this holds.
 */
export const repoRoot = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "package.json"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
})();
/** The shipped daemon: the bundle of dist/daemon/main.js (scripts/bundle.mjs). */
export const daemonEntry = path.join(repoRoot, "dist", "recoveryd.mjs");

export interface SpawnOptions {
  /** Configuration object written to a temp file and passed as RECOVERYD_CONFIG. */
  config?: Record<string, unknown>;
  /** Reuse an existing base directory (state/, run/ inside) — e.g. to restart on the same state. */
  baseDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Give up waiting for "recoveryd ready" after this long. */
  readyTimeoutMs?: number;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Another copy of the bundled daemon (e.g. next to a doctored node_modules). */
  entry?: string;
  /** Run the daemon as this user and group (the caller is root; the base dir is handed over). */
  user?: { uid: number; gid: number };
}

export interface DaemonProcess {
  proc: ChildProcess;
  baseDir: string;
  stateDir: string;
  runtimeDir: string;
  apiSocket: string;
  simSocket: string;
  /** Every line the daemon wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process ends. */
  exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export function makeBaseDir(prefix = "recoveryd-it-"): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Starts the daemon and resolves once it logs that it is ready (armed and listening). */
export async function spawnDaemon(opts: SpawnOptions = {}): Promise<DaemonProcess> {
  const baseDir = opts.baseDir ?? makeBaseDir();
  const stateDir = path.join(baseDir, "state");
  const runtimeDir = path.join(baseDir, "run");
  mkdirSync(stateDir, { recursive: true });
  mkdirSync(runtimeDir, { recursive: true });
  if (opts.user)
    for (const dir of [baseDir, stateDir, runtimeDir]) chownSync(dir, opts.user.uid, opts.user.gid);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    RECOVERYD_STATE_DIR: stateDir,
    RECOVERYD_RUNTIME_DIR: runtimeDir,
    // As the systemd unit and `npm start` run it: one malloc arena bounds argon2's memory.
    MALLOC_ARENA_MAX: "1",
    ...opts.env,
  };
  if (opts.config) {
    const file = path.join(baseDir, "recoveryd.json");
    writeFileSync(file, JSON.stringify(opts.config, null, 2));
    env.RECOVERYD_CONFIG = file;
  }
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), opts.entry ?? daemonEntry], {
    cwd: baseDir,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    ...(opts.user ?? {}),
  });
  let out = "";
  const exited = new Promise<number | string>((resolve) => {
    proc.on("exit", (code, signal) => resolve(code ?? signal ?? -1));
  });
  let poll: ReturnType<typeof setInterval> | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`daemon not ready after ${opts.readyTimeoutMs ?? 15000} ms:\n${out}`)),
      opts.readyTimeoutMs ?? 15000,
    );
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    proc.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      if (out.includes('"msg":"recoveryd ready"')) done();
    });
    proc.stderr?.on("data", (c: Buffer) => {
      out += c.toString("utf8");
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited (${code}) before ready:\n${out}`));
    });
    // The log line may be filtered out by the configured level: an answering API also means ready.
    poll = setInterval(() => {
      void statusAnswers(path.join(runtimeDir, "api.sock")).then((ok) => ok && done());
    }, 50);
  });
  try {
    await ready;
  } finally {
    clearInterval(poll);
  }
  return {
    proc,
    baseDir,
    stateDir,
    runtimeDir,
    apiSocket: path.join(runtimeDir, "api.sock"),
    simSocket: path.join(runtimeDir, "sim.sock"),
    output: () => out,
    exited,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

function statusAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: "/v1/status", agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.setTimeout(1000, () => req.destroy());
  });
}
