// The HTTP layer: unknown paths, methods, bodies, sizes, path tricks, timeouts, connection
// limits, the socket file, and what gets logged.
import { spawn } from "node:child_process";
import { lstat, stat, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { startApiServer } from "../../daemon/api/server.js";
import { systemClock } from "../../daemon/clock.js";
import { configSchema } from "../../daemon/config/schema.js";
import { EventBus } from "../../daemon/events.js";
import { silentLogger } from "../../daemon/log.js";
import { FakeAccounts } from "./support/fake-accounts.js";
import { ADMIN, startTestApi, type TestApi } from "./support/harness.js";
import { httpRequest, rawExchange } from "./support/raw.js";

let t: TestApi;
afterEach(async () => t?.close());

function code(body: unknown): string | undefined {
  return (body as { error?: { code?: string } }).error?.code;
}

describe("routing", () => {
  test("404 not_found for unknown paths", async () => {
    t = await startTestApi();
    for (const p of [
      "/",
      "/v1",
      "/v2/status",
      "/v1/statusx",
      "/v1/users/a/b",
      "/v1/recovery",
      "/V1/status",
    ]) {
      const r = await t.req("GET", p);
      expect(r.status, p).toBe(404);
      expect(code(r.body)).toBe("not_found");
    }
  });

  test("405 method_not_allowed with Allow", async () => {
    t = await startTestApi();
    for (const [m, p, allow] of [
      ["POST", "/v1/status", "GET"],
      ["GET", "/v1/login", "POST"],
      ["DELETE", "/v1/audit", "GET"],
      ["PATCH", "/v1/users", "GET, POST"],
      ["OPTIONS", "/v1/events", "GET"],
      ["HEAD", "/v1/status", "GET"],
    ] as const) {
      const r = await t.req(m, p);
      expect(r.status, `${m} ${p}`).toBe(405);
      expect(r.headers.allow).toBe(allow);
    }
  });

  test("path tricks are refused before routing", async () => {
    t = await startTestApi();
    const token = await t.provision();
    const tricks = [
      "/v1/../v1/status",
      "/v1/./status",
      "//v1/status",
      "/v1//status",
      "/v1/status/",
      "/v1/%2e%2e/v1/status",
      "/v1%2fstatus",
      "/v1/users/..%2fowner",
      "/v1/users/%2e%2e",
      "/v1/users/a%5cb",
      "/v1/users/a%00b",
      "/v1/users/%zz",
      "/v1/users/%",
      "/v1/st\\atus",
      "/v1/stätus",
      "http://localhost/v1/status",
      "v1/status",
      "*",
    ];
    for (const target of tricks) {
      const r = await rawExchange(
        t.socketPath,
        [httpRequest("GET", target, { Authorization: `Bearer ${token}` })],
        {
          waitMs: 1000,
        },
      );
      expect(r.status === 400 || r.status === 404, `${target} → ${r.status}`).toBe(true);
    }
    const del = await rawExchange(t.socketPath, [
      httpRequest("DELETE", "/v1/users/..%2F..%2Fowner", { Authorization: `Bearer ${token}` }),
    ]);
    expect(del.status).toBe(400);
    expect((await t.req("GET", "/v1/status")).body).toMatchObject({ accounts: 1 });
  });

  test("414 for a long target, 431 for oversized headers", async () => {
    t = await startTestApi();
    const long = await t.req("GET", `/v1/status?${"a".repeat(3000)}`);
    expect(long.status).toBe(414);
    expect(code(long.body)).toBe("uri_too_long");
    const huge = await rawExchange(t.socketPath, [httpRequest("GET", `/v1/${"a".repeat(20_000)}`)]);
    expect(huge.status).toBe(431);
    expect(huge.closed).toBe(true);
    const header = await rawExchange(t.socketPath, [
      httpRequest("GET", "/v1/status", { "X-Big": "b".repeat(10_000) }),
    ]);
    expect(header.status).toBe(431);
  });
});

describe("bodies", () => {
  test("415 unsupported_media_type unless the body is JSON", async () => {
    t = await startTestApi();
    for (const type of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "application/jsonx",
      "application/json; charset=latin1",
    ]) {
      const r = await rawExchange(t.socketPath, [
        httpRequest("POST", "/v1/login", { "Content-Type": type }, "{}"),
      ]);
      expect(r.status, type).toBe(415);
    }
    const none = await rawExchange(t.socketPath, [
      httpRequest("POST", "/v1/login", {}, JSON.stringify(ADMIN)),
    ]);
    expect(none.status).toBe(415);
    const ok = await rawExchange(t.socketPath, [
      httpRequest(
        "POST",
        "/v1/setup",
        { "Content-Type": "Application/JSON; charset=UTF-8" },
        JSON.stringify(ADMIN),
      ),
    ]);
    expect(ok.status).toBe(201);
  });

  test("400 invalid_json for broken JSON, bad UTF-8, an empty body", async () => {
    t = await startTestApi();
    const json = { "Content-Type": "application/json" };
    for (const body of ['{"username":', "{'a':1}", "\u00ff\u00fe", "   ", '{"a":1}{"b":2}']) {
      const raw = Buffer.from(body, "latin1");
      const r = await rawExchange(t.socketPath, [
        Buffer.concat([
          Buffer.from(httpRequest("POST", "/v1/login", { ...json, "Content-Length": String(raw.length) })),
          raw,
        ]),
      ]);
      expect(r.status, body).toBe(400);
      expect(r.text).toContain('"code":"invalid_json"');
    }
  });

  test("413 payload_too_large by Content-Length (without reading) and by chunked size", async () => {
    t = await startTestApi({ limits: { maxBodyBytes: 1024 } });
    const declared = await rawExchange(t.socketPath, [
      httpRequest("POST", "/v1/login", { "Content-Type": "application/json", "Content-Length": "100000000" }),
    ]);
    expect(declared.status).toBe(413);
    expect(declared.text).toMatch(/connection: close/i);
    expect(declared.closed).toBe(true);
    const chunk = "x".repeat(600);
    const chunked = await rawExchange(
      t.socketPath,
      [
        httpRequest("POST", "/v1/login", {
          "Content-Type": "application/json",
          "Transfer-Encoding": "chunked",
        }),
        `${(600).toString(16)}\r\n${chunk}\r\n`,
        `${(600).toString(16)}\r\n${chunk}\r\n`,
        "0\r\n\r\n",
      ],
      { gapMs: 20 },
    );
    expect(chunked.status).toBe(413);
    expect(chunked.text).toContain('"limit":1024');
  });

  test("a body on an unknown path is not read; the connection closes", async () => {
    t = await startTestApi();
    const r = await rawExchange(t.socketPath, [
      httpRequest("POST", "/v1/nope", { "Content-Type": "application/json" }, "{}"),
    ]);
    expect(r.status).toBe(404);
    expect(r.text).toMatch(/connection: close/i);
  });

  test("keep-alive: two requests on one connection", async () => {
    t = await startTestApi();
    const keep = { Connection: "keep-alive" };
    const r = await rawExchange(
      t.socketPath,
      [httpRequest("GET", "/v1/status", keep) + httpRequest("GET", "/v1/nope", keep)],
      { waitMs: 300 },
    );
    expect(r.text.match(/HTTP\/1\.1 \d{3}/g)).toEqual(["HTTP/1.1 200", "HTTP/1.1 404"]);
    expect(r.closed).toBe(false);
  });

  test("400 bad_request for garbage that is not HTTP", async () => {
    t = await startTestApi();
    for (const junk of [
      "hello\r\n\r\n",
      "GET /v1/status HTTP/9.9\r\n\r\n",
      "GET /v1/status HTTP/1.1\r\nBad Header\r\n\r\n",
      "\u0000\u0001\u0002\r\n\r\n",
    ]) {
      const r = await rawExchange(t.socketPath, [junk]);
      expect(r.status, JSON.stringify(junk)).toBe(400);
      expect(r.closed).toBe(true);
    }
  });
});

