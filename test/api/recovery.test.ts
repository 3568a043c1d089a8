// The remote recovery paths: each reset answers with a one-time setup token that setup accepts.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { SECURITY_CODE } from "./support/fake-accounts.js";
import { GOOD_SIGNATURE, UNLOCK_CODE } from "./support/fake-recovery.js";
import { ADMIN, startTestApi, type TestApi } from "./support/harness.js";

let t: TestApi;
afterEach(async () => t?.close());
beforeEach(async () => {
  // The window is closed: only the recovery's setup token lets setup through.
  t = await startTestApi({ windowOpen: false });
  await t.req("POST", "/v1/setup", { body: { ...ADMIN, securityCode: SECURITY_CODE } });
});

function code(body: unknown): string {
  return (body as { error: { code: string } }).error.code;
}

interface ResetAnswer {
  setupToken: string;
  setupTokenExpiresAt: string;
  generation: number;
}

async function expectResetAnswer(r: { status: number; body: unknown }): Promise<void> {
  expect(r.status).toBe(200);
  const body = r.body as ResetAnswer;
  expect(Object.keys(body).sort()).toEqual(["generation", "setupToken", "setupTokenExpiresAt"]);
  expect(body.generation).toBe(2);
  expect((await t.req("GET", "/v1/status")).body).toMatchObject({ state: "first-boot", generation: 2 });
  // Setup is closed for everyone else, open with the token.
  expect((await t.req("POST", "/v1/setup", { body: ADMIN })).status).toBe(403);
  const setup = await t.req("POST", "/v1/setup", { body: { ...ADMIN, setupToken: body.setupToken } });
  expect(setup.status).toBe(201);
}

describe("POST /v1/recovery/security-code", () => {
  test("resets with the right code", async () => {
    await expectResetAnswer(
      await t.req("POST", "/v1/recovery/security-code", { body: { securityCode: SECURITY_CODE } }),
    );
  });

  test("403 recovery_refused for a wrong code, then 423 locked", async () => {
    for (let i = 0; i < 3; i++) {
      const r = await t.req("POST", "/v1/recovery/security-code", { body: { securityCode: "WRONG" } });
      expect(r.status).toBe(403);
      expect(r.body).toMatchObject({ error: { code: "recovery_refused", reason: "wrong_code" } });
    }
    const locked = await t.req("POST", "/v1/recovery/security-code", {
      body: { securityCode: SECURITY_CODE },
    });
    expect(locked.status).toBe(423);
    expect(locked.headers["retry-after"]).toBe("60");
    expect((await t.req("GET", "/v1/status")).body).toMatchObject({ state: "provisioned" });
  });

  test("400 for a missing or oversized code", async () => {
    expect((await t.req("POST", "/v1/recovery/security-code", { body: {} })).status).toBe(400);
    const long = await t.req("POST", "/v1/recovery/security-code", {
      body: { securityCode: "A".repeat(65) },
    });
    expect(long.status).toBe(400);
  });
});

describe("challenge and unlock", () => {
  test("challenge then the right unlock code resets", async () => {
    const c = await t.req("POST", "/v1/recovery/challenge");
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ challenge: expect.any(String), expiresAt: expect.any(String) });
    await expectResetAnswer(await t.req("POST", "/v1/recovery/unlock", { body: { code: UNLOCK_CODE } }));
  });

  test("429 for a second challenge within the minimum interval", async () => {
    expect((await t.req("POST", "/v1/recovery/challenge")).status).toBe(201);
    const again = await t.req("POST", "/v1/recovery/challenge", { body: {} });
    expect(again.status).toBe(429);
    expect(again.headers["retry-after"]).toBe("10");
  });

  test("409 without a challenge, 403 for a wrong code", async () => {
    const none = await t.req("POST", "/v1/recovery/unlock", { body: { code: UNLOCK_CODE } });
    expect(none.status).toBe(409);
    expect(none.body).toMatchObject({ error: { code: "recovery_refused", reason: "no_challenge" } });
    await t.req("POST", "/v1/recovery/challenge");
    expect((await t.req("POST", "/v1/recovery/unlock", { body: { code: "AAAAAAAA" } })).status).toBe(403);
  });
});

describe("request and grant", () => {
  function grantFor(nonce: string, over: Record<string, unknown> = {}) {
    return {
      type: "recoveryd-reset-grant",
      v: 1,
      deviceId: "DVR-TEST-1",
      nonce,
      action: "credential-reset",
      notAfter: new Date(Date.now() + 3600_000).toISOString(),
      keyId: 1,
      signature: GOOD_SIGNATURE,
      ...over,
    };
  }

  test("request (with and without USB), then a good grant resets", async () => {
    expect((await t.req("GET", "/v1/recovery/request")).status).toBe(404);
    const plain = await t.req("POST", "/v1/recovery/request");
    expect(plain.status).toBe(201);
    expect(plain.body).toMatchObject({ request: { type: "recoveryd-reset-request", v: 1 }, usbFile: null });
    // A second one is refused while the first lives; reading it changes nothing.
    expect((await t.req("POST", "/v1/recovery/request")).body).toMatchObject({
      error: { code: "request_pending" },
    });
    const usb = await t.req("GET", "/v1/recovery/request?usb=1");
    expect(usb.body).toMatchObject({ usbFile: expect.stringContaining("/") });
    const nonce = (usb.body as { request: { nonce: string } }).request.nonce;
    await expectResetAnswer(await t.req("POST", "/v1/recovery/grant", { body: grantFor(nonce) }));
  });

  test("403 for a bad signature or another device; the store is untouched", async () => {
    const nonce = ((await t.req("POST", "/v1/recovery/request")).body as { request: { nonce: string } })
      .request.nonce;
    const bad = await t.req("POST", "/v1/recovery/grant", {
      body: grantFor(nonce, { signature: "Q".repeat(85) + "A" }),
    });
    expect(bad.status).toBe(403);
    expect(bad.body).toMatchObject({ error: { code: "recovery_refused", reason: "bad_signature" } });
    const other = await t.req("POST", "/v1/recovery/grant", { body: grantFor(nonce, { deviceId: "OTHER" }) });
    expect(other.status).toBe(403);
    expect((await t.req("GET", "/v1/status")).body).toMatchObject({ state: "provisioned", generation: 1 });
  });

  test("400 for a malformed grant or query", async () => {
    for (const body of [
      {},
      grantFor("n", { v: 2 }),
      grantFor("n", { extra: 1 }),
      grantFor("n", { action: "wipe" }),
    ]) {
      const r = await t.req("POST", "/v1/recovery/grant", { body });
      expect(r.status).toBe(400);
      expect(code(r.body)).toBe("invalid_request");
    }
    for (const q of ["?usb=yes", "?usb=1&usb=1", "?other=1"]) {
      const r = await t.req("GET", `/v1/recovery/request${q}`);
      expect(r.status, q).toBe(400);
      expect(code(r.body)).toBe("invalid_query");
    }
  });
});

test("503 recovery_unavailable without recovery (no factory data)", async () => {
  await t.close();
  t = await startTestApi({ noRecovery: true });
  const r = await t.req("POST", "/v1/recovery/challenge");
  expect(r.status).toBe(503);
  expect(code(r.body)).toBe("recovery_unavailable");
});
