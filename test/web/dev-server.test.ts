// Issue 17: `npm start` serves the UI on 127.0.0.1 and prints its URL; its dev server sends the
// nginx example's security headers, passes the API and its event stream, and its /sim/ bridge
// presses the real daemon's simulated button but refuses a request from another site.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SECURITY_HEADERS } from "../../web/dev/dev-server.js";
import { repoRoot } from "../rigs/support/daemon-process.js";

let proc: ChildProcess;
let out = "";
let url = "";
let base: string;

beforeAll(async () => {
  base = mkdtempSync(path.join(os.tmpdir(), "recoveryd-devstart-"));
  mkdirSync(path.join(base, "state"));
  mkdirSync(path.join(base, "run"));
  proc = spawn(process.execPath, [path.join(repoRoot, "dist/web/dev/dev-start.js")], {
    cwd: base,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      RECOVERYD_STATE_DIR: path.join(base, "state"),
      RECOVERYD_RUNTIME_DIR: path.join(base, "run"),
      RECOVERYD_WEB_PORT: "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  proc.stdout?.on("data", (c: Buffer) => (out += c.toString()));
  proc.stderr?.on("data", (c: Buffer) => (out += c.toString()));
  const end = Date.now() + 30_000;
  while (!/Web UI: (http:\/\/127\.0\.0\.1:\d+\/)/.test(out)) {
    if (Date.now() > end || proc.exitCode !== null) throw new Error(`no URL printed:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  url = /Web UI: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1] ?? "";
}, 60_000);

afterAll(async () => {
  if (proc && proc.exitCode === null) {
    const ended = new Promise((r) => proc.on("exit", r));
    proc.kill("SIGTERM");
    await ended;
  }
  rmSync(base, { recursive: true, force: true });
});

describe("npm start's web UI", () => {
  it("serves the setup page with the security headers", async () => {
    const r = await fetch(url);
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('<script type="module" src="index.js">');
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) expect(r.headers.get(k), k).toBe(v);
    expect((await fetch(`${url}..%2f..%2fpackage.json`)).status).toBe(404);
  });

  it("passes the API through to the daemon", async () => {
    const r = await fetch(`${url}v1/status`);
    expect(r.status).toBe(200);
    expect(((await r.json()) as { state: string }).state).toBe("first-boot");
  });

  it("presses the simulated button for a same-origin page, never for another site", async () => {
    const post = (op: string, headers: Record<string, string>) =>
      fetch(`${url}sim/${op}`, { method: "POST", headers, body: "{}" });
    const json = { "content-type": "application/json" };
    expect((await post("down", { ...json, origin: "http://evil.example" })).status).toBe(403);
    expect((await post("down", { "content-type": "text/plain" })).status).toBe(403);
    const state = async () =>
      ((await (await fetch(`${url}sim/state`)).json()) as { pressed: boolean }).pressed;
    expect(await state()).toBe(false);
    const origin = new URL(url).origin;
    expect((await post("down", { ...json, origin })).status).toBe(200);
    expect(await state()).toBe(true);
    expect((await post("up", { ...json, origin })).status).toBe(200);
    expect(await state()).toBe(false);
  });
});
