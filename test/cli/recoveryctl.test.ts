// recoveryctl against a real API server (with the real credential store) over its socket:
// exit codes 0/1/2/3, --json, human output, passwords from stdin, the token file.
import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { tokenFilePath } from "../../cli/token-file.js";
import { SECURITY_CODE } from "../api/support/fake-accounts.js";
import { GOOD_SIGNATURE, UNLOCK_CODE } from "../api/support/fake-recovery.js";
import { ADMIN, startTestApi, type TestApi } from "../api/support/harness.js";
import { type CtlHome, ctl, ctlHome } from "./support.js";

let t: TestApi;
let home: CtlHome;
let S: string[];

beforeAll(async () => {
  t = await startTestApi({ windowOpen: true });
  home = await ctlHome();
  S = ["--socket", t.socketPath];
});
afterAll(async () => t?.close());

describe("first boot to provisioned", () => {
  test("status (human and --json)", async () => {
    const human = await ctl(home, ["status", ...S]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/state: +first-boot \(generation 1, 0 accounts\)/);
    expect(human.stdout).toMatch(/setup window: +open until/);
    expect(human.stdout).toMatch(/last reset: +never/);
    const json = await ctl(home, ["status", "--json", ...S]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ state: "first-boot", generation: 1 });
  });

  test("setup refuses a weak password (exit 1, reason shown), then takes one from stdin", async () => {
    const weak = await ctl(home, ["setup", ADMIN.username, ...S], { stdin: "123456\n" });
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/refused: .*factory default|refused: .*vendor_default/);
    const ok = await ctl(home, ["setup", ADMIN.username, ...S], { stdin: `${ADMIN.password}\n` });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`Set up: ${ADMIN.username} (admin)`);
    expect(ok.stdout + ok.stderr).not.toContain(ADMIN.password);
  });

  test("login: wrong password exits 1; right one saves a 0600 token file", async () => {
    const wrong = await ctl(home, ["login", ADMIN.username, ...S], { stdin: "not the password at all\n" });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("refused: wrong username or password");
    const ok = await ctl(home, ["login", ADMIN.username, ...S], { stdin: `${ADMIN.password}\n` });
    expect(ok.code).toBe(0);
    const file = tokenFilePath(home.env, t.socketPath);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, "utf8")).trim()).toMatch(/^rds_/);
  });

  test("users add/list/delete and token create with the saved session", async () => {
    const add = await ctl(home, ["users", "add", "viewer1", "--role", "viewer", ...S], {
      stdin: "quiet lantern orbit meadow 4410\n",
    });
    expect(add.code).toBe(0);
    const list = await ctl(home, ["users", "--json", ...S]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).users.map((u: { username: string }) => u.username)).toEqual([
      ADMIN.username,
      "viewer1",
    ]);
    const human = await ctl(home, ["users", "list", ...S]);
    expect(human.stdout).toMatch(/^USERNAME +ROLE +CREATED/);
    const token = await ctl(home, ["token", "create", "nvr-app", "--ttl-days", "7", "--json", ...S]);
    expect(token.code).toBe(0);
    const created = JSON.parse(token.stdout);
    expect(created.token).toMatch(/^rdt_/);
    // The API token works through RECOVERYD_TOKEN and --token.
    const viaEnv = await ctl(home, ["users", "--json", ...S], {
      env: { XDG_RUNTIME_DIR: path.join(home.dir, "none"), RECOVERYD_TOKEN: created.token },
    });
    expect(viaEnv.code).toBe(0);
    const del = await ctl(home, ["users", "delete", "viewer1", ...S]);
    expect(del.code).toBe(0);
    const missing = await ctl(home, ["users", "delete", "viewer1", "--json", ...S]);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ error: { code: "not_found" } });
  });

  test("passwd reads current and new password from stdin", async () => {
    const newPassword = "amber quarry tulip socket 5521";
    const r = await ctl(home, ["passwd", ...S], { stdin: `${ADMIN.password}\n${newPassword}\n` });
    expect(r.code).toBe(0);
    const back = await ctl(home, ["passwd", ...S], { stdin: `${newPassword}\n${ADMIN.password}\n` });
    expect(back.code).toBe(0);
  });

  test("audit and audit --verify (exit 1 and the first bad entry when tampered)", async () => {
    const list = await ctl(home, ["audit", "--limit", "5", ...S]);
    expect(list.code).toBe(0);
    const ok = await ctl(home, ["audit", "--verify", ...S]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("Audit log intact");
    t.audit.tampered = { seq: 7, file: "audit.1.log", line: 3, problem: "hash does not match" };
    const bad = await ctl(home, ["audit", "--verify", ...S]);
    t.audit.tampered = undefined;
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("first bad entry seq 7 (audit.1.log, line 3): hash does not match");
    const json = await ctl(home, ["audit", "--verify", "--json", ...S]);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true });
  });

  test("locked: exit 1 with the retry time", async () => {
    await t.req("POST", "/v1/users", {
      token: await adminToken(),
      body: { username: "locky", password: "velvet compass river dune 3302", role: "viewer" },
    });
    for (let i = 0; i < 5; i++)
      await t.req("POST", "/v1/login", { body: { username: "locky", password: "nope" } });
    const r = await ctl(home, ["login", "locky", "--json", ...S], {
      stdin: "velvet compass river dune 3302\n",
    });
    expect(r.code).toBe(1);
    const body = JSON.parse(r.stdout);
    expect(body.error.code).toBe("locked");
    expect(body.error.retryAfterSeconds).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/try again in \d+ s/);
    const status = await ctl(home, ["status", ...S]);
    expect(status.stdout).toMatch(/locky locked until .* \(retry in \d+ s\)/);
    expect(status.stdout).toMatch(/recovery: +button, security-code, unlock, grant/);
  });

  test("logout ends the session and removes the token file; then admin calls exit 1", async () => {
    const out = await ctl(home, ["logout", ...S]);
    expect(out.code).toBe(0);
    await expect(stat(tokenFilePath(home.env, t.socketPath))).rejects.toMatchObject({ code: "ENOENT" });
    const users = await ctl(home, ["users", ...S]);
    expect(users.code).toBe(1);
    expect(users.stderr).toContain("log in first");
  });
});

