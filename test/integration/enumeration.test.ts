// Issue 12, finding 5: the lockout table evicted only rows of unknown names at its cap, so a
// caller could tell which names exist; locked usernames were shown to every caller by status; a
// passphrase typed into the username field ended up in status, audit and stdout.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DaemonProcess } from "../rigs/support/daemon-process.js";
import {
  ADMIN,
  type Api,
  apiOf,
  flood,
  KeepAliveClient,
  login,
  provision,
  spawnWithFactory,
} from "./support/adversary.js";

/** Rows the lockout table keeps (the default is 1024; smaller here to bound the test's time). */
const CAP = Number(process.env.ENUM_CAP ?? 128);
const config = CAP === 1024 ? {} : { lockout: { maxTrackedNames: CAP } };

let daemon: DaemonProcess;
let api: Api;
let token: string;

beforeAll(async () => {
  daemon = await spawnWithFactory({ config });
  api = apiOf(daemon);
  token = await provision(api);
  const alice = { username: "alice", password: "quiet harbour lantern blue", role: "operator" };
  expect((await api("POST", "/v1/users", alice, token)).status).toBe(201);
}, 60_000);
afterAll(async () => {
  await daemon?.stop();
});

const wrong = (username: string) => api("POST", "/v1/login", { username, password: "definitely not it 123" });

describe("no username enumeration", () => {
  it("eviction at the lockout table's cap treats a known and an unknown name alike", async () => {
    // Four failures each: one more locks the name, unless its counter was evicted meanwhile.
    for (let i = 0; i < 4; i++) {
      expect((await wrong("alice")).status).toBe(401);
      expect((await wrong("ghost")).status).toBe(401);
    }
    const client = new KeepAliveClient(daemon.apiSocket, 4);
    const started = performance.now();
    await flood(CAP + 100, 4, (i) =>
      client.request("POST", "/v1/login", { username: `noise${i}`, password: "definitely not it 123" }),
    );
    client.close();
    process.stdout.write(
      `enumeration: ${CAP + 100} noise names in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
    const known = (await wrong("alice")).status;
    const unknown = (await wrong("ghost")).status;
    expect(known).toBe(401);
    expect(unknown).toBe(401);
    // Locked now, or not: the same answer for both names.
    const knownNext = (await wrong("alice")).status;
    const unknownNext = (await wrong("ghost")).status;
    expect(knownNext).toBe(unknownNext);
  }, 120_000);

  it("status shows strangers only counts, never a username", async () => {
    for (let i = 0; i < 6; i++) await wrong("ghost2");
    const s = await api("GET", "/v1/status");
    expect(s.status).toBe(200);
    const body = s.body as { lockout: Record<string, unknown> };
    expect(body.lockout.locked).toBe(true);
    expect(body.lockout.lockedCount).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(s.body)).not.toContain("ghost2");
    expect(JSON.stringify(s.body)).not.toContain(ADMIN.username);
    // An admin sees who is locked.
    const admin = await api("GET", "/v1/status", undefined, token);
    expect(JSON.stringify(admin.body)).toContain("ghost2");
  });

  it("a passphrase typed as the username is refused before it is logged or stored", async () => {
    const typed = "violet tractor harbour 1987";
    const r = await api("POST", "/v1/login", { username: typed, password: "x".repeat(16) });
    expect(r.status).toBe(400);
    const also = await api("POST", "/v1/login", { username: "Violet.Tractor@Harbour#1987!", password: "x" });
    expect(also.status).toBe(400);
    const s = await api("GET", "/v1/status", undefined, token);
    expect(JSON.stringify(s.body)).not.toContain("tractor");
    const audit = await api("GET", "/v1/audit?limit=1000", undefined, token);
    expect(JSON.stringify(audit.body)).not.toMatch(/tractor/i);
    expect(daemon.output()).not.toMatch(/tractor/i);
    // A session still works: nothing else was disturbed.
    expect((await api("GET", "/v1/session", undefined, await login(api))).status).toBe(200);
  });
});
