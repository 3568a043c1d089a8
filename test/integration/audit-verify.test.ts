// Issue 4, must show 4: editing an audit entry, deleting one, or truncating a rotated file is
// caught by `recoveryctl audit --verify` against the running daemon (exit 1, the entry named).
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { apiRequest } from "../../cli/client.js";
import { type DaemonProcess, repoRoot, spawnDaemon } from "../rigs/support/daemon-process.js";

const ADMIN = { username: "owner", password: "violet tractor harbour 1987" };
let daemon: DaemonProcess | undefined;
afterEach(async () => {
  await daemon?.stop();
});

function recoveryctl(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(repoRoot, "dist/cli/recoveryctl.js"), ...args],
      { env: { PATH: process.env.PATH, HOME: daemon?.baseDir } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

/** A daemon with a small rotation size, an admin, and a few hundred audit entries. */
async function daemonWithHistory(): Promise<{ token: string; dir: string }> {
  // Every refused login its own entry (no noise merging) so the small files rotate often.
  daemon = await spawnDaemon({
    config: {
      audit: { maxFileBytes: 4096, keepFiles: 50, noise: { perCategory: 1000 } },
      setupWindow: { openAtBoot: true },
    },
  });
  const api = daemon.apiSocket;
  expect((await apiRequest(api, { method: "POST", path: "/v1/setup", body: ADMIN })).status).toBe(201);
  for (let i = 0; i < 40; i++) {
    await apiRequest(api, {
      method: "POST",
      path: "/v1/login",
      body: { username: `nobody${i}`, password: "x".repeat(20) },
    });
  }
  const login = await apiRequest(api, { method: "POST", path: "/v1/login", body: ADMIN });
  const token = (login.body as { token: string }).token;
  const ok = await recoveryctl(["audit", "--verify", "--socket", api, "--token", token]);
  expect(ok.code, ok.out).toBe(0);
  return { token, dir: path.join(daemon.stateDir, "audit") };
}

const rotated = (dir: string) =>
  readdirSync(dir)
    .filter((f) => /^audit\.\d+\.log$/.test(f))
    .sort((a, b) => Number(a.split(".")[1]) - Number(b.split(".")[1]));

describe("recoveryctl audit --verify on a tampered log", () => {
  it("names an edited entry", async () => {
    const { token, dir } = await daemonWithHistory();
    const file = path.join(dir, rotated(dir)[1] ?? "audit.log");
    const lines = readFileSync(file, "utf8").split("\n");
    const i = lines.findIndex((l) => l.includes('"event":"login-failed"'));
    expect(i).toBeGreaterThanOrEqual(0);
    lines[i] = (lines[i] ?? "").replace('"during":"login"', '"during":"logon"');
    writeFileSync(file, lines.join("\n"));
    const r = await recoveryctl(["audit", "--verify", "--socket", daemon?.apiSocket ?? "", "--token", token]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/TAMPERED: first bad entry seq \d+/);
  });

  it("names the gap left by a deleted entry", async () => {
    const { token, dir } = await daemonWithHistory();
    const file = path.join(dir, rotated(dir)[0] ?? "audit.log");
    const lines = readFileSync(file, "utf8").split("\n");
    lines.splice(3, 1);
    writeFileSync(file, lines.join("\n"));
    const r = await recoveryctl([
      "audit",
      "--verify",
      "--json",
      "--socket",
      daemon?.apiSocket ?? "",
      "--token",
      token,
    ]);
    expect(r.code).toBe(1);
    const body = JSON.parse(r.out) as { ok: boolean; firstBad: { seq: number; file: string } };
    expect(body.ok).toBe(false);
    expect(body.firstBad.file).toContain("audit.");
  });

  it("notices a truncated or removed rotated file", async () => {
    const { token, dir } = await daemonWithHistory();
    const files = rotated(dir);
    expect(files.length).toBeGreaterThanOrEqual(2);
    const middle = path.join(dir, files[1] ?? "");
    writeFileSync(middle, readFileSync(middle, "utf8").slice(0, 200));
    let r = await recoveryctl(["audit", "--verify", "--socket", daemon?.apiSocket ?? "", "--token", token]);
    expect(r.code).toBe(1);
    rmSync(middle);
    r = await recoveryctl(["audit", "--verify", "--socket", daemon?.apiSocket ?? "", "--token", token]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/TAMPERED/);
  });
});
