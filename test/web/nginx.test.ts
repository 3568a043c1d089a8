// Issue 17 (serving slice): Debian's real nginx, on a temporary config generated from the shipped
// systemd/nginx/recoveryd.conf, in front of the real daemon process on the simulated board.
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRequest, openEventStream } from "../../cli/client.js";
import { SseParser } from "../../cli/sse.js";
import { SimClient } from "../../hal/sim/control-client.js";
import { ADMIN, apiOf, provision, spawnWithFactory } from "../integration/support/adversary.js";
import { type DaemonProcess, repoRoot } from "../rigs/support/daemon-process.js";
import { type Nginx, startNginx } from "./support/nginx.js";

let daemon: DaemonProcess;
let nginx: Nginx;
let port: number;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function viaNginx(
  method: string,
  p: string,
  opts: { body?: string | Buffer; token?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (opts.body !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = String(Buffer.byteLength(opts.body));
    }
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const req = http.request({ host: "127.0.0.1", port, method, path: p, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
      res.on("error", reject);
    });
    // nginx may answer 413 and close before the whole body is sent.
    req.on("error", (err) => reject(err));
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}

beforeAll(async () => {
  daemon = await spawnWithFactory({});
  // The built web UI (scripts/bundle-web.mjs), as the recorder's web server would serve it.
  nginx = await startNginx({ apiSocket: daemon.apiSocket, webRoot: path.join(repoRoot, "dist/web") });
  port = nginx.port;
}, 60_000);

afterAll(async () => {
  await nginx?.stop();
  await daemon?.stop();
});

describe("nginx in front of the daemon's socket", () => {
  it("the static page carries the security headers", async () => {
    const r = await viaNginx("GET", "/");
    expect(r.status).toBe(200);
    expect(r.body).toContain("<html");
    const csp = String(r.headers["content-security-policy"]);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toContain("unsafe-inline");
    expect(r.headers["referrer-policy"]).toBe("no-referrer");
    expect(r.headers["x-content-type-options"]).toBe("nosniff");
    expect(r.headers["x-frame-options"]).toBe("DENY");
  });

  it("GET /v1/status through nginx equals the socket's answer", async () => {
    const direct = await apiRequest(daemon.apiSocket, { method: "GET", path: "/v1/status" });
    const proxied = await viaNginx("GET", "/v1/status");
    expect(proxied.status).toBe(200);
    expect(proxied.headers["content-type"]).toMatch(/application\/json/);
    // setupWindow.closesAt is recomputed per call from the monotonic clock and may move by a
    // millisecond between two calls; everything else must be byte-for-byte the same answer.
    type Status = { setupWindow?: { closesAt?: string } };
    const a = direct.body as Status;
    const b = JSON.parse(proxied.body) as Status;
    const drift = Math.abs(
      Date.parse(a.setupWindow?.closesAt ?? "0") - Date.parse(b.setupWindow?.closesAt ?? "0"),
    );
    expect(drift).toBeLessThanOrEqual(5);
    if (a.setupWindow?.closesAt && b.setupWindow) b.setupWindow.closesAt = a.setupWindow.closesAt;
    expect(b).toEqual(a);
  });

  it("an oversized body gets 413 from nginx, before the daemon", async () => {
    const big = JSON.stringify({ username: "x", password: "y".repeat(200 * 1024) });
    const r = await viaNginx("POST", "/v1/login", { body: big });
    expect(r.status).toBe(413);
    // nginx's own page, not the daemon's JSON error.
    expect(r.body).toMatch(/<html/i);
    expect(r.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  });

  it("a bearer-token call works through the proxy", async () => {
    const token = await provision(apiOf(daemon), ADMIN);
    const ok = await viaNginx("GET", "/v1/session", { token });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ username: ADMIN.username });
    expect((await viaNginx("GET", "/v1/session")).status).toBe(401);
    const login = await viaNginx("POST", "/v1/login", { body: JSON.stringify(ADMIN) });
    expect(login.status).toBe(200);
  });

  it("an SSE client through nginx gets a press within 200 ms of the direct socket client", async () => {
    let directAt: number | undefined;
    let proxiedAt: number | undefined;
    let proxiedFirst = false;
    const direct = await openEventStream(daemon.apiSocket, (e) => {
      if (e.type === "press" && directAt === undefined) directAt = performance.now();
    });
    const parser = new SseParser();
    const req = http.request({
      host: "127.0.0.1",
      port,
      path: "/v1/events",
      headers: { accept: "text/event-stream", "accept-encoding": "gzip" },
      agent: false,
    });
    const headers = await new Promise<http.IncomingMessage>((resolve, reject) => {
      req.on("response", resolve);
      req.on("error", reject);
      req.end();
    });
    expect(headers.statusCode).toBe(200);
    expect(headers.headers["content-type"]).toMatch(/text\/event-stream/);
    // gzip on the stream would hold events back in the compressor (and garble them for this parser).
    const encoding = headers.headers["content-encoding"];
    headers.setEncoding("utf8");
    headers.on("data", (text: string) => {
      for (const m of parser.push(text)) {
        if (m.event === "state") proxiedFirst = true;
        if (m.event === "press" && proxiedAt === undefined) proxiedAt = performance.now();
      }
    });
    // The daemon sends the current state on subscribe: once it is through, nginx is subscribed.
    await until(() => proxiedFirst, 2000).catch(() => {});
    const sim = await SimClient.connect(daemon.simSocket);
    try {
      await sim.press(300);
      await until(() => directAt !== undefined && proxiedAt !== undefined, 5000).catch(() => {});
    } finally {
      await sim.close().catch(() => {});
      direct.close();
      req.destroy();
    }
    const lag = directAt !== undefined && proxiedAt !== undefined ? proxiedAt - directAt : undefined;
    console.log(
      `SSE press: initial state through nginx ${proxiedFirst ? "seen" : "NOT seen"}; direct at ${directAt?.toFixed(1)} ms, ` +
        `through nginx at ${proxiedAt?.toFixed(1)} ms, lag ${lag?.toFixed(1) ?? "n/a (not received in 5 s)"} ms`,
    );
    expect(encoding).toBeUndefined();
    expect(directAt).toBeDefined();
    expect(proxiedAt, "press event through nginx").toBeDefined();
    expect(lag).toBeLessThan(200);
  });
});

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}
