// Status, setup, login, logout, session and password over the real socket: happy paths and
// every refusal with its status and stable code.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { SECURITY_CODE } from "./support/fake-accounts.js";
import { ADMIN, startTestApi, type TestApi } from "./support/harness.js";

let t: TestApi;
afterEach(async () => t?.close());

function errorOf(body: unknown): { code: string; message: string; [k: string]: unknown } {
  return (body as { error: { code: string; message: string } }).error;
}

describe("GET /v1/status", () => {
  beforeEach(async () => {
    t = await startTestApi();
  });

  test("first boot: state, generation, open setup window, no lockout, no reset", async () => {
    const r = await t.req("GET", "/v1/status");
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toMatch(/^application\/json/);
    expect(r.body).toMatchObject({
      state: "first-boot",
      generation: 1,
      setupWindow: { open: true },
      lockout: { locked: false, lockedCount: 0 },
      lastReset: null,
    });
  });

  test("a locked account is counted with the recovery paths the device offers; only an admin sees its name", async () => {
    const token = await t.provision();
    for (let i = 0; i < 5; i++) await t.req("POST", "/v1/login", { body: { ...ADMIN, password: "wrong" } });
    const r = await t.req("GET", "/v1/status");
    expect(r.body).toMatchObject({
      state: "provisioned",
      lockout: {
        locked: true,
        lockedCount: 1,
        recoveryPaths: ["button", "security-code", "unlock", "grant"],
      },
    });
    expect(JSON.stringify(r.body)).not.toContain(ADMIN.username);
    const admin = await t.req("GET", "/v1/status", { token });
    expect(admin.body).toMatchObject({
      lockout: { lockedAccounts: [{ username: ADMIN.username, retryAfterSeconds: expect.any(Number) }] },
    });
  });

  test("without recovery dependencies only the button is offered", async () => {
    await t.close();
    t = await startTestApi({ noRecovery: true });
    const r = await t.req("GET", "/v1/status");
    expect((r.body as { lockout: { recoveryPaths: string[] } }).lockout.recoveryPaths).toEqual(["button"]);
  });
});

describe("POST /v1/setup", () => {
  test("201 while the window is open; the store is provisioned", async () => {
    t = await startTestApi();
    const r = await t.req("POST", "/v1/setup", { body: ADMIN });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ username: ADMIN.username, role: "admin" });
    expect(JSON.stringify(r.body)).not.toContain(ADMIN.password);
    expect(r.body).not.toHaveProperty("hash");
    expect((await t.req("GET", "/v1/status")).body).toMatchObject({ state: "provisioned", accounts: 1 });
  });

  test("403 setup_window_closed outside the window; the security code opens it", async () => {
    t = await startTestApi({ windowOpen: false });
    const closed = await t.req("POST", "/v1/setup", { body: ADMIN });
    expect(closed.status).toBe(403);
    expect(errorOf(closed.body).code).toBe("setup_window_closed");
    const ok = await t.req("POST", "/v1/setup", { body: { ...ADMIN, securityCode: SECURITY_CODE } });
    expect(ok.status).toBe(201);
  });

  test("409 when already provisioned", async () => {
    t = await startTestApi();
    await t.provision();
    const r = await t.req("POST", "/v1/setup", { body: { ...ADMIN, username: "second" } });
    expect(r.status).toBe(409);
    expect(errorOf(r.body).code).toBe("already_provisioned");
  });

  test("400 password_policy with the reason", async () => {
    t = await startTestApi();
    const r = await t.req("POST", "/v1/setup", { body: { username: "owner", password: "short" } });
    expect(r.status).toBe(400);
    expect(errorOf(r.body)).toMatchObject({ code: "password_policy", reason: "too_short" });
  });

  test("400 invalid_request for a bad username, an unknown key, a wrong type, no body", async () => {
    t = await startTestApi();
    for (const body of [
      { username: "Owner!", password: ADMIN.password },
      { username: "a".repeat(33), password: ADMIN.password },
      { ...ADMIN, isAdmin: true },
      { username: "owner", password: 42 },
      [ADMIN],
      "owner",
      null,
    ]) {
      const r = await t.req("POST", "/v1/setup", { body });
      expect(r.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(errorOf(r.body).code).toBe("invalid_request");
    }
    const none = await t.req("POST", "/v1/setup");
    expect(none.status).toBe(400);
    // A password being chosen is judged by the policy, in its words, however long it is.
    const long = await t.req("POST", "/v1/setup", {
      body: { username: "owner", password: "x".repeat(1025) },
    });
    expect(errorOf(long.body)).toMatchObject({ code: "password_policy" });
    expect((await t.req("GET", "/v1/status")).body).toMatchObject({ state: "first-boot" });
  });
});

