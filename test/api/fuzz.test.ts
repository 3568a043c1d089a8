// Fuzzing the API over its socket (issue 4, must-show 2): thousands of malformed requests — bad
// JSON, wrong types, huge bodies, unknown paths, path tricks, bad methods, bad headers, garbage,
// half-open and slow connections. Every one is answered with a 4xx or a closed connection, never
// a 2xx or a 5xx, the server stays up, and the credential store is exactly as it was.
//
// Every generated request is wrong by construction (a body the schema refuses, a path that does
// not exist, no admin credentials on an admin call...), so any 2xx is a bug too.
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { z } from "zod";
import {
  createTokenBody,
  createUserBody,
  emptyBody,
  grantBody,
  loginBody,
  passwordChangeBody,
  securityCodeBody,
  setupBody,
  unlockBody,
} from "../../daemon/api/schemas.js";
import { ADMIN, startTestApi, type TestApi } from "./support/harness.js";
import { httpRequest, type RawResult, rawExchange } from "./support/raw.js";

const LIMITS = { maxBodyBytes: 2048, headersTimeoutMs: 300, requestTimeoutMs: 500, idleTimeoutMs: 300 };
const VIEWER = { username: "viewer1", password: "quiet lantern orbit meadow 4410", role: "viewer" };

let t: TestApi;
let admin: string;
let viewer: string;
let before: unknown;
let sent = 0;

beforeAll(async () => {
  t = await startTestApi({ limits: LIMITS });
  admin = await t.provision();
  await t.req("POST", "/v1/users", { token: admin, body: VIEWER });
  const login = await t.req("POST", "/v1/login", {
    body: { username: VIEWER.username, password: VIEWER.password },
  });
  viewer = (login.body as { token: string }).token;
  if (!viewer) throw new Error(`viewer login failed: ${JSON.stringify(login.body)}`);
  before = await snapshot();
});

afterAll(async () => t?.close());

/** Status, users and the audit trail: what no malformed request may change. */
async function snapshot(): Promise<unknown> {
  const status = (await t.req("GET", "/v1/status")).body;
  const users = (await t.req("GET", "/v1/users", { token: admin })).body;
  return { status, users, auditEntries: t.audit.entries.length };
}

// ---- what a request is made of -------------------------------------------------------------

const BODY_ROUTES: { path: string; schema: z.ZodType }[] = [
  { path: "/v1/setup", schema: setupBody },
  { path: "/v1/login", schema: loginBody },
  { path: "/v1/password", schema: passwordChangeBody },
  { path: "/v1/users", schema: createUserBody },
  { path: "/v1/tokens", schema: createTokenBody },
  { path: "/v1/recovery/security-code", schema: securityCodeBody },
  { path: "/v1/recovery/unlock", schema: unlockBody },
  { path: "/v1/recovery/grant", schema: grantBody },
  { path: "/v1/logout", schema: emptyBody },
  { path: "/v1/recovery/challenge", schema: emptyBody },
];
const KEYS = [
  "username",
  "password",
  "securityCode",
  "setupToken",
  "currentPassword",
  "newPassword",
  "role",
  "name",
  "ttlDays",
  "code",
  "type",
  "v",
  "deviceId",
  "nonce",
  "action",
  "notAfter",
  "keyId",
  "signature",
  "__proto__",
  "constructor",
];
/** Admin-only GET routes: without an admin token they must refuse. */
const ADMIN_GETS = ["/v1/users", "/v1/audit", "/v1/audit/verify"];

const authHeader = fc.oneof(
  fc.constant<Record<string, string>>({}),
  fc.constant({ Authorization: `Bearer ${"x".repeat(40)}` }),
  fc.string({ maxLength: 80 }).map((s) => ({ Authorization: s.replace(/[\r\n]/g, "") })),
  fc.constant({ Authorization: "Bearer" }),
  fc.constant({ Authorization: "Basic YWRtaW46YWRtaW4=" }),
);
// The viewer's session is valid but not an admin's; only used where it cannot succeed.
const withViewer = fc.constantFrom<"none" | "viewer">("none", "viewer");

