// User and API-token management: admins only.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { ADMIN, startTestApi, type TestApi } from "./support/harness.js";

let t: TestApi;
let admin: string;
afterEach(async () => t?.close());
beforeEach(async () => {
  t = await startTestApi();
  admin = await t.provision();
});

const BOB = { username: "bob", password: "viewer with a long passphrase", role: "viewer" };

function code(body: unknown): string {
  return (body as { error: { code: string } }).error.code;
}

async function loginBob(): Promise<string> {
  await t.req("POST", "/v1/users", { token: admin, body: BOB });
  const r = await t.req("POST", "/v1/login", { body: { username: BOB.username, password: BOB.password } });
  return (r.body as { token: string }).token;
}

describe("/v1/users", () => {
  test("an admin lists, adds and deletes users", async () => {
    const added = await t.req("POST", "/v1/users", { token: admin, body: BOB });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ username: "bob", role: "viewer" });
    const list = await t.req("GET", "/v1/users", { token: admin });
    expect(list.status).toBe(200);
    expect((list.body as { users: { username: string }[] }).users.map((u) => u.username)).toEqual([
      ADMIN.username,
      "bob",
    ]);
    expect(JSON.stringify(list.body)).not.toContain("passphrase");
    const del = await t.req("DELETE", "/v1/users/bob", { token: admin });
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ deleted: true, username: "bob" });
  });

  test("401 without a token, 403 admin_required for a viewer", async () => {
    expect((await t.req("GET", "/v1/users")).status).toBe(401);
    const bob = await loginBob();
    for (const [method, path, body] of [
      ["GET", "/v1/users", undefined],
      ["POST", "/v1/users", { ...BOB, username: "eve" }],
      ["DELETE", "/v1/users/owner", undefined],
      ["POST", "/v1/tokens", { name: "ci" }],
    ] as const) {
      const r = await t.req(method, path, { token: bob, body });
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(code(r.body)).toBe("admin_required");
    }
  });

  test("409 for an existing user, 400 for policy, a bad role or a bad name", async () => {
    await t.req("POST", "/v1/users", { token: admin, body: BOB });
    const dup = await t.req("POST", "/v1/users", { token: admin, body: BOB });
    expect(dup.status).toBe(409);
    expect(code(dup.body)).toBe("user_exists");
    const weak = await t.req("POST", "/v1/users", {
      token: admin,
      body: { ...BOB, username: "eve", password: "x" },
    });
    expect(weak.status).toBe(400);
    expect(code(weak.body)).toBe("password_policy");
    const role = await t.req("POST", "/v1/users", {
      token: admin,
      body: { ...BOB, username: "eve", role: "root" },
    });
    expect(role.status).toBe(400);
    expect(code(role.body)).toBe("invalid_request");
    const bad = await t.req("DELETE", "/v1/users/Bob%20Smith", { token: admin });
    expect(bad.status).toBe(400);
  });

  test("404 for deleting an unknown user, 409 for deleting yourself", async () => {
    const missing = await t.req("DELETE", "/v1/users/ghost", { token: admin });
    expect(missing.status).toBe(404);
    expect(code(missing.body)).toBe("not_found");
    expect((await t.req("DELETE", `/v1/users/${ADMIN.username}`, { token: admin })).status).toBe(409);
  });

  test("405 with Allow for a wrong method", async () => {
    const r = await t.req("PUT", "/v1/users", { token: admin, body: BOB });
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe("GET, POST");
    const one = await t.req("GET", "/v1/users/bob", { token: admin });
    expect(one.status).toBe(405);
    expect(one.headers.allow).toBe("DELETE");
  });
});

describe("POST /v1/tokens", () => {
  test("creates an API token that authenticates admin calls", async () => {
    const r = await t.req("POST", "/v1/tokens", { token: admin, body: { name: "nvr-app", ttlDays: 30 } });
    expect(r.status).toBe(201);
    const { token, name, expiresAt } = r.body as { token: string; name: string; expiresAt: string };
    expect(name).toBe("nvr-app");
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    const session = await t.req("GET", "/v1/session", { token });
    expect(session.body).toMatchObject({ kind: "api-token", role: "admin" });
    expect((await t.req("GET", "/v1/users", { token })).status).toBe(200);
  });

  test("400 for a bad name or ttl", async () => {
    for (const body of [
      { name: "" },
      { name: "a b" },
      { name: "ci", ttlDays: 0 },
      { name: "ci", ttlDays: 1.5 },
      {},
    ]) {
      const r = await t.req("POST", "/v1/tokens", { token: admin, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
  });
});