describe("timeouts and limits", () => {
  const fast = { headersTimeoutMs: 300, requestTimeoutMs: 400, idleTimeoutMs: 300 };

  test("a connection that sends nothing is closed after the headers timeout", async () => {
    t = await startTestApi({ limits: fast });
    const r = await rawExchange(t.socketPath, [], { waitMs: 3000 });
    expect(r.closed).toBe(true);
    expect(r.elapsedMs).toBeLessThan(1500);
  });

  test("slowloris headers are cut at the headers timeout", async () => {
    t = await startTestApi({ limits: fast });
    const bytes = "GET /v1/status HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".split(
      "",
    );
    const r = await rawExchange(t.socketPath, bytes, { gapMs: 20, waitMs: 4000 });
    expect(r.closed).toBe(true);
    expect(r.elapsedMs).toBeLessThan(2000);
  });

  test("a body that stalls gets 408 request_timeout", async () => {
    t = await startTestApi({ limits: fast });
    const r = await rawExchange(
      t.socketPath,
      [
        httpRequest("POST", "/v1/login", { "Content-Type": "application/json", "Content-Length": "100" }) +
          '{"user',
      ],
      { waitMs: 3000 },
    );
    expect(r.status).toBe(408);
    expect(r.closed).toBe(true);
  });

  test("an idle kept-alive connection is closed", async () => {
    t = await startTestApi({ limits: fast });
    const r = await rawExchange(t.socketPath, [httpRequest("GET", "/v1/status")], { waitMs: 4000 });
    expect(r.status).toBe(200);
    expect(r.closed).toBe(true);
    expect(r.elapsedMs).toBeLessThan(2500);
  });

  test("a slow login queued behind others is not cut by the idle timeout", async () => {
    const accounts = new FakeAccounts();
    const slowLogin = accounts.login.bind(accounts);
    accounts.login = async (u, p) => {
      await new Promise((r) => setTimeout(r, 700));
      return slowLogin(u, p);
    };
    t = await startTestApi({ accounts, limits: fast });
    await t.req("POST", "/v1/setup", { body: ADMIN });
    expect((await t.req("POST", "/v1/login", { body: ADMIN })).status).toBe(200);
  });

  test("a connection beyond maxConnections evicts the longest-idle one, never a busy one", async () => {
    t = await startTestApi({ limits: { maxConnections: 3 } });
    const held = await Promise.all([0, 1, 2].map(() => connect(t.socketPath)));
    const closed = held.map((s) => new Promise<boolean>((r) => s.once("close", () => r(true))));
    // The newcomer is answered at once: the oldest idle connection made room for it.
    const extra = await rawExchange(t.socketPath, [httpRequest("GET", "/v1/status")], { waitMs: 1000 });
    expect(extra.status).toBe(200);
    expect(await Promise.race([closed[0], new Promise((r) => setTimeout(() => r(false), 500))])).toBe(true);
    for (const s of held) s.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect((await t.req("GET", "/v1/status")).status).toBe(200);
  });
});