const jsonish = fc.jsonValue({ maxDepth: 3 });
const wrongObject = fc
  .dictionary(fc.constantFrom(...KEYS), fc.oneof(jsonish, fc.string({ maxLength: 40 })), { maxKeys: 6 })
  .chain((o) =>
    fc
      .option(fc.string({ maxLength: 12 }), { nil: undefined })
      .map((extra) => (extra ? { ...o, [extra]: 1 } : o)),
  );

function malformedBody(schema: z.ZodType) {
  return fc
    .oneof(jsonish, wrongObject, fc.constant(null), fc.array(wrongObject, { maxLength: 3 }))
    .filter((v) => !schema.safeParse(v).success);
}

const badJsonText = fc.oneof(
  fc.string({ minLength: 1, maxLength: 200 }).filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  }),
  wrongObject.chain((o) => {
    const text = JSON.stringify(o);
    // At least one byte: an empty body is a valid "no input" for challenge and logout.
    return fc.integer({ min: 1, max: Math.max(1, text.length - 1) }).map((n) => text.slice(0, n));
  }),
  fc.constantFrom("{", "[", '{"a":}', "{'a':1}", "NaN", "undefined", '{"a":1,}', "\u0000", '"unterminated'),
);

interface Case {
  kind: string;
  bytes: Buffer;
}

const tokenFor = (who: "none" | "viewer"): Record<string, string> =>
  who === "viewer" ? { Authorization: `Bearer ${viewer}` } : {};

const json = { "Content-Type": "application/json" };

const wrongTypes: fc.Arbitrary<Case> = fc
  .record({ route: fc.constantFrom(...BODY_ROUTES), who: withViewer })
  .chain(({ route, who }) =>
    malformedBody(route.schema).map((body) => ({
      kind: `wrong-types ${route.path}`,
      bytes: Buffer.from(
        httpRequest("POST", route.path, { ...json, ...tokenFor(who) }, JSON.stringify(body)),
      ),
    })),
  );

const badJson: fc.Arbitrary<Case> = fc
  .record({ route: fc.constantFrom(...BODY_ROUTES), who: withViewer, text: badJsonText })
  .map(({ route, who, text }) => ({
    kind: `bad-json ${route.path}`,
    bytes: Buffer.from(httpRequest("POST", route.path, { ...json, ...tokenFor(who) }, text)),
  }));

const badUtf8: fc.Arbitrary<Case> = fc
  .record({ route: fc.constantFrom(...BODY_ROUTES), raw: fc.uint8Array({ minLength: 1, maxLength: 300 }) })
  .map(({ route, raw }) => {
    // Make sure it is not valid UTF-8 JSON: a lone continuation byte up front.
    const body = Buffer.concat([Buffer.from([0x80]), raw]);
    const head = httpRequest("POST", route.path, { ...json, "Content-Length": String(body.length) });
    return { kind: `bad-utf8 ${route.path}`, bytes: Buffer.concat([Buffer.from(head), body]) };
  });

const hugeBody: fc.Arbitrary<Case> = fc
  .record({
    route: fc.constantFrom(...BODY_ROUTES),
    size: fc.integer({ min: LIMITS.maxBodyBytes + 1, max: 256 * 1024 }),
    chunked: fc.boolean(),
    lie: fc.boolean(),
  })
  .map(({ route, size, chunked, lie }) => {
    const body = Buffer.alloc(size, 0x20);
    body[0] = 0x7b; // "{"
    if (chunked) {
      const head = httpRequest("POST", route.path, { ...json, "Transfer-Encoding": "chunked" });
      const chunks = [Buffer.from(head)];
      for (let i = 0; i < body.length; i += 8192) {
        const part = body.subarray(i, i + 8192);
        chunks.push(Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from("\r\n"));
      }
      chunks.push(Buffer.from("0\r\n\r\n"));
      return { kind: "huge-chunked", bytes: Buffer.concat(chunks) };
    }
    // A declared length over the limit, with the body sent or not.
    const head = httpRequest("POST", route.path, { ...json, "Content-Length": String(size) });
    return {
      kind: "huge-declared",
      bytes: lie ? Buffer.from(head) : Buffer.concat([Buffer.from(head), body]),
    };
  });