describe("POST /v1/login, /v1/logout, GET /v1/session", () => {
  beforeEach(async () => {
    t = await startTestApi();
    await t.req("POST", "/v1/setup", { body: ADMIN });
  });

  test("login → token, expiresAt, role; the session answers; logout ends it", async () => {
    const login = await t.req("POST", "/v1/login", { body: ADMIN });
    expect(login.status).toBe(200);
    const { token, expiresAt, role } = login.body as { token: string; expiresAt: string; role: string };
    expect(token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
    expect(role).toBe("admin");
    const session = await t.req("GET", "/v1/session", { token });
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ username: ADMIN.username, role: "admin", kind: "session" });
    const out = await t.req("POST", "/v1/logout", { token });
    expect(out.status).toBe(200);
    expect((await t.req("GET", "/v1/session", { token })).status).toBe(401);
  });

  test("401 invalid_credentials for a wrong password or an unknown user", async () => {
    for (const body of [
      { ...ADMIN, password: "nope" },
      { username: "ghost", password: "nope" },
    ]) {
      const r = await t.req("POST", "/v1/login", { body });
      expect(r.status).toBe(401);
      expect(errorOf(r.body).code).toBe("invalid_credentials");
    }
  });

  test("423 locked with retryAfterSeconds and a Retry-After header", async () => {
    for (let i = 0; i < 5; i++) await t.req("POST", "/v1/login", { body: { ...ADMIN, password: "nope" } });
    const r = await t.req("POST", "/v1/login", { body: ADMIN });
    expect(r.status).toBe(423);
    const err = errorOf(r.body);
    expect(err.code).toBe("locked");
    expect(err.retryAfterSeconds).toBeGreaterThan(0);
    expect(r.headers["retry-after"]).toBe(String(err.retryAfterSeconds));
  });

  test("429 busy with Retry-After when the hash queue is full", async () => {
    await t.close();
    t = await startTestApi({ config: { argon2: { maxConcurrent: 1, maxQueue: 0 } } });
    await t.req("POST", "/v1/setup", { body: ADMIN });
    // Different names, so the per-name lockout does not answer first.
    const all = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        t.req("POST", "/v1/login", { body: { username: `u${i}`, password: "x" } }),
      ),
    );
    const busy = all.filter((r) => r.status === 429);
    expect(busy.length).toBeGreaterThan(0);
    for (const r of busy) {
      expect(errorOf(r.body)).toMatchObject({ code: "busy", retryAfterSeconds: expect.any(Number) });
      expect(r.headers["retry-after"]).toBe(String(errorOf(r.body).retryAfterSeconds));
    }
    expect(all.every((r) => r.status === 429 || r.status === 401)).toBe(true);
  });

  test("401 for no token, an unknown token, or a malformed Authorization header", async () => {
    expect((await t.req("GET", "/v1/session")).status).toBe(401);
    expect((await t.req("GET", "/v1/session", { token: "not-a-session" })).status).toBe(401);
    for (const authorization of [
      "Basic b3duZXI6cGFzcw==",
      "Bearer",
      "Bearer a b",
      `Bearer ${"x".repeat(600)}`,
    ]) {
      const r = await t.req("GET", "/v1/session", { headers: { authorization } });
      expect(r.status, authorization.slice(0, 20)).toBe(401);
      expect(errorOf(r.body).code).toBe("unauthorized");
    }
    expect((await t.req("POST", "/v1/logout")).status).toBe(401);
  });

  test("logout refuses a body that is not empty", async () => {
    const { token } = (await t.req("POST", "/v1/login", { body: ADMIN })).body as { token: string };
    const r = await t.req("POST", "/v1/logout", { token, body: { everywhere: true } });
    expect(r.status).toBe(400);
    expect((await t.req("POST", "/v1/logout", { token, body: {} })).status).toBe(200);
  });
});

describe("POST /v1/password", () => {
  beforeEach(async () => {
    t = await startTestApi();
  });

  test("changes the password; the old one stops working", async () => {
    const token = await t.provision();
    const newPassword = "a different long passphrase";
    const r = await t.req("POST", "/v1/password", {
      token,
      body: { currentPassword: ADMIN.password, newPassword },
    });
    expect(r.status).toBe(200);
    expect((await t.req("POST", "/v1/login", { body: ADMIN })).status).toBe(401);
    expect((await t.req("POST", "/v1/login", { body: { ...ADMIN, password: newPassword } })).status).toBe(
      200,
    );
  });

  test("401 without a session, 401 for a wrong current password, 400 for policy", async () => {
    const token = await t.provision();
    const body = { currentPassword: ADMIN.password, newPassword: "a different long passphrase" };
    expect((await t.req("POST", "/v1/password", { body })).status).toBe(401);
    const wrong = await t.req("POST", "/v1/password", { token, body: { ...body, currentPassword: "nope" } });
    expect(wrong.status).toBe(401);
    const weak = await t.req("POST", "/v1/password", { token, body: { ...body, newPassword: "short" } });
    expect(weak.status).toBe(400);
    expect(errorOf(weak.body).code).toBe("password_policy");
  });
});