async function adminToken(): Promise<string> {
  const r = await t.req("POST", "/v1/login", { body: ADMIN });
  return (r.body as { token: string }).token;
}

describe("remote recovery", () => {
  test("recover security-code saves the setup token that setup then uses", async () => {
    const r = await ctl(home, ["recover", "security-code", ...S], { stdin: `${SECURITY_CODE}\n` });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/back in first-boot state \(generation 2\)/);
    const saved = tokenFilePath(home.env, t.socketPath, "setup");
    expect((await stat(saved)).mode & 0o777).toBe(0o600);
    const setup = await ctl(home, ["setup", ADMIN.username, ...S], { stdin: `${ADMIN.password}\n` });
    expect(setup.code).toBe(0);
    await expect(stat(saved)).rejects.toMatchObject({ code: "ENOENT" });
  });

  test("challenge, a wrong unlock code (exit 1), the right one (exit 0, --json)", async () => {
    const c = await ctl(home, ["recover", "challenge", ...S]);
    expect(c.code).toBe(0);
    expect(c.stdout).toContain("Give this challenge to support");
    const wrong = await ctl(home, ["recover", "unlock", "AAAAAAAA", ...S]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/refused: .*wrong/);
    const ok = await ctl(home, ["recover", "unlock", "--json", ...S], { stdin: `${UNLOCK_CODE}\n` });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ setupToken: expect.any(String), generation: 3 });
  });

  test("request --out writes the request document; grant FILE applies it", async () => {
    const out = path.join(home.dir, "request.json");
    const r = await ctl(home, ["recover", "request", "--out", out, ...S]);
    expect(r.code).toBe(0);
    const request = JSON.parse(await readFile(out, "utf8"));
    expect(request).toMatchObject({ type: "recoveryd-reset-request", v: 1 });
    const grantFile = path.join(home.dir, "grant.json");
    await writeFile(
      grantFile,
      JSON.stringify({
        type: "recoveryd-reset-grant",
        v: 1,
        deviceId: request.deviceId,
        nonce: request.nonce,
        action: "credential-reset",
        notAfter: new Date(Date.now() + 3600_000).toISOString(),
        keyId: 1,
        signature: GOOD_SIGNATURE,
      }),
    );
    const g = await ctl(home, ["recover", "grant", grantFile, "--json", ...S]);
    expect(g.code).toBe(0);
    expect(JSON.parse(g.stdout)).toMatchObject({ generation: 4 });
    const again = await ctl(home, ["recover", "grant", grantFile, ...S]);
    expect(again.code).toBe(1);
    await writeFile(grantFile, "not json");
    expect((await ctl(home, ["recover", "grant", grantFile, ...S])).code).toBe(2);
    expect((await ctl(home, ["recover", "grant", path.join(home.dir, "missing.json"), ...S])).code).toBe(2);
  });
});