const segment = fc.stringMatching(/^[a-z0-9_-]{1,12}$/);
const knownPaths = new Set([
  ...BODY_ROUTES.map((r) => r.path),
  ...ADMIN_GETS,
  "/v1/status",
  "/v1/session",
  "/v1/events",
  "/v1/recovery/request",
]);
const unknownPath: fc.Arbitrary<Case> = fc
  .record({
    segs: fc.array(segment, { maxLength: 5 }),
    v1: fc.boolean(),
    method: fc.constantFrom("GET", "POST", "DELETE"),
  })
  .map(({ segs, v1, method }) => ({ path: `/${[...(v1 ? ["v1"] : []), ...segs].join("/")}`, method }))
  .filter(({ path }) => !knownPaths.has(path) && !/^\/v1\/users\/[^/]+$/.test(path))
  .map(({ path, method }) => ({ kind: "unknown-path", bytes: Buffer.from(httpRequest(method, path)) }));

const TRICK_PARTS = [
  "..",
  ".",
  "",
  "%2e%2e",
  "%2E",
  "%2f",
  "%2F",
  "%5c",
  "%00",
  "\\",
  "%",
  "%zz",
  "%c0%ae",
  "v1",
  "users",
  "status",
  "owner",
  "audit",
  "ä",
  "~",
  ";",
  "@",
  "%20",
  "a".repeat(300),
];
const pathTrick: fc.Arbitrary<Case> = fc
  .record({
    parts: fc.array(fc.constantFrom(...TRICK_PARTS), { minLength: 1, maxLength: 8 }),
    prefix: fc.constantFrom("/", "//", "", "http://localhost/", "/v1/../", "/v1/users/"),
    query: fc.constantFrom("", "?", "?usb=1&usb=0", "?limit=-1", "?%zz", "?a=%00", "#frag"),
    method: fc.constantFrom("GET", "DELETE", "POST"),
    who: withViewer,
  })
  .map(({ parts, prefix, query, method, who }) => ({
    kind: "path-trick",
    target: `${prefix}${parts.join("/")}${query}`,
    method,
    who,
  }))
  // A trick that happens to spell a real, allowed call is not malformed.
  .filter(({ target, method }) => !isLegit(method, target))
  .map(({ target, method, who }) => ({
    kind: "path-trick",
    bytes: Buffer.from(
      httpRequest(
        method,
        target,
        method === "POST" ? { ...json, ...tokenFor(who) } : tokenFor(who),
        method === "POST" ? "[]" : undefined,
      ),
    ),
  }));

function isLegit(method: string, target: string): boolean {
  const path = target.split("?")[0] ?? "";
  if (method === "GET")
    return ["/v1/status", "/v1/session", "/v1/events", "/v1/recovery/request"].includes(path);
  return false;
}

const longTarget: fc.Arbitrary<Case> = fc.integer({ min: 2100, max: 40_000 }).map((n) => ({
  kind: "long-target",
  bytes: Buffer.from(httpRequest("GET", `/v1/status?${"q".repeat(n)}`)),
}));

const badMethod: fc.Arbitrary<Case> = fc
  .record({
    method: fc.constantFrom(
      "PUT",
      "PATCH",
      "TRACE",
      "PROPFIND",
      "MKCOL",
      "LOCK",
      "SEARCH",
      "PURGE",
      "OPTIONS",
      "HEAD",
      "CONNECT",
      "get",
      "G%T",
      "GETT",
      "GET\tX",
      "POST\u0000",
    ),
    path: fc.constantFrom(...knownPaths),
  })
  .map(({ method, path }) => ({
    kind: `bad-method ${method}`,
    bytes: Buffer.from(httpRequest(method, path)),
  }));

