// The README's command lines are the first thing each audience copies. Every fenced block whose
// info string is `sh runnable` runs here, in order, as written, in a fresh directory with a real
// daemon started the way `npm start` starts it (state in ./.recoveryd/): a renamed flag, a moved
// file or a wrong unit in the README fails the suite instead of the reader.
import { spawn } from "node:child_process";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DaemonProcess, makeBaseDir, repoRoot, spawnDaemon } from "../rigs/support/daemon-process.js";

const PASSWORD = "violet tractor harbour 1987";

function runnableBlocks(markdown: string): { line: number; script: string }[] {
  const blocks: { line: number; script: string }[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!/^```sh runnable\s*$/.test(lines[i] ?? "")) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end] !== "```") end++;
    blocks.push({ line: start + 1, script: lines.slice(start, end).join("\n") });
    i = end;
  }
  return blocks;
}

function shim(file: string, target: string): void {
  writeFileSync(file, `#!/bin/sh\nexec "${process.execPath}" "${target}" "$@"\n`);
  chmodSync(file, 0o755);
}

let dir: string;
let daemon: DaemonProcess;

beforeAll(async () => {
  dir = makeBaseDir("recoveryd-readme-");
  // `./recoveryctl` as in a checkout, and the installed bins on PATH as after `npm i -g`.
  const bin = path.join(dir, "bin");
  mkdirSync(bin);
  shim(path.join(dir, "recoveryctl"), path.join(repoRoot, "dist/cli/recoveryctl.js"));
  shim(path.join(bin, "recoveryctl"), path.join(repoRoot, "dist/cli/recoveryctl.js"));
  shim(path.join(bin, "recoveryd-vendor"), path.join(repoRoot, "dist/vendor/recoveryd-vendor.js"));
  daemon = await spawnDaemon({ baseDir: path.join(dir, ".recoveryd") });
}, 60_000);
afterAll(async () => {
  await daemon?.stop();
});

function run(script: string): Promise<{ code: number | null; out: string }> {
  // The only prompt in the runnable blocks is the first admin password (read from stdin).
  const secrets = path.join(dir, "stdin.txt");
  writeFileSync(secrets, `${PASSWORD}\n`);
  const stdin = openSync(secrets, "r");
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-euo", "pipefail", "-c", script], {
      cwd: dir,
      env: {
        PATH: `${path.join(dir, "bin")}:${process.env.PATH}`,
        HOME: dir,
        XDG_RUNTIME_DIR: path.join(dir, ".recoveryd"),
      },
      // A file, not a pipe: bash takes a socket on stdin for sshd and reads /etc/bash.bashrc.
      stdio: [stdin, "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      closeSync(stdin);
      resolve({ code, out });
    });
  });
}

describe("README runnable command lines", () => {
  const blocks = runnableBlocks(readFileSync(path.join(repoRoot, "README.md"), "utf8"));

  it("marks the quick start and the support engineers' setup lines as runnable", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
  });

  it("every runnable block exits 0, in order, against a daemon started like `npm start`", {
    timeout: 120_000,
  }, async () => {
    for (const block of blocks) {
      const r = await run(block.script);
      expect(r.code, `README.md line ${block.line}:\n${block.script}\n--- output ---\n${r.out}`).toBe(0);
    }
    // What the blocks promise: the quick start ends in a credential reset (first-boot again),
    // and the support setup wrote the key pair and the factory data.
    const status = await run("./recoveryctl status --json");
    expect(JSON.parse(status.out).state).toBe("first-boot");
    expect(existsSync(path.join(dir, "keys/vendor-key-7.private.json"))).toBe(true);
    expect(existsSync(path.join(dir, "factory.json"))).toBe(true);
  });
});
