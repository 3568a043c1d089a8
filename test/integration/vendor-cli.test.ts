// Issue 15: the vendor tools have command lines a support engineer can use. `--help` exits 0,
// usage errors exit 2, and `recoveryctl recover request --json` piped into sign-grant gives a
// grant the real daemon accepts (via `recoveryctl recover grant`).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CtlHome, ctl, ctlHome } from "../cli/support.js";
import { type DaemonProcess, repoRoot } from "../rigs/support/daemon-process.js";
import { apiOf, fixtures, provision, spawnWithFactory } from "./support/adversary.js";

const TOOLS = ["vendor/keygen.ts", "vendor/unlock-code.ts", "vendor/sign-grant.ts"];
const KEY = path.join(fixtures, "vendor-key-7.private.json");

// The single installed bin, as built into dist/ (what `npm i -g` links as `recoveryd-vendor`).
const VENDOR_BIN = path.join(repoRoot, "dist/vendor/recoveryd-vendor.js");

function tool(
  script: string,
  args: string[],
  stdin = "",
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const argv = script.endsWith(".ts") ? ["--import", "tsx", path.join(repoRoot, script)] : [script];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...argv, ...args], {
      cwd: repoRoot,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

let daemon: DaemonProcess;
let home: CtlHome;

beforeAll(async () => {
  daemon = await spawnWithFactory();
  await provision(apiOf(daemon));
  home = await ctlHome();
}, 60_000);
afterAll(async () => {
  await daemon?.stop();
});

describe("vendor tool command lines", () => {
  it.each(TOOLS)("%s --help prints usage on stdout and exits 0", { timeout: 30_000 }, async (script) => {
    const r = await tool(script, ["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: /);
    expect(r.stderr).toBe("");
  });

  it.each([
    ["vendor/keygen.ts", ["--nope"]],
    ["vendor/unlock-code.ts", ["--key", KEY]],
    ["vendor/sign-grant.ts", ["--key", KEY, "--action", "credential-reset", "--hours", "24"]],
    ["vendor/sign-grant.ts", ["--request", "-", "--key", KEY, "--action", "x", "--hours", "1"]],
  ])("%s %j is a usage error: exit 2 with the usage", { timeout: 30_000 }, async (script, args) => {
    const r = await tool(script, args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: .*\n\nusage: /);
  });

  it("recoveryctl recover request --json | sign-grant --request - → recover grant is accepted", {
    timeout: 60_000,
  }, async () => {
    const S = ["--socket", daemon.apiSocket];
    const req = await ctl(home, ["recover", "request", "--json", ...S]);
    expect(req.code).toBe(0);
    expect(JSON.parse(req.stdout)).toHaveProperty("request.nonce");
    const grantFile = path.join(daemon.baseDir, "piped.grant.json");
    const signed = await tool(
      "vendor/sign-grant.ts",
      ["--request", "-", "--key", KEY, "--action", "credential-reset", "--hours", "24", "--out", grantFile],
      req.stdout,
    );
    expect(signed.stderr).toBe("");
    expect(signed.code).toBe(0);
    const grant = JSON.parse(readFileSync(grantFile, "utf8"));
    expect(grant.nonce).toBe(JSON.parse(req.stdout).request.nonce);
    const applied = await ctl(home, ["recover", "grant", grantFile, ...S]);
    expect(applied.stderr).toBe("");
    expect(applied.code).toBe(0);
  });

  it("the bare request from `recover request --out FILE` signs the same way", {
    timeout: 60_000,
  }, async () => {
    const S = ["--socket", daemon.apiSocket];
    const reqFile = path.join(daemon.baseDir, "bare.request.json");
    const req = await ctl(home, ["recover", "request", "--out", reqFile, ...S]);
    expect(req.code).toBe(0);
    const signed = await tool("vendor/sign-grant.ts", [
      "--request",
      reqFile,
      "--key",
      KEY,
      "--action",
      "credential-reset",
      "--hours",
      "24",
      "--json",
    ]);
    expect(signed.code).toBe(0);
    const { file } = JSON.parse(signed.stdout) as { file: string };
    expect(file).toBe(path.join(daemon.baseDir, "bare.grant.json"));
    const applied = await ctl(home, ["recover", "grant", file, ...S]);
    expect(applied.code).toBe(0);
  });
});

describe("recoveryd-vendor, the one bin with subcommands", () => {
  it("--help lists every subcommand and exits 0; no command or an unknown one is exit 2", {
    timeout: 30_000,
  }, async () => {
    const help = await tool(VENDOR_BIN, ["--help"]);
    expect(help.code).toBe(0);
    for (const command of ["keygen", "provision", "unlock-code", "sign-grant"])
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    const none = await tool(VENDOR_BIN, []);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error: a command is required\n\nusage: recoveryd-vendor/);
    const bad = await tool(VENDOR_BIN, ["sign"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: unknown command "sign"/);
  });

  it("a subcommand takes its tool's flags: --help exit 0, a usage error exit 2", {
    timeout: 30_000,
  }, async () => {
    const help = await tool(VENDOR_BIN, ["unlock-code", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: unlock-code --key/);
    const usage = await tool(VENDOR_BIN, ["unlock-code", "--key", KEY]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^error: the challenge is required\n\nusage: unlock-code/);
  });

  it("recover request --json | recoveryd-vendor sign-grant --request - → recover grant is accepted", {
    timeout: 60_000,
  }, async () => {
    const S = ["--socket", daemon.apiSocket];
    const req = await ctl(home, ["recover", "request", "--json", ...S]);
    expect(req.code).toBe(0);
    const grantFile = path.join(daemon.baseDir, "bin.grant.json");
    const signed = await tool(
      VENDOR_BIN,
      [
        "sign-grant",
        "--request",
        "-",
        "--key",
        KEY,
        "--action",
        "credential-reset",
        "--hours",
        "24",
        "--out",
        grantFile,
      ],
      req.stdout,
    );
    expect(signed.stderr).toBe("");
    expect(signed.code).toBe(0);
    const applied = await ctl(home, ["recover", "grant", grantFile, ...S]);
    expect(applied.stderr).toBe("");
    expect(applied.code).toBe(0);
  });
});