const BAD_HEADERS: Record<string, string>[] = [
  { "Content-Length": "abc" },
  { "Content-Length": "-1" },
  { "Content-Length": "1, 2" },
  { "Content-Length": "99999999999999999999999" },
  { "Transfer-Encoding": "gzip" },
  { "Transfer-Encoding": "chunked, identity" },
  { "Transfer-Encoding": "chunked", "Content-Length": "5" },
  { "X-Bad\u0000Name": "1" },
  { "X Space": "1" },
  { "X-Value": "a\u0000b" },
  { "X-Value": "a\rb" },
  { "": "empty-name" },
  { Host: "a\r\n\r\nGET /v1/users HTTP/1.1\r\nX: y" },
  { "X-Fold": "a\r\n  continued" },
  { Expect: "100-continue-please" },
  { "Content-Type": "application/json\r\nAuthorization: Bearer x" },
];
const badHeaders: fc.Arbitrary<Case> = fc
  .record({
    headers: fc.constantFrom(...BAD_HEADERS),
    extra: fc.dictionary(fc.stringMatching(/^[A-Za-z-]{1,20}$/), fc.string({ maxLength: 60 }), {
      maxKeys: 4,
    }),
    path: fc.constantFrom(...ADMIN_GETS),
    auth: authHeader,
  })
  .map(({ headers, extra, path, auth }) => ({
    kind: "bad-headers",
    // Admin GETs without an admin token: a parser that lets the header through still answers 4xx.
    bytes: Buffer.from(httpRequest("GET", path, { ...extra, ...auth, ...headers })),
  }));

const badAuth: fc.Arbitrary<Case> = fc
  .record({ path: fc.constantFrom(...ADMIN_GETS), auth: authHeader, who: withViewer })
  .map(({ path, auth, who }) => ({
    kind: "bad-auth",
    bytes: Buffer.from(httpRequest("GET", path, who === "viewer" ? tokenFor("viewer") : auth)),
  }));

const badQuery: fc.Arbitrary<Case> = fc
  .record({
    path: fc.constantFrom("/v1/audit", "/v1/recovery/request", "/v1/status", "/v1/events"),
    q: fc.constantFrom(
      "limit=0",
      "limit=99999",
      "limit=x",
      "sinceSeq=-1",
      "usb=2",
      "usb=1&usb=1",
      "x=1",
      "limit=1&limit=1",
    ),
  })
  .map(({ path, q }) => ({
    kind: "bad-query",
    bytes: Buffer.from(httpRequest("GET", `${path}?${q}`, { Authorization: `Bearer ${viewer}` })),
  }));

const garbage: fc.Arbitrary<Case> = fc
  .oneof(
    fc.uint8Array({ minLength: 1, maxLength: 2000 }).map((b) => Buffer.from(b)),
    fc.string({ maxLength: 300 }).map((s) => Buffer.from(`${s}\r\n\r\n`)),
    fc
      .constantFrom(
        "GET / HTTP/2.0\r\n\r\n",
        "GET /v1/status\r\n\r\n",
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        "\r\n\r\n\r\n",
      )
      .map((s) => Buffer.from(s)),
  )
  .map((bytes) => ({ kind: "garbage", bytes }));

/** Counterexamples print as the kind and the first bytes, not a 256 KiB buffer. */
function printable(c: Case): Case {
  const preview = JSON.stringify(c.bytes.subarray(0, 200).toString("latin1"));
  return Object.assign(c, { [fc.toStringMethod]: () => `${c.kind} (${c.bytes.length} B) ${preview}` });
}

const anyCase: fc.Arbitrary<Case> = fc
  .oneof(
    wrongTypes,
    wrongTypes,
    badJson,
    badUtf8,
    hugeBody,
    unknownPath,
    pathTrick,
    pathTrick,
    longTarget,
    badMethod,
    badHeaders,
    badAuth,
    badQuery,
    garbage,
  )
  .map(printable);

function acceptable(r: RawResult): boolean {
  if (r.status === null) return r.closed;
  return r.status >= 400 && r.status < 500;
}

