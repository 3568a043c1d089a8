// Issue 15: `recoveryctl recover challenge` prints the challenge in checked groups for reading
// aloud; support's unlock-code tool takes exactly what was read (and names a misheard group),
// and the code it answers unlocks the real daemon. --json keeps the bare wire format.
import { execFile } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DaemonProcess, repoRoot } from "../rigs/support/daemon-process.js";
import { apiOf, fixtures, provision, spawnWithFactory } from "./support/adversary.js";

let daemon: DaemonProcess;

function run(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(repoRoot, script), ...args],
      { env: { PATH: process.env.PATH, HOME: daemon.baseDir }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
const ctl = (args: string[]) => run("dist/cli/recoveryctl.js", [...args, "--socket", daemon.apiSocket]);
const unlockCode = (words: string[]) =>
  run("dist/vendor/unlock-code.js", ["--key", path.join(fixtures, "vendor-key-7.private.json"), ...words]);

beforeAll(async () => {
  daemon = await spawnWithFactory({ config: { recovery: { challengeMinIntervalSeconds: 1 } } });
  await provision(apiOf(daemon));
});
afterAll(async () => {
  await daemon?.stop();
});

describe("grouped challenge, read aloud", { timeout: 120_000 }, () => {
  it("printed in groups; the vendor tool takes the groups and its code unlocks the daemon", async () => {
    const c = await ctl(["recover", "challenge"]);
    expect(c.code).toBe(0);
    const groupLines = c.stdout.split("\n").filter((l) => /^ {2}([A-Z2-7]{2,5} ?)+$/.test(l));
    const groups = groupLines.join(" ").trim().split(/\s+/);
    // 82 characters for this 16-character device id: 21 groups, six a line.
    expect(groups).toHaveLength(21);
    expect(groupLines.length).toBe(4);
    expect(c.stdout).toContain("check character");

    const misheard = [...groups];
    misheard[6] = `${misheard[6]?.slice(0, 4)}${misheard[6]?.[4] === "A" ? "B" : "A"}`;
    const refused = await unlockCode(misheard);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("group 7");

    const answered = await unlockCode(groups);
    expect(answered.stderr).toContain("device NVR8-2026-000042");
    expect(answered.code).toBe(0);
    const u = await ctl(["recover", "unlock", answered.stdout.trim()]);
    expect(u.stderr).toBe("");
    expect(u.code).toBe(0);
  });

  it("--json keeps the bare base32 challenge (the wire format)", async () => {
    await new Promise((r) => setTimeout(r, 1100));
    const c = await ctl(["recover", "challenge", "--json"]);
    expect(c.code).toBe(0);
    expect(JSON.parse(c.stdout).challenge).toMatch(/^[A-Z2-7]{82}$/);
  });
});
