// Issue 15: `recoveryctl sim run` against the real daemon on the simulated board. It says what it
// will do before doing it (including the account a setup step creates), prints a line per step,
// and refuses a bad timeline (out of order, overlapping, setup late, broken JSON) with exit 2
// and the file, line and column of the offending value.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DaemonProcess, repoRoot, spawnDaemon } from "../rigs/support/daemon-process.js";

let daemon: DaemonProcess;
let dir: string;

function simRun(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(repoRoot, "dist/cli/recoveryctl.js"), "sim", "run", file, "--socket", daemon.apiSocket],
      { env: { PATH: process.env.PATH, HOME: dir }, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "recoveryd-scenario-cli-"));
  daemon = await spawnDaemon({ config: { setupWindow: { openAtBoot: true }, log: { level: "warn" } } });
});
afterAll(async () => {
  await daemon?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("sim run refuses bad timelines with file, line and column", { timeout: 120_000 }, () => {
  it("an out-of-order step: exit 2, names line 5 column 13 (the offending at)", async () => {
    const file = write(
      "out-of-order.json",
      [
        "{",
        '  "name": "out of order",',
        '  "timeline": [',
        '    { "at": 500, "press": 100 },',
        '    { "at": 200, "press": 100 }',
        "  ],",
        '  "expect": { "presses": [] }',
        "}",
        "",
      ].join("\n"),
    );
    const r = await simRun(file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:5:13: timeline.1.at: step 2 starts at 200 ms, before step 1`);
    expect(r.stdout).toBe(""); // nothing was played
  });

  it("an overlapping step: exit 2, names where it starts", async () => {
    const file = write(
      "overlap.json",
      '{"name": "overlap",\n "timeline": [{"at": 0, "press": 1000},\n  {"at": 500, "press": 100}],\n "expect": {"presses": []}}\n',
    );
    const r = await simRun(file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `${file}:3:10: timeline.1.at: step 2 starts at 500 ms while step 1 runs until 1000 ms`,
    );
  });

  it("a setup step after a timed step, a schema error and broken JSON: each with its position", async () => {
    const late = write(
      "late-setup.json",
      '{"name": "late",\n "timeline": [{"at": 0, "press": 100},\n  {"at": 0, "setup": {"username": "qa", "password": "correct horse battery staple 42"}}],\n "expect": {"presses": []}}\n',
    );
    const r1 = await simRun(late);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toContain(
      `${late}:3:22: timeline.1.setup: a setup step must come before every timed step`,
    );

    const typo = write(
      "typo.json",
      '{"name": "typo",\n "timeline": [{"at": 0, "press": "7s"}],\n "expect": {"presses": []}}\n',
    );
    const r2 = await simRun(typo);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(new RegExp(`${typo.replace(/[.]/g, "\\.")}:2:\\d+: timeline\\.0`));

    const broken = write("broken.json", '{"name": "broken",\n "timeline": [\n');
    const r3 = await simRun(broken);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/broken\.json:\d+:\d+: not valid JSON/);
  });
});

describe("sim run says what it will do, then reports each step", { timeout: 120_000 }, () => {
  it("plan first (with the account it creates), a progress line per step, then PASS", async () => {
    const file = write(
      "short-press.json",
      JSON.stringify({
        name: "short press, provisioned",
        timeline: [
          { at: 0, setup: { username: "qa-admin", password: "correct horse battery staple 42" } },
          { at: 0, press: 300 },
          { at: 1500, button: "down" },
          { at: 1800, button: "up" },
        ],
        settleMs: 1000,
        expect: { presses: [{ tier: "short" }, { tier: "short" }], state: "provisioned" },
      }),
    );
    const r = await simRun(file);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    const idx = (s: string) => lines.findIndex((l) => l.includes(s));
    expect(
      idx('first: create admin account "qa-admin" (POST /v1/setup), if the recorder is at first boot'),
    ).toBe(1);
    expect(idx("step 3/3 at 1800 ms: button up")).toBeGreaterThan(0);
    expect(idx('setup: created admin account "qa-admin"')).toBeGreaterThan(idx("then wait 1000 ms"));
    for (const s of ["step 1/3 at ", "step 2/3 at ", "step 3/3 at "])
      expect(lines.filter((l) => l.trimStart().startsWith(s) && l.includes(" ms: ")).length, s).toBe(2);
    expect(lines.at(-2)).toBe("PASS  short press, provisioned");
  });

  it("run again on the now provisioned recorder: the setup step is skipped, and it says so", async () => {
    const r = await simRun(path.join(dir, "short-press.json"));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("setup: skipped, the recorder is already provisioned");
  });
});
