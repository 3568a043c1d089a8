// Issue 12, finding 6: a state-changing GET /v1/recovery/request let anyone push the pending
// reset request out (16 cap), and any caller could replace or burn the live unlock challenge a
// technician was reading to support. Over the real socket: a stranger hammers both, and the
// technician's request still gets its grant applied and the technician's challenge still unlocks.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DaemonProcess, repoRoot } from "../rigs/support/daemon-process.js";
import { type Api, apiOf, fixtures, provision, spawnWithFactory, vendorCode } from "./support/adversary.js";

let daemon: DaemonProcess;
let api: Api;

// Challenges may be made every second here (default 10 s) to keep the test short.
const config = { recovery: { challengeMinIntervalSeconds: 1 } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  daemon = await spawnWithFactory({ config });
  api = apiOf(daemon);
  await provision(api);
}, 60_000);
afterAll(async () => {
  await daemon?.stop();
});

function signGrant(request: unknown): unknown {
  const file = path.join(daemon.baseDir, "request.json");
  writeFileSync(file, JSON.stringify(request));
  const out = path.join(daemon.baseDir, "grant.json");
  execFileSync(
    process.execPath,
    [
      path.join(repoRoot, "dist/vendor/sign-grant.js"),
      "--request",
      file,
      "--key",
      path.join(fixtures, "vendor-key-7.private.json"),
      "--action",
      "credential-reset",
      "--hours",
      "24",
      "--out",
      out,
      "--json",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  return JSON.parse(execFileSync("cat", [out], { encoding: "utf8" }));
}

describe("recovery a stranger cannot disturb", () => {
  it("GET reads the live reset request without changing it; a new POST is refused while it lives", async () => {
    const created = await api("POST", "/v1/recovery/request");
    expect(created.status).toBe(201);
    const request = (created.body as { request: { nonce: string } }).request;
    // The stranger: many reads and many creations.
    for (let i = 0; i < 40; i++) {
      const g = await api("GET", "/v1/recovery/request");
      expect(g.status).toBe(200);
      expect((g.body as { request: { nonce: string } }).request.nonce).toBe(request.nonce);
      const p = await api("POST", "/v1/recovery/request");
      expect(p.status).toBe(409);
      expect(p.body).toMatchObject({ error: { code: "request_pending" } });
    }
    // The vendor signs the technician's request: it still applies.
    const grant = signGrant(request);
    const r = await api("POST", "/v1/recovery/grant", grant);
    expect(r.status).toBe(200);
    expect((r.body as { setupToken: string }).setupToken).toBeTruthy();
    // Used up: a new one can be made.
    expect((await api("GET", "/v1/recovery/request")).status).toBe(404);
    expect((await api("POST", "/v1/recovery/request")).status).toBe(201);
  });

  it("a stranger can neither replace nor burn the technician's unlock challenge", async () => {
    const mine = await api("POST", "/v1/recovery/challenge");
    expect(mine.status).toBe(201);
    const { challenge, id } = mine.body as { challenge: string; id: string };
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    // The stranger makes challenges of their own and guesses codes without an id, and with
    // made-up ids, while support works out the code.
    await sleep(1100);
    const theirs = await api("POST", "/v1/recovery/challenge");
    expect(theirs.status).toBe(201);
    const theirId = (theirs.body as { id: string }).id;
    for (let i = 0; i < 5; i++) {
      const g = await api("POST", "/v1/recovery/unlock", { code: "AAAAAAAA" });
      expect([403, 429]).toContain(g.status);
      const f = await api("POST", "/v1/recovery/unlock", {
        code: "AAAAAAAA",
        challengeId: "0123456789abcdef",
      });
      expect(f.status).toBe(403);
    }
    // Their own challenge dies of wrong guesses; mine does not.
    for (let i = 0; i < 3; i++)
      await api("POST", "/v1/recovery/unlock", { code: "AAAAAAAA", challengeId: theirId });
    const dead = await api("POST", "/v1/recovery/unlock", { code: "AAAAAAAA", challengeId: theirId });
    expect(dead.body).toMatchObject({ error: { code: "recovery_refused", reason: "challenge_exhausted" } });

    const ok = await api("POST", "/v1/recovery/unlock", { code: vendorCode(challenge), challengeId: id });
    expect(ok.status).toBe(200);
    expect((ok.body as { setupToken: string }).setupToken).toBeTruthy();
  }, 30_000);
});
