// Issue 12, finding 3: API tokens could not be listed or revoked, survived a password change and
// lived 10 years. Over the real socket: list, revoke (one's own; a stranger's looks like none),
// the cap, the maximum lifetime, the 90-day default, and a password change that kills every
// other session and every token of the account but keeps the caller's session.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DaemonProcess } from "../rigs/support/daemon-process.js";
import {
  ADMIN,
  type Api,
  apiOf,
  login,
  provision,
  recoveryctl,
  spawnWithFactory,
} from "./support/adversary.js";

let daemon: DaemonProcess;
let api: Api;
let session: string;
const NEW_PASSWORD = "seven quiet lanterns over the bay";
const DAY = 86_400_000;

interface TokenRow {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string;
}

beforeAll(async () => {
  daemon = await spawnWithFactory({ config: { sessions: { maxTokensPerAccount: 4, tokenMaxTtlDays: 180 } } });
  api = apiOf(daemon);
  session = await provision(api);
}, 60_000);
afterAll(async () => {
  await daemon?.stop();
});

async function create(name: string, ttlDays?: number) {
  return api("POST", "/v1/tokens", ttlDays === undefined ? { name } : { name, ttlDays }, session);
}

describe("API tokens", () => {
  it("lists the caller's tokens without secrets, with last use, and revokes one by id", async () => {
    const before = Date.now();
    const a = (await create("nvr-app")).body as { token: string; id: string; expiresAt: string };
    const b = (await create("backup-script")).body as { token: string; id: string };
    // 90 days when the creator gives no lifetime.
    const life = Date.parse(a.expiresAt) - before;
    expect(life).toBeGreaterThan(90 * DAY - 60_000);
    expect(life).toBeLessThan(90 * DAY + 60_000);
    expect((await api("GET", "/v1/session", undefined, a.token)).status).toBe(200);

    const list = await api("GET", "/v1/tokens", undefined, session);
    expect(list.status).toBe(200);
    const tokens = (list.body as { tokens: TokenRow[] }).tokens;
    expect(tokens.map((t) => t.name).sort()).toEqual(["backup-script", "nvr-app"]);
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(a.token);
    expect(text).not.toContain(b.token);
    expect(tokens.find((t) => t.id === a.id)?.lastUsedAt).not.toBeNull();
    expect(tokens.find((t) => t.id === b.id)?.lastUsedAt).toBeNull();

    const del = await api("DELETE", `/v1/tokens/${a.id}`, undefined, session);
    expect(del.status).toBe(200);
    expect((await api("GET", "/v1/session", undefined, a.token)).status).toBe(401);
    expect((await api("DELETE", `/v1/tokens/${a.id}`, undefined, session)).status).toBe(404);
    expect((await api("DELETE", "/v1/tokens/not-an-id", undefined, session)).body).toMatchObject({
      error: { code: "invalid_request" },
    });
    await api("DELETE", `/v1/tokens/${b.id}`, undefined, session);
  });

  it("a viewer cannot see or revoke an admin's token", async () => {
    const t = (await create("ui")).body as { token: string; id: string };
    await api(
      "POST",
      "/v1/users",
      { username: "viewer1", password: "quiet harbour lantern blue", role: "viewer" },
      session,
    );
    const viewer = await login(api, { username: "viewer1", password: "quiet harbour lantern blue" });
    expect(
      ((await api("GET", "/v1/tokens", undefined, viewer)).body as { tokens: unknown[] }).tokens,
    ).toEqual([]);
    expect((await api("GET", "/v1/tokens?user=owner", undefined, viewer)).status).toBe(403);
    const r = await api("DELETE", `/v1/tokens/${t.id}`, undefined, viewer);
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ error: { code: "token_not_found" } });
    expect((await api("GET", "/v1/session", undefined, t.token)).status).toBe(200);
    await api("DELETE", `/v1/tokens/${t.id}`, undefined, session);
  });

  it("POST /v1/tokens refuses ?user= (it cannot make a token for someone else) instead of ignoring it", async () => {
    const r = await api("POST", "/v1/tokens?user=viewer1", { name: "for-someone" }, session);
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body).toMatchObject({ error: { code: "invalid_query" } });
    const list = (await api("GET", "/v1/tokens", undefined, session)).body as { tokens: { name: string }[] };
    expect(list.tokens.map((t) => t.name)).not.toContain("for-someone");
  });

  it("refuses a lifetime over the maximum and tokens over the cap", async () => {
    const long = await create("forever", 3650);
    expect(long.status).toBe(400);
    expect(JSON.stringify(long.body)).toContain("180");
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await create(`t${i}`, 180);
      expect(r.status).toBe(201);
      ids.push((r.body as { id: string }).id);
    }
    const over = await create("one-too-many");
    expect(over.status).toBe(409);
    expect(over.body).toMatchObject({ error: { code: "token_limit" } });
    for (const id of ids) await api("DELETE", `/v1/tokens/${id}`, undefined, session);
  });

  it("a password change revokes every other session and every token, and keeps the caller's session", async () => {
    const other = await login(api);
    const t1 = (await create("app1")).body as { token: string };
    const t2 = (await create("app2")).body as { token: string };
    const r = await api(
      "POST",
      "/v1/password",
      { currentPassword: ADMIN.password, newPassword: NEW_PASSWORD },
      session,
    );
    expect(r.status).toBe(200);
    expect((await api("GET", "/v1/session", undefined, session)).status).toBe(200);
    expect((await api("GET", "/v1/session", undefined, other)).status).toBe(401);
    expect((await api("GET", "/v1/session", undefined, t1.token)).status).toBe(401);
    expect((await api("GET", "/v1/session", undefined, t2.token)).status).toBe(401);
    expect(
      ((await api("GET", "/v1/tokens", undefined, session)).body as { tokens: unknown[] }).tokens,
    ).toEqual([]);
  });

  it("recoveryctl token list and revoke", async () => {
    const t = (await create("ctl-app")).body as { token: string; id: string };
    const list = await recoveryctl(
      ["token", "list", "--socket", daemon.apiSocket, "--token", session],
      daemon.baseDir,
    );
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(t.id);
    expect(list.stdout).toContain("ctl-app");
    expect(list.stdout).not.toContain(t.token);
    const rev = await recoveryctl(
      ["token", "revoke", t.id, "--socket", daemon.apiSocket, "--token", session],
      daemon.baseDir,
    );
    expect(rev.code).toBe(0);
    expect((await api("GET", "/v1/session", undefined, t.token)).status).toBe(401);
    const again = await recoveryctl(
      ["token", "revoke", t.id, "--socket", daemon.apiSocket, "--token", session],
      daemon.baseDir,
    );
    expect(again.code).toBe(1);
  });
});
