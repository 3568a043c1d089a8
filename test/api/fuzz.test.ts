// Fuzzing the API over its socket (issue 4, must-show 2): thousands of malformed requests — bad
// JSON, wrong types, huge bodies, unknown paths, path tricks, bad methods, bad headers, garbage,
// half-open and slow connections. Every one is answered with a 4xx or a closed connection, never
// a 2xx or a 5xx, the server stays up, and the credential store is exactly as it was.
//
// Every generated request is wrong by construction (a body the schema refuses, a path that does
// not exist, no admin credentials on an admin call...), so any 2xx is a bug too.
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ADMIN, startTestApi, type TestApi } from "./support/harness.js";
import { type Case, FUZZ_LIMITS as LIMITS, malformedRequest, useViewerToken } from "./support/malformed.js";

const json = { "Content-Type": "application/json" };

import { httpRequest, type RawResult, rawExchange } from "./support/raw.js";

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
  useViewerToken(() => viewer);
  before = await snapshot();
});

afterAll(async () => t?.close());

/** Status, users and the audit trail: what no malformed request may change. */
async function snapshot(): Promise<unknown> {
  const status = (await t.req("GET", "/v1/status")).body;
  const users = (await t.req("GET", "/v1/users", { token: admin })).body;
  return { status, users, auditEntries: t.audit.entries.length };
}

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
    fc.asyncProperty(fc.array(malformedRequest, { minLength: 10, maxLength: 10 }), async (batch) => {
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
