// Issue 15: one wording for each password refusal on every path that sets a password: first setup,
// a new account, a password change and forgot-password by email, each through the API and through
// recoveryctl, against the real daemon (with a real SMTP relay for the mailed code). The words
// must be exactly the table's (daemon/policy/refusals.ts).
import { execFile } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRequest } from "../../cli/client.js";
import { passwordRefusal } from "../../daemon/policy/refusals.js";
import { codeIn, mailConfig, startRelay, type TestRelay } from "../helpers/smtp.js";
import { type DaemonProcess, repoRoot } from "../rigs/support/daemon-process.js";
import { ADMIN, spawnWithFactory } from "./support/adversary.js";

const ADDRESS = "owner@home.example.test";
/** Two refusals with different reasons: the length rule and the factory-default list. */
const REFUSED = [
  {
    password: "tiny pw",
    reason: "too_short",
    message: passwordRefusal("too_short", { limit: 15, length: 7 }),
  },
  { password: "passwordpassword", reason: "vendor_default", message: passwordRefusal("vendor_default") },
  // Longer than the body schema's cap once was: a pasted 2000-character password got a bare
  // 400 invalid_request instead of the policy's words.
  {
    password: "lantern ".repeat(250),
    reason: "too_long",
    message: passwordRefusal("too_long", { limit: 256, length: 2000 }),
  },
] as const;

let relay: TestRelay;
let daemon: DaemonProcess;
let owner: string;
const api = (method: string, p: string, body?: unknown, token?: string) =>
  apiRequest(daemon.apiSocket, { method, path: p, body, token, timeoutMs: 60_000 });

function ctl(args: string[], stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [path.join(repoRoot, "dist/cli/recoveryctl.js"), ...args, "--socket", daemon.apiSocket],
      { env: { PATH: process.env.PATH, HOME: daemon.baseDir }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin);
  });
}

async function mailedCode(): Promise<string> {
  const since = relay.messages.length;
  expect((await api("POST", "/v1/recovery/forgot", { username: ADMIN.username })).status).toBe(202);
  return codeIn(
    await relay.waitFor(
      (m) => relay.messages.indexOf(m) >= since && /reset code/.test(m.headers.subject ?? ""),
    ),
  );
}

beforeAll(async () => {
  relay = await startRelay();
  daemon = await spawnWithFactory({ config: { mail: mailConfig(relay) } });
});
afterAll(async () => {
  await daemon?.stop();
  await relay?.close();
});

describe("password refusals: one wording on every path", { timeout: 180_000 }, () => {
  it("first setup: API and recoveryctl", async () => {
    for (const r of REFUSED) {
      const a = await api("POST", "/v1/setup", { username: ADMIN.username, password: r.password });
      expect(a.body).toEqual({ error: { code: "password_policy", message: r.message, reason: r.reason } });
      const c = await ctl(["setup", ADMIN.username], `${r.password}\n`);
      expect(c.code).toBe(1);
      expect(c.stderr).toContain(`refused: ${r.message}`);
    }
    expect((await api("POST", "/v1/setup", ADMIN)).status).toBe(201);
    owner = ((await api("POST", "/v1/login", ADMIN)).body as { token: string }).token;
    expect((await ctl(["login", ADMIN.username], `${ADMIN.password}\n`)).code).toBe(0);
  });

  it("a new account and a password change: API and recoveryctl", async () => {
    for (const r of REFUSED) {
      const a = await api(
        "POST",
        "/v1/users",
        { username: "viewer1", password: r.password, role: "viewer" },
        owner,
      );
      expect(a.body).toEqual({ error: { code: "password_policy", message: r.message, reason: r.reason } });
      const c = await ctl(["users", "add", "viewer1", "--role", "viewer"], `${r.password}\n`);
      expect(c.code).toBe(1);
      expect(c.stderr).toContain(`refused: ${r.message}`);

      const p = await api(
        "POST",
        "/v1/password",
        { currentPassword: ADMIN.password, newPassword: r.password },
        owner,
      );
      expect(p.body).toEqual({ error: { code: "password_policy", message: r.message, reason: r.reason } });
      const cp = await ctl(["passwd"], `${ADMIN.password}\n${r.password}\n`);
      expect(cp.code).toBe(1);
      expect(cp.stderr).toContain(`refused: ${r.message}`);
    }
  });

  it("forgot password by email: API and recoveryctl (the code is not spent by a refusal)", async () => {
    const since = relay.messages.length;
    expect(
      (await api("POST", "/v1/account/email", { email: ADDRESS, password: ADMIN.password }, owner)).status,
    ).toBe(202);
    const verify = await relay.waitFor((m) => relay.messages.indexOf(m) >= since && m.to.includes(ADDRESS));
    expect((await api("POST", "/v1/account/email/verify", { code: codeIn(verify) }, owner)).status).toBe(200);
    const code = await mailedCode();
    for (const r of REFUSED) {
      const a = await api("POST", "/v1/recovery/forgot/confirm", {
        username: ADMIN.username,
        code,
        newPassword: r.password,
      });
      expect(a.body).toEqual({ error: { code: "password_policy", message: r.message, reason: r.reason } });
      const c = await ctl(["recover", "forgot-confirm", ADMIN.username, code], `${r.password}\n`);
      expect(c.code).toBe(1);
      expect(c.stderr).toContain(`refused: ${r.message}`);
    }
  });
});
