// Issue 12, finding 1: ~34,000 unauthenticated requests used to rotate the setup and reset entries
// out of the audit log, and cutting the newest entries went unnoticed. Here 100,000 noise requests
// hit the real daemon over its socket; the security entries must still be there, the chain must
// verify, and a cut tail must make `recoveryctl audit --verify` fail, naming the cut, whether the
// daemon was running or not when the cut was made.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, truncateSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAuditDir } from "../../daemon/audit/read.js";
import type { DaemonProcess } from "../rigs/support/daemon-process.js";
import {
  ADMIN,
  type Api,
  apiOf,
  flood,
  KeepAliveClient,
  login,
  provision,
  recoveryctl,
  spawnWithFactory,
  unlockReset,
} from "./support/adversary.js";

const NOISE = Number(process.env.NOISE ?? 100_000);
const NEW_PASSWORD = "seven quiet lanterns over the bay";

let daemon: DaemonProcess;
let api: Api;
let token: string;

interface Entry {
  seq: number;
  event: string;
  log?: string;
  fields: Record<string, unknown>;
}

const b32 = () => Array.from(randomBytes(8), (b) => "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[b % 32]).join("");

// A short general window (default 60 s), so the merged entries of the flood are written before
// the test reads them; the security log keeps its default hour.
const config = { audit: { noise: { windowSeconds: 5 } } };

beforeAll(async () => {
  daemon = await spawnWithFactory({ config });
  api = apiOf(daemon);
  await provision(api);
  const setupToken = await unlockReset(api);
  const setup = await api("POST", "/v1/setup", {
    username: ADMIN.username,
    password: NEW_PASSWORD,
    setupToken,
  });
  expect(setup.status).toBe(201);
  token = await login(api, { username: ADMIN.username, password: NEW_PASSWORD });
}, 60_000);
afterAll(async () => {
  await daemon?.stop();
});

describe("audit under 100,000 noise requests", () => {
  it("keeps setup and reset entries, and the chain verifies", async () => {
    const client = new KeepAliveClient(daemon.apiSocket, 16);
    const grant = {
      type: "recoveryd-reset-grant",
      v: 1,
      deviceId: "NVR8-2026-000042",
      action: "credential-reset",
      notAfter: "2030-01-01T00:00:00.000Z",
      keyId: 7,
    };
    const started = performance.now();
    const statuses = new Map<number, number>();
    await flood(NOISE, 16, async (i) => {
      let r: { status: number };
      switch (i % 4) {
        case 0:
          r = await client.request("POST", "/v1/recovery/unlock", { code: b32() });
          break;
        case 1:
          r = await client.request("POST", "/v1/recovery/grant", {
            ...grant,
            nonce: randomBytes(16).toString("base64url"),
            signature: randomBytes(64).toString("base64url"),
          });
          break;
        case 2:
          r = await client.request("POST", "/v1/recovery/security-code", {
            securityCode: `${b32()}${b32()}`,
          });
          break;
        default:
          // Logins for random names hash (argon2) and are audited; the rest is cheap refusals.
          r =
            i % 100 === 3
              ? await client.request("POST", "/v1/login", { username: `u${i}`, password: "x".repeat(20) })
              : await client.request("POST", "/v1/recovery/unlock", { code: b32() });
      }
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    });
    client.close();
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `audit noise: ${NOISE} requests in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`,
    );

    // On disk: every file of both logs.
    const auditDir = path.join(daemon.stateDir, "audit");
    const securityDir = path.join(auditDir, "security");
    const onDisk = [
      ...readAuditDir(auditDir, { limit: 10_000 }),
      ...(existsSync(securityDir) ? readAuditDir(securityDir, { limit: 10_000 }) : []),
    ];
    const events = onDisk.map((e) => e.event);
    expect(events.filter((e) => e === "setup").length).toBe(2);
    expect(events).toContain("credential-reset");

    const sec = await api("GET", "/v1/audit?log=security&limit=1000", undefined, token);
    expect(sec.status).toBe(200);
    const secEvents = (sec.body as { entries: Entry[] }).entries.map((e) => e.event);
    expect(secEvents.filter((e) => e === "setup").length).toBe(2);
    expect(secEvents).toContain("credential-reset");
    // Noise is merged into counted entries instead of one line per request.
    await new Promise((r) => setTimeout(r, 5500));
    const all = (await api("GET", "/v1/audit?limit=1000", undefined, token)).body as { entries: Entry[] };
    const counted = all.entries.filter(
      (e) => typeof e.fields.merged === "object" || e.event === "noise-suppressed",
    );
    expect(counted.length).toBeGreaterThan(0);

    const verify = await api("GET", "/v1/audit/verify", undefined, token);
    expect(verify.body).toMatchObject({ ok: true });
  }, 480_000);

  it("names a tail cut while the daemon runs", async () => {
    const file = path.join(daemon.stateDir, "audit", "security", "audit.log");
    await api("POST", "/v1/tokens", { name: "probe" }, token); // one more security entry to cut
    const before = readFileSync(file);
    const lines = before.toString("utf8").trimEnd().split("\n");
    const last = JSON.parse(lines.at(-1) as string) as { seq: number };
    truncateSync(file, before.length - Buffer.byteLength(`${lines.at(-1)}\n`));
    const r = await recoveryctl(
      ["audit", "--verify", "--socket", daemon.apiSocket, "--token", token],
      daemon.baseDir,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`seq ${last.seq}`);
    expect(r.stdout).toMatch(/removed from the end/);
  });

  it("names a tail cut made while the daemon was stopped", async () => {
    // A daemon of its own: the cut above stays in that log for good (tamper evidence).
    let d = await spawnWithFactory({ config });
    try {
      let a = apiOf(d);
      let t = await provision(a);
      await a("POST", "/v1/tokens", { name: "probe" }, t);
      await d.stop();
      const file = path.join(d.stateDir, "audit", "security", "audit.log");
      const before = readFileSync(file);
      const lines = before.toString("utf8").trimEnd().split("\n");
      const last = JSON.parse(lines.at(-1) as string) as { seq: number; event: string };
      expect(last.event).toBe("token-created");
      truncateSync(file, before.length - Buffer.byteLength(`${lines.at(-1)}\n`));
      d = await spawnWithFactory({ baseDir: d.baseDir, config });
      a = apiOf(d);
      t = await login(a);
      const r = await recoveryctl(
        ["audit", "--verify", "--json", "--socket", d.apiSocket, "--token", t],
        d.baseDir,
      );
      expect(r.code, r.stdout + r.stderr).toBe(1);
      const body = JSON.parse(r.stdout) as { ok: boolean; problems: { log: string; problem: string }[] };
      expect(body.ok).toBe(false);
      expect(body.problems, r.stdout).toContainEqual(
        expect.objectContaining({
          log: "security",
          problem: expect.stringContaining(`seq ${last.seq} to ${last.seq} were cut`),
        }),
      );
      const human = await recoveryctl(
        ["audit", "--verify", "--socket", d.apiSocket, "--token", t],
        d.baseDir,
      );
      expect(human.stdout).toContain(`seq ${last.seq} to ${last.seq} were cut`);
    } finally {
      await d.stop();
    }
  }, 60_000);
});
