// recoveryctl's issue-16 commands against the real daemon and a real SMTP server: email set /
// verify / test, recover forgot / forgot-confirm, backup export / inspect / restore with a
// passphrase file, an age recipient and identity, and their exit codes.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeConfigTree, snapshot, writeOwnerConfig } from "../helpers/backup-tree.js";
import { codeIn, mailConfig, startRelay, type TestRelay } from "../helpers/smtp.js";
import { type DaemonProcess, makeBaseDir, repoRoot, spawnDaemon } from "../rigs/support/daemon-process.js";
import { type CtlHome, ctl, ctlHome } from "./support.js";

const ADMIN = { username: "owner", password: "violet tractor harbour 1987" };
const NEW_PASSWORD = "seven quiet lanterns over the bay";
const ADDRESS = "owner@home.example.test";

let relay: TestRelay;
let daemon: DaemonProcess;
let home: CtlHome;
let tree: ReturnType<typeof makeConfigTree>;
const run = (args: string[], stdin?: string) =>
  ctl(home, [...args, "--socket", daemon.apiSocket], { stdin, timeoutMs: 30_000 });

beforeAll(async () => {
  relay = await startRelay();
  const base = makeBaseDir();
  tree = makeConfigTree(path.join(base, "device"));
  daemon = await spawnDaemon({
    baseDir: base,
    env: { RECOVERYD_FACTORY: path.join(repoRoot, "test/fixtures/recovery/factory-data.json") },
    config: { ...tree.config, mail: mailConfig(relay), setupWindow: { openAtBoot: true } },
  });
  home = await ctlHome();
  expect((await run(["setup", ADMIN.username], `${ADMIN.password}\n`)).code).toBe(0);
  expect((await run(["login", ADMIN.username], `${ADMIN.password}\n`)).code).toBe(0);
});
afterAll(async () => {
  await daemon?.stop();
  await relay?.close();
});

describe("recoveryctl email and recover forgot", () => {
  it("registers an address, sends a test mail, and resets a forgotten password", async () => {
    const set = await run(["email", "set", ADDRESS], `${ADMIN.password}\n`);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/verification code was sent/);
    const code = codeIn(await relay.waitFor((m) => /Confirm your email/.test(m.headers.subject ?? "")));
    expect((await run(["email", "verify", "--json"], `${code}\n`)).stdout).toContain(ADDRESS);
    expect((await run(["email", "test"])).code).toBe(0);
    await relay.waitFor((m) => /Test mail/.test(m.headers.subject ?? ""));

    const forgot = await run(["recover", "forgot", ADMIN.username]);
    expect(forgot.code).toBe(0);
    // The same answer for a name that does not exist.
    const ghost = await run(["recover", "forgot", "ghost"]);
    expect(ghost.code).toBe(0);
    expect(ghost.stdout.replaceAll("ghost", ADMIN.username)).toBe(forgot.stdout);
    const reset = codeIn(await relay.waitFor((m) => /reset code/.test(m.headers.subject ?? "")));
    const wrong = await run(["recover", "forgot-confirm", ADMIN.username, "AAAAAAAA"], `${NEW_PASSWORD}\n`);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/wrong, used or expired/);
    const ok = await run(["recover", "forgot-confirm", ADMIN.username, reset], `${NEW_PASSWORD}\n`);
    expect(ok.code, ok.stderr).toBe(0);
    expect((await run(["login", ADMIN.username], `${NEW_PASSWORD}\n`)).code).toBe(0);
  });
});

describe("recoveryctl backup", () => {
  it("exports with a passphrase file, inspects, and restores", async () => {
    const pf = path.join(home.dir, "pass.txt");
    writeFileSync(pf, "a long backup passphrase\n");
    const before = snapshot([tree.schedule, tree.network]);
    const exp = await run(["backup", "export", "--passphrase-file", pf, "--json"]);
    expect(exp.code, exp.stderr).toBe(0);
    const { file } = JSON.parse(exp.stdout) as { file: string };
    expect(path.dirname(file)).toBe(tree.usb);
    const inspect = await run(["backup", "inspect", file, "--passphrase-file", pf]);
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(inspect.stdout).toMatch(/Backup of NVR-8 KAT NVR8-2026-000042/);
    expect(inspect.stdout).toContain(tree.schedule);
    writeOwnerConfig(tree, "changed");
    const restore = await run(["backup", "restore", file, "--passphrase-file", pf]);
    expect(restore.code, restore.stderr).toBe(0);
    expect(snapshot([tree.schedule, tree.network])).toEqual(before);
    // A wrong passphrase: refused (exit 1), named, nothing changed.
    writeFileSync(pf, "not the right passphrase\n");
    const bad = await run(["backup", "restore", file, "--passphrase-file", pf]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/wrong passphrase/);
    expect((await run(["backup", "inspect", file, "--passphrase-file", pf])).code).toBe(1);
    expect(snapshot([tree.schedule, tree.network])).toEqual(before);
  });

  it("exports to an age recipient and restores with its identity", async () => {
    const keyFile = path.join(home.dir, "key.txt");
    execFileSync("age-keygen", ["-o", keyFile], { stdio: "ignore" });
    const recipient = execFileSync("age-keygen", ["-y", keyFile], { encoding: "utf8" }).trim();
    const to = path.join(home.dir, "recorder.age");
    expect((await run(["backup", "export", "--to", to, "--recipient", recipient])).code).toBe(0);
    expect(readFileSync(to).subarray(0, 21).toString()).toBe("age-encryption.org/v1");
    expect((await run(["backup", "inspect", to, "--identity", keyFile])).code).toBe(0);
    expect((await run(["backup", "restore", to, "--identity", keyFile])).code).toBe(0);
    // Usage errors exit 2.
    expect((await run(["backup", "restore", to, "--recipient", recipient])).code).toBe(2);
    expect((await run(["backup", "frobnicate"])).code).toBe(2);
  });
});
