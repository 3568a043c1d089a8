// Malformed requests for the API fuzz test. Every one is wrong by construction — a body its
// schema refuses, a path that does not exist, an admin call without an admin token, bytes that
// are not HTTP — so the only acceptable answers are a 4xx or a closed connection.
import fc from "fast-check";
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
} from "../../../daemon/api/schemas.js";
import { httpRequest } from "./raw.js";

/** Small limits so "huge" and "slow" are cheap to produce. */
export const FUZZ_LIMITS = {
  maxBodyBytes: 2048,
  headersTimeoutMs: 300,
  requestTimeoutMs: 500,
  idleTimeoutMs: 300,
};

let viewerToken: () => string = () => "";
/** A valid non-admin session, used only where it cannot make a request succeed. */
export function useViewerToken(get: () => string): void {
  viewerToken = get;
}

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

export interface Case {
  kind: string;
  bytes: Buffer;
}

const tokenFor = (who: "none" | "viewer"): Record<string, string> =>
  who === "viewer" ? { Authorization: `Bearer ${viewerToken()}` } : {};

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
    size: fc.integer({ min: FUZZ_LIMITS.maxBodyBytes + 1, max: 256 * 1024 }),
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
    bytes: Buffer.from(httpRequest("GET", `${path}?${q}`, { Authorization: `Bearer ${viewerToken()}` })),
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

export const malformedRequest: fc.Arbitrary<Case> = fc
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
