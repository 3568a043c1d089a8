// Audit read/verify (admins only) and the server-sent event stream.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { openEventStream, type StreamEvent } from "../../cli/client.js";
import { ADMIN, startTestApi, type TestApi } from "./support/harness.js";
import { rawExchange } from "./support/raw.js";

let t: TestApi;
let admin: string;
afterEach(async () => t?.close());
beforeEach(async () => {
  t = await startTestApi();
  admin = await t.provision();
});

describe("GET /v1/audit", () => {
  test("entries with limit and sinceSeq", async () => {
    // The store already recorded the setup and the login.
    const before = t.audit.entries.length;
    for (let i = 0; i < 10; i++) t.audit.record("test-event", { n: i });
    const all = await t.req("GET", "/v1/audit", { token: admin });
    expect(all.status).toBe(200);
    expect((all.body as { entries: unknown[] }).entries).toHaveLength(before + 10);
    const some = await t.req("GET", `/v1/audit?limit=3&sinceSeq=${before + 2}`, { token: admin });
    const seqs = (some.body as { entries: { seq: number }[] }).entries.map((e) => e.seq);
    expect(seqs).toEqual([before + 8, before + 9, before + 10]);
  });

  test("401 without a session; 400 for bad query values", async () => {
    expect((await t.req("GET", "/v1/audit")).status).toBe(401);
    for (const q of [
      "?limit=0",
      "?limit=1001",
      "?limit=-1",
      "?limit=abc",
      "?sinceSeq=1.5",
      "?x=1",
      "?limit=1&limit=2",
    ]) {
      const r = await t.req("GET", `/v1/audit${q}`, { token: admin });
      expect(r.status, q).toBe(400);
    }
  });

  test("verify: 200 ok, or 200 ok:false naming the first bad entry", async () => {
    t.audit.record("boot");
    const ok = await t.req("GET", "/v1/audit/verify", { token: admin });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ ok: true, entries: t.audit.entries.length });
    t.audit.tampered = { seq: 1, file: "audit.0.log", line: 1, problem: "hash mismatch" };
    const bad = await t.req("GET", "/v1/audit/verify", { token: admin });
    expect(bad.status).toBe(200);
    expect(bad.body).toMatchObject({
      ok: false,
      firstBad: { seq: 1, file: "audit.0.log", problem: "hash mismatch" },
    });
    expect((await t.req("GET", "/v1/audit/verify")).status).toBe(401);
  });

  test("503 audit_unavailable without an audit log", async () => {
    await t.close();
    t = await startTestApi({ noAudit: true });
    const token = await t.provision();
    expect((await t.req("GET", "/v1/audit", { token })).status).toBe(503);
  });
});

describe("GET /v1/events", () => {
  test("the current state first, then published events as `event:` + `data:`; cleanup on close", async () => {
    const got: StreamEvent[] = [];
    const stream = await openEventStream(t.socketPath, (e) => got.push(e));
    await until(() => got.length >= 1);
    expect(got[0]).toEqual({ type: "state", data: { type: "state", state: "provisioned", generation: 1 } });
    expect(t.events.size).toBe(1);
    t.events.publish({ type: "tier", tier: "credential", heldMs: 5000 });
    t.events.publish({ type: "led", pattern: "slow-blink" });
    await until(() => got.length >= 3);
    expect(got.slice(1)).toEqual([
      { type: "tier", data: { type: "tier", tier: "credential", heldMs: 5000 } },
      { type: "led", data: { type: "led", pattern: "slow-blink" } },
    ]);
    stream.close();
    await until(() => t.events.size === 0);
  });

  test("raw wire format", async () => {
    setTimeout(() => t.events.publish({ type: "buzzer", pattern: "beep" }), 100);
    const r = await rawExchange(t.socketPath, ["GET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n"], {
      waitMs: 400,
    });
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/content-type: text\/event-stream/i);
    expect(r.text).toContain('event: buzzer\ndata: {"type":"buzzer","pattern":"beep"}\n\n');
  });

  test("a `: ping` comment every eventHeartbeatMs while the stream is open (proxies cut silent streams)", async () => {
    await t.close();
    t = await startTestApi({ limits: { eventHeartbeatMs: 100 } });
    const r = await rawExchange(t.socketPath, ["GET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n"], {
      waitMs: 450,
    });
    expect(r.text).toMatch(/x-accel-buffering: no/i);
    expect(r.text.split(": ping\n\n").length - 1).toBeGreaterThanOrEqual(2);
  });

  test("stays open past the idle timeout (no heartbeat needed)", async () => {
    await t.close();
    t = await startTestApi({ limits: { idleTimeoutMs: 150, headersTimeoutMs: 150 } });
    const got: StreamEvent[] = [];
    const stream = await openEventStream(t.socketPath, (e) => got.push(e));
    await new Promise((r) => setTimeout(r, 500));
    t.events.publish({ type: "fault", fault: null });
    await until(() => got.length >= 2);
    stream.close();
  });

  test("429 too_many_streams beyond half the connection limit; close() ends streams", async () => {
    await t.close();
    t = await startTestApi({ limits: { maxConnections: 4 } });
    const a = await openEventStream(t.socketPath, () => {});
    const b = await openEventStream(t.socketPath, () => {});
    await expect(openEventStream(t.socketPath, () => {})).rejects.toMatchObject({
      status: 429,
      code: "too_many_streams",
    });
    // Plain calls still get through.
    expect((await t.req("GET", "/v1/status")).status).toBe(200);
    const ended = Promise.all([a.done, b.done]);
    await t.api.close();
    await ended;
    expect(t.events.size).toBe(0);
  });
});

test("the admin's password never shows up in a response or the log", async () => {
  await t.req("POST", "/v1/login", { body: ADMIN });
  await t.req("POST", "/v1/login", { body: { ...ADMIN, password: `${ADMIN.password}x` } });
  const log = t.logLines.join("");
  expect(log).not.toContain(ADMIN.password);
  expect(log).not.toContain(admin);
  expect(log).toContain('"path":"/v1/login"');
});

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
