// Spawns recoveryctl the way a shell would (`node --import tsx cli/recoveryctl.ts ...`) in a
// temp home, so the token files land in the test's own directory.
import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "cli", "recoveryctl.ts");
// `--import tsx` resolves from the cwd, which is the test's temp home: name the loader by path.
const TSX = pathToFileURL(path.join(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;

export interface CtlResult {
  code: number | null;
  signal?: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CtlHome {
  dir: string;
  env: NodeJS.ProcessEnv;
}

export async function ctlHome(): Promise<CtlHome> {
  const dir = await mkdtemp(path.join(tmpdir(), "recoveryctl-"));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    XDG_RUNTIME_DIR: dir,
  };
  return { dir, env };
}

export function ctl(
  home: CtlHome,
  args: string[],
  opts: {
    stdin?: string;
    env?: NodeJS.ProcessEnv;
    timeoutMs?: number;
    onStdout?: (text: string) => void;
    /** Sends SIGINT (Ctrl-C) once stdout contains this text. */
    interruptOn?: string;
  } = {},
): Promise<CtlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", TSX, BIN, ...args], {
      cwd: home.dir,
      env: { ...home.env, ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      opts.onStdout?.(d);
      if (opts.interruptOn && stdout.includes(opts.interruptOn)) {
        opts.interruptOn = undefined;
        child.kill("SIGINT");
      }
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`recoveryctl ${args.join(" ")} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 20_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? "");
  });
}
