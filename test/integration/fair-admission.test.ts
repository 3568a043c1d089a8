// Issue 12, finding 2: a login flood from one client left the real admin 0 of 24 logins, and 64
// idle connections exhausted the API for everyone. Here the flood pipelines 1,000 wrong logins
// over 8 connections of the real daemon's socket while an admin with a token makes 50 calls
// (some of which hash), the owner logs in, and then 64 idle sockets sit on the API.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DaemonProcess } from "../rigs/support/daemon-process.js";
import {
  ADMIN,
  type Api,
  apiOf,
  idleSocket,
  KeepAliveClient,
  percentile,
  provision,
  spawnWithFactory,
} from "./support/adversary.js";

let daemon: DaemonProcess;
let api: Api;
let token: string;

beforeAll(async () => {
  daemon = await spawnWithFactory();
  api = apiOf(daemon);
  const session = await provision(api);
  const t = await api("POST", "/v1/tokens", { name: "ui" }, session);
  token = (t.body as { token: string }).token;
}, 60_000);
afterAll(async () => {
  await daemon?.stop();
});

/** One connection that pipelines `n` wrong logins at once and counts the status codes. */
function pipelinedFlood(socketPath: string, n: number, tag: string): Promise<Map<number, number>> {
  return new Promise((resolve) => {
    const counts = new Map<number, number>();
    let seen = 0;
    let text = "";
    const s = net.createConnection(socketPath, () => {
      let out = "";
      for (let i = 0; i < n; i++) {
        const body = JSON.stringify({ username: `${tag}-${i}`, password: "not the password at all" });
        out += `POST /v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
      }
      s.write(out);
    });
    s.setEncoding("utf8");
    s.on("data", (d: string) => {
      text += d;
      for (;;) {
        const m = /HTTP\/1\.1 (\d{3})[^\r]*\r\n/.exec(text);
        if (!m) break;
        counts.set(Number(m[1]), (counts.get(Number(m[1])) ?? 0) + 1);
        seen++;
        text = text.slice((m.index ?? 0) + m[0].length);
      }
      if (seen >= n) s.destroy();
    });
    s.on("close", () => {
      counts.set(-1, n - seen); // requests never answered (connection closed by the daemon)
      resolve(counts);
    });
    s.on("error", () => undefined);
  });
}

describe("fair admission under a login flood", () => {
  it("answers >= 95% of 50 admin calls within 2 s while 8 connections pipeline 1,000 wrong logins", async () => {
    const started = performance.now();
    // 8 flooding connections at any time, each pipelining 8 logins, reconnecting when the daemon
    // hangs up, until at least 1,000 were sent and the admin is done.
    let adminDone = false;
    let sent = 0;
    const floods = Array.from({ length: 8 }, async (_, i) => {
      const counts = new Map<number, number>();
      for (let round = 0; !adminDone || sent < 1000; round++) {
        sent += 8;
        const m = await pipelinedFlood(daemon.apiSocket, 8, `flood${i}-${round}`);
        for (const [k, v] of m) counts.set(k, (counts.get(k) ?? 0) + v);
      }
      return counts;
    });
    await new Promise((r) => setTimeout(r, 200)); // the flood is queued by now
    const admin = new KeepAliveClient(daemon.apiSocket, 2);
    const owner = new KeepAliveClient(daemon.apiSocket, 1);
    // The owner, without a token, logs in during the flood too (used to get 0 of 24).
    const ownerLogins = (async () => {
      const out: { status: number; ms: number }[] = [];
      for (let i = 0; i < 10; i++) out.push(await owner.request("POST", "/v1/login", ADMIN));
      return out;
    })();
    const times: number[] = [];
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++) {
      let r: { status: number; ms: number };
      if (i % 5 === 4) {
        // Creating a user hashes a password: it needs the hashing capacity kept for signed-in callers.
        r = await admin.request(
          "POST",
          "/v1/users",
          { username: `op${i}`, password: `quiet harbour lantern ${i} blue`, role: "viewer" },
          token,
        );
      } else {
        const paths = ["/v1/session", "/v1/users", "/v1/tokens", "/v1/audit?limit=10"];
        r = await admin.request("GET", paths[i % 4] as string, undefined, token);
      }
      times.push(r.ms);
      statuses.push(r.status);
    }
    const logins = await ownerLogins;
    adminDone = true;
    admin.close();
    owner.close();
    const results = await Promise.all(floods);
    const total = new Map<number, number>();
    for (const m of results) for (const [k, v] of m) total.set(k, (total.get(k) ?? 0) + v);
    const okFast = times.filter(
      (ms, i) => ms <= 2000 && statuses[i] !== undefined && statuses[i] < 300,
    ).length;
    process.stdout.write(
      `fair admission: admin calls ok within 2 s ${okFast}/50, p50 ${percentile(times, 50).toFixed(1)} ms, ` +
        `p99 ${percentile(times, 99).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms; ` +
        `owner logins ${logins.filter((l) => l.status === 200).length}/10 (p99 ${percentile(
          logins.map((l) => l.ms),
          99,
        ).toFixed(0)} ms); flood statuses ${JSON.stringify(Object.fromEntries(total))}; ` +
        `${sent} flood logins sent; admin statuses ${[...new Set(statuses)].join(",")}; ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
    expect(okFast).toBeGreaterThanOrEqual(48);
    expect(logins.filter((l) => l.status === 200).length).toBeGreaterThanOrEqual(9);
    // The flood was refused early with a retry hint rather than queued without bound.
    expect(total.get(429) ?? 0).toBeGreaterThan(0);
  }, 120_000);

  it("a 429 carries Retry-After", async () => {
    const s = await idleSocket(daemon.apiSocket);
    let out = "";
    for (let i = 0; i < 40; i++) {
      const body = JSON.stringify({ username: `ra-${i}`, password: "not the password at all" });
      out += `POST /v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    }
    const text = await new Promise<string>((resolve) => {
      let got = "";
      s.setEncoding("utf8");
      s.on("data", (d: string) => {
        got += d;
        if ((got.match(/HTTP\/1\.1 /g) ?? []).length >= 40) resolve(got);
      });
      s.on("close", () => resolve(got));
      s.write(out);
    });
    s.destroy();
    const refused = text.split("HTTP/1.1 ").filter((r) => r.startsWith("429"));
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]).toMatch(/retry-after: \d+/i);
  }, 60_000);

  it("64 idle sockets do not block a new caller beyond the idle deadline", async () => {
    const idle = await Promise.all(Array.from({ length: 64 }, () => idleSocket(daemon.apiSocket)));
    // Half of them even started a request and stalled (slowloris).
    for (const s of idle.slice(0, 32)) s.write("GET /v1/status HTTP/1.1\r\nHost: x\r\n");
    const started = performance.now();
    const r = await api("GET", "/v1/status");
    const ms = performance.now() - started;
    process.stdout.write(
      `idle sockets: a new caller answered after ${ms.toFixed(1)} ms with 64 idle sockets open\n`,
    );
    expect(r.status).toBe(200);
    // The default header/idle deadline is 5 s; the new caller must not wait for it.
    expect(ms).toBeLessThan(5000);
    const who = await api("GET", "/v1/session", undefined, token);
    expect(who.status).toBe(200);
    for (const s of idle) s.destroy();
  }, 60_000);
});