describe("usage errors (exit 2) and an unreachable daemon (exit 3)", () => {
  test.each([
    [["bogus"]],
    [[]],
    [["status", "extra"]],
    [["status", "--role", "admin"]],
    [["users", "add", "bob"]],
    [["users", "add", "Bob!", "--role", "viewer"]],
    [["users", "frobnicate"]],
    [["token"]],
    [["login"]],
    [["recover", "nope"]],
    [["sim", "press"]],
    [["sim", "press", "7 seconds"]],
    [["audit", "--verify", "--limit", "3"]],
    [["--nope"]],
  ])("recoveryctl %j", { concurrent: true }, async (args) => {
    const r = await ctl(home, [...args, ...S]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^recoveryctl: /);
    expect(r.stderr).toMatch(/usage: recoveryctl/);
  });

  test("sim press 7 (no unit) exits 2 and says to write 7s or 7000ms", async () => {
    const r = await ctl(home, ["sim", "press", "7", ...S]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^recoveryctl: duration "7" needs a unit: write 7s or 7000ms/);
    expect(r.stderr).toMatch(/usage: recoveryctl sim/);
  });

  test("a secret missing from stdin is a usage error", async () => {
    // stdin is not a terminal: one line per secret, no confirmation.
    const r = await ctl(home, ["users", "add", "someone", "--role", "viewer", ...S], { stdin: "" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("on stdin");
  });

  test("--help for every command exits 0 and describes it", async () => {
    const commands = [
      "status",
      "setup",
      "login",
      "logout",
      "passwd",
      "users",
      "token",
      "recover",
      "audit",
      "events",
      "sim",
    ];
    const results = await Promise.all(commands.map((cmd) => ctl(home, [cmd, "--help"])));
    for (const [i, r] of results.entries()) {
      const cmd = commands[i] as string;
      expect(r.code, cmd).toBe(0);
      expect(r.stdout, cmd).toContain(`usage: recoveryctl ${cmd}`);
      expect(r.stdout).toContain("Exit codes: 0 ok, 1 refused, 2 usage error, 3 daemon unreachable.");
    }
    const top = await ctl(home, ["--help"]);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain("sim ...");
  });

  test("exit 3 when nothing listens, through every way of naming the socket", async () => {
    const gone = path.join(home.dir, "gone.sock");
    const viaFlag = await ctl(home, ["status", "--socket", gone, "--json"]);
    expect(viaFlag.code).toBe(3);
    expect(JSON.parse(viaFlag.stdout)).toMatchObject({ error: { code: "unreachable" } });
    expect((await ctl(home, ["status"], { env: { RECOVERYD_SOCKET: gone } })).code).toBe(3);
    expect((await ctl(home, ["status"], { env: { RECOVERYD_RUNTIME_DIR: home.dir } })).code).toBe(3);
    expect((await ctl(home, ["sim", "down", "--socket", gone])).code).toBe(3);
    // RECOVERYD_RUNTIME_DIR pointing at the live daemon's directory finds it.
    const live = await ctl(home, ["status"], { env: { RECOVERYD_RUNTIME_DIR: path.dirname(t.socketPath) } });
    expect(live.code).toBe(0);
  });
});

describe("events", () => {
  test("--count N prints N events as JSON lines", async () => {
    const pending = ctl(home, ["events", "--count", "3", "--json", ...S], {
      onStdout: () => {
        t.events.publish({ type: "led", pattern: "slow-blink" });
        t.events.publish({ type: "buzzer", pattern: "beep" });
      },
    });
    const r = await pending;
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(["state", "led", "buzzer"]);
  });
});