describe("errors", () => {
  test("an unexpected error is a 500 `internal` with a generic message, logged, no stack", async () => {
    const accounts = new FakeAccounts();
    accounts.status = () => {
      throw new Error("disk I/O error at /var/lib/recoveryd/credentials.db");
    };
    t = await startTestApi({ accounts });
    const r = await t.req("GET", "/v1/status");
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ error: { code: "internal", message: "internal error" } });
    const text = JSON.stringify(r.body);
    expect(text).not.toContain("credentials.db");
    expect(text).not.toMatch(/at .*\.ts:\d+/);
    expect(
      t.logLines.some((l) => l.includes('"level":50') && l.includes("api call failed unexpectedly")),
    ).toBe(true);
  });

  test("each request is logged at debug: method, path, status, ms; never a body, query or header", async () => {
    t = await startTestApi();
    const token = await t.provision();
    await t.req("GET", "/v1/audit?limit=5&sinceSeq=1", { token });
    await t.req("POST", "/v1/login", { body: { ...ADMIN, password: "hunter2-secret-guess" } });
    const requests = t.logLines.map((l) => JSON.parse(l)).filter((l) => l.msg === "api request");
    expect(requests.length).toBe(4);
    for (const l of requests) {
      expect(Object.keys(l).sort()).toEqual([
        "level",
        "method",
        "ms",
        "msg",
        "path",
        "status",
        "svc",
        "time",
      ]);
      expect(l.level).toBe(20);
    }
    expect(requests.map((l) => `${l.method} ${l.path} ${l.status}`)).toEqual([
      "POST /v1/setup 201",
      "POST /v1/login 200",
      "GET /v1/audit 200",
      "POST /v1/login 401",
    ]);
    const all = t.logLines.join("");
    expect(all).not.toContain("hunter2");
    expect(all).not.toContain(token);
    expect(all).not.toContain("sinceSeq");
  });
});

describe("the socket file", () => {
  const limits = configSchema.parse({}).api;
  const deps = () => ({ accounts: new FakeAccounts(), events: new EventBus() });
  const start = (socketPath: string, mode = "0660") =>
    startApiServer({ socketPath, mode, limits, deps: deps(), log: silentLogger(), clock: systemClock });

  test("created with the configured mode, removed on close", async () => {
    t = await startTestApi({ mode: "0600" });
    expect((await stat(t.socketPath)).mode & 0o777).toBe(0o600);
    await t.api.close();
    await expect(lstat(t.socketPath)).rejects.toMatchObject({ code: "ENOENT" });
  });

  test("a stale socket is replaced, a live one or a regular file is not", async () => {
    t = await startTestApi();
    // A live daemon on the path: refuse to start a second one.
    await expect(start(t.socketPath)).rejects.toThrow(/already listening/);
    // A stale socket (its server gone without unlinking): replaced.
    const stale = path.join(t.dir, "stale.sock");
    await leaveStaleSocket(stale);
    expect((await lstat(stale)).isSocket()).toBe(true);
    const second = await start(stale);
    expect((await t.req("GET", "/v1/status")).status).toBe(200);
    await second.close();
    const file = path.join(t.dir, "not-a-socket");
    await writeFile(file, "x");
    await expect(start(file)).rejects.toThrow(/not a socket/);
  });

  test("bad mode or an overlong path is refused", async () => {
    t = await startTestApi();
    await expect(start(path.join(t.dir, "x.sock"), "rw-rw----")).rejects.toThrow(/octal/);
    await expect(start(path.join(t.dir, "x".repeat(120)))).rejects.toThrow(/too long|longer/);
  });
});

/** A process that listens on `socketPath` and is killed -9, so nobody unlinks the file. */
async function leaveStaleSocket(socketPath: string): Promise<void> {
  const child = spawn(
    process.execPath,
    ["-e", `require("net").createServer().listen(${JSON.stringify(socketPath)}, () => console.log("up"))`],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
  child.kill("SIGKILL");
  await new Promise((resolve) => child.once("exit", resolve));
}

function connect(socketPath: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socketPath, () => resolve(s));
    s.on("error", reject);
  });
}