async function send(c: Case): Promise<RawResult> {
  sent++;
  return rawExchange(t.socketPath, [c.bytes], { waitMs: 3000, untilResponse: true });
}

test("5,000+ malformed requests: 4xx or closed, never 2xx/5xx, the server stays up", async () => {
  const kinds = new Map<string, number>();
  const statuses = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(fc.array(anyCase, { minLength: 10, maxLength: 10 }), async (batch) => {
      // Ten at a time, concurrently, like a real flood.
      const results = await Promise.all(batch.map(send));
      for (const [i, r] of results.entries()) {
        const c = batch[i] as Case;
        const kind = c.kind.split(" ")[0] as string;
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        statuses.set(String(r.status ?? "closed"), (statuses.get(String(r.status ?? "closed")) ?? 0) + 1);
        if (!acceptable(r)) {
          throw new Error(
            `${c.kind}: got ${r.status ?? "no answer"} for ${JSON.stringify(c.bytes.subarray(0, 300).toString("latin1"))}\n${r.text.slice(0, 400)}`,
          );
        }
      }
      expect(t.api.server.listening).toBe(true);
    }),
    { numRuns: 520, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
  );
  console.log("fuzz: requests by kind", Object.fromEntries(kinds), "answers", Object.fromEntries(statuses));
  expect(sent).toBeGreaterThanOrEqual(5000);
}, 120_000);

test("half-open and slow connections are answered 4xx or closed in bounded time", async () => {
  const full = httpRequest("POST", "/v1/login", json, JSON.stringify({ username: "x", password: 1 }));
  const slowCase = fc.oneof(
    // Half-open: part of a request, then the client shuts its side.
    fc
      .integer({ min: 0, max: full.length - 1 })
      .map((n) => ({ kind: "half-open", chunks: [full.slice(0, n)], gapMs: 0, end: true })),
    // Slow headers: one byte at a time, never finishing.
    fc.integer({ min: 1, max: 40 }).map((n) => ({
      kind: "slow-headers",
      chunks: full.slice(0, Math.min(n + 20, full.indexOf("\r\n\r\n"))).split(""),
      gapMs: 25,
      end: false,
    })),
    // Slow body: complete headers, then a trickle that would take longer than requestTimeout.
    fc.constant({
      kind: "slow-body",
      chunks: [
        httpRequest("POST", "/v1/login", { ...json, "Content-Length": "60" }),
        ...'{"username":"x","password":"y"}'.split(""),
      ],
      gapMs: 40,
      end: false,
    }),
    // Connect and say nothing.
    fc.constant({ kind: "silent", chunks: [] as string[], gapMs: 0, end: false }),
  );
  const cases = fc.sample(slowCase, { numRuns: 240, seed: 42 });
  for (let i = 0; i < cases.length; i += 40) {
    const batch = cases.slice(i, i + 40);
    const results = await Promise.all(
      batch.map((c) => {
        sent++;
        return rawExchange(t.socketPath, c.chunks, { gapMs: c.gapMs, waitMs: 5000, endAfterWrite: c.end });
      }),
    );
    for (const [j, r] of results.entries()) {
      const c = batch[j] as (typeof cases)[number];
      expect(r.closed, `${c.kind} was never closed`).toBe(true);
      expect(r.status === null || (r.status >= 400 && r.status < 500), `${c.kind}: ${r.status}`).toBe(true);
      // headersTimeout/requestTimeout plus scheduling slack under load.
      expect(r.elapsedMs, c.kind).toBeLessThan(LIMITS.requestTimeoutMs + 2500);
    }
  }
}, 60_000);

test("afterwards: the store is unchanged, nothing logged as an internal error", async () => {
  expect(await snapshot()).toEqual(before);
  // Admin and viewer still work.
  expect((await t.req("POST", "/v1/login", { body: ADMIN })).status).toBe(200);
  expect((await t.req("GET", "/v1/session", { token: viewer })).status).toBe(200);
  const errors = t.logLines.filter((l) => /"level":(50|60)/.test(l));
  expect(errors).toEqual([]);
});
