// Signed reset grants through the RecoveryService: round trips with the vendor signing code, the
// request surviving a restart, and every refusal (SPEC 6): refused, audited, no credential reset,
// and the request's nonce left usable.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RecoveryRefusedError } from "../../daemon/errors.js";
import { WireFormatError } from "../../daemon/recovery/errors.js";
import {
  type GrantAction,
  type ResetGrant,
  type ResetRequest,
  signGrant,
} from "../../daemon/recovery/grant.js";
import { generateVendorKey, parseVendorPrivateKey } from "../../vendor/key-file.js";
import { config, tempDir } from "./helpers.js";
import { type Harness, harness, SECURITY_CODE, VENDOR } from "./service-fixture.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let n = 0;
const fresh = () => harness(path.join(tmp.dir, `s${n++}`));
const HOUR = 3_600_000;

function grantFor(
  request: Pick<ResetRequest, "deviceId" | "nonce">,
  nowMs: number,
  opts: { action?: GrantAction; hours?: number; keyId?: number; key?: typeof VENDOR.grant } = {},
): ResetGrant {
  const notAfter = new Date(nowMs + (opts.hours ?? 24) * HOUR).toISOString();
  return signGrant(
    request,
    opts.action ?? "credential-reset",
    notAfter,
    opts.keyId ?? 7,
    opts.key ?? VENDOR.grant,
  );
}

async function expectRefused(h: Harness, attempt: Promise<unknown>, reason: string): Promise<void> {
  const err = await attempt.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RecoveryRefusedError);
  expect((err as RecoveryRefusedError).reason).toBe(reason);
  expect(h.accounts.resets).toHaveLength(0);
  expect(h.audit.last()).toMatchObject({ event: "recovery.grant", fields: { outcome: "refused", reason } });
}

/** After a refusal the request must still be good for a correct grant: nothing was consumed. */
async function stillUsable(h: Harness, request: ResetRequest): Promise<void> {
  const out = await h.service.applyGrant(grantFor(request, h.clock.now(), { hours: 1 }));
  expect(out.setupToken).toBeTruthy();
  expect(h.accounts.resets).toHaveLength(1);
}

describe("signed reset grant", () => {
  it("round trip: request → vendor signs → credential reset with a setup token (JSON text or object)", async () => {
    const h = fresh();
    const { request, usbFile } = await h.service.resetRequest();
    expect(usbFile).toBeNull();
    expect(Object.keys(request)).toEqual(["type", "v", "deviceId", "nonce", "createdAt"]);
    expect(request).toMatchObject({ type: "recoveryd-reset-request", v: 1, deviceId: "NVR8-2026-000042" });
    expect(request.nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(request.createdAt).toBe("2026-01-01T00:00:00.000Z");
    const grant = grantFor(request, h.clock.now());
    const out = await h.service.applyGrant(JSON.stringify(grant));
    expect(out.setupToken).toBeTruthy();
    expect(h.accounts.resets).toEqual([
      { reason: "grant", opts: { openWindow: false, issueSetupToken: true }, generation: 2 },
    ]);
    expect(h.audit.last()).toMatchObject({ event: "recovery.grant", fields: { outcome: "ok", keyId: 7 } });
    expect(h.logs.join("") + JSON.stringify(h.audit.entries)).not.toContain(grant.signature);
  });

  it("a request made before a restart is still good after it", async () => {
    const before = fresh();
    const { request } = await before.service.resetRequest();
    before.clock.advance(5 * HOUR);
    const after = before.restart();
    await after.service.applyGrant(grantFor(request, after.clock.now()));
    expect(after.accounts.resets).toHaveLength(1);
  });

  it("refuses a grant for another device", async () => {
    const h = fresh();
    const { request } = await h.service.resetRequest();
    await expectRefused(
      h,
      h.service.applyGrant(grantFor({ ...request, deviceId: "NVR8-2026-000043" }, h.clock.now())),
      "wrong_device",
    );
    await stillUsable(h, request);
  });

  it("refuses a replayed nonce (each grant works once)", async () => {
    const h = fresh();
    const { request } = await h.service.resetRequest();
    const grant = grantFor(request, h.clock.now());
    await h.service.applyGrant(grant);
    const resets = h.accounts.resets.length;
    const err = await h.service.applyGrant(grant).catch((e: unknown) => e);
    expect((err as RecoveryRefusedError).reason).toBe("nonce_consumed");
    expect(h.accounts.resets).toHaveLength(resets);
    expect(h.audit.last()?.fields).toMatchObject({ outcome: "refused", reason: "nonce_consumed" });
    // …and across a restart too
    const after = h.restart();
    await expectRefused(after, after.service.applyGrant(grant), "nonce_consumed");
  });

  it("refuses an expired grant", async () => {
    const h = fresh();
    const { request } = await h.service.resetRequest();
    const grant = grantFor(request, h.clock.now(), { hours: 2 });
    h.clock.advance(2 * HOUR + 1);
    await expectRefused(h, h.service.applyGrant(grant), "expired");
    await stillUsable(h, request);
  });

  it("refuses a grant valid for more than grantMaxHours after its request", async () => {
    const h = fresh();
    const { request } = await h.service.resetRequest();
    h.clock.advance(HOUR);
    await expectRefused(
      h,
      h.service.applyGrant(grantFor(request, h.clock.now(), { hours: 47.5 })),
      "expiry_too_far",
    );
    await stillUsable(h, request);
  });

  it("honours a lower configured grantMaxHours", async () => {
    const h = harness(path.join(tmp.dir, "max6"), { config: config({ recovery: { grantMaxHours: 6 } }) });
    const { request } = await h.service.resetRequest();
    await expectRefused(
      h,
      h.service.applyGrant(grantFor(request, h.clock.now(), { hours: 7 })),
      "expiry_too_far",
    );
    await stillUsable(h, request);
  });

  it("refuses a bad signature (tampered action, tampered signature, another vendor's key)", async () => {
    const h = fresh();
    const { request } = await h.service.resetRequest();
    const good = grantFor(request, h.clock.now());
    const flipped = Buffer.from(good.signature, "base64url");
    flipped[10] = (flipped[10] ?? 0) ^ 1;
    const otherKey = parseVendorPrivateKey(generateVendorKey(7).privateFile);
    for (const bad of [
      { ...good, action: "factory-reset" as const },
      { ...good, signature: flipped.toString("base64url") },
      { ...good, notAfter: new Date(Date.parse(good.notAfter) + 1000).toISOString() },
      grantFor(request, h.clock.now(), { key: otherKey.grant }),
    ]) {
      await expectRefused(h, h.service.applyGrant(bad), "bad_signature");
    }
    await stillUsable(h, request);
  });

  it("refuses an unknown key id", async () => {
    const h = fresh();
    const { request } = await h.service.resetRequest();
    await expectRefused(
      h,
      h.service.applyGrant(grantFor(request, h.clock.now(), { keyId: 9 })),
      "unknown_key",
    );
    await stillUsable(h, request);
  });

  it("refuses a nonce the device never issued, or one older than grantMaxHours", async () => {
    const h = fresh();
    const { request } = await h.service.resetRequest();
    const made = { ...request, nonce: Buffer.alloc(16, 9).toString("base64url") };
    await expectRefused(h, h.service.applyGrant(grantFor(made, h.clock.now())), "unknown_nonce");
    h.clock.advance(48 * HOUR + 1);
    await expectRefused(
      h,
      h.service.applyGrant(grantFor(request, h.clock.now(), { hours: 1 })),
      "unknown_nonce",
    );
  });

  it("refuses malformed grants with a named validation error", async () => {
    const h = fresh();
    const { request } = await h.service.resetRequest();
    const good = grantFor(request, h.clock.now());
    for (const bad of [
      "not json",
      "{}",
      JSON.stringify({ ...good, extra: 1 }),
      { ...good, v: 2 },
      { ...good, action: "format-disk" },
      { ...good, notAfter: "tomorrow" },
      { ...good, signature: "abc" },
      { ...good, keyId: 256 },
      "x".repeat(10_000),
    ]) {
      const err = await h.service.applyGrant(bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WireFormatError);
      expect(h.audit.last()?.fields).toMatchObject({ outcome: "refused", reason: "malformed" });
    }
    expect(h.accounts.resets).toHaveLength(0);
    await stillUsable(h, request);
  });

  it("a factory-reset grant runs the factory reset and answers with a setup token", async () => {
    const root = path.join(tmp.dir, "factory");
    const defaults = path.join(root, "defaults", "net.json");
    const target = path.join(root, "etc", "net.json");
    mkdirSync(path.dirname(defaults), { recursive: true });
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(defaults, '{"dhcp":true}\n');
    writeFileSync(target, '{"dhcp":false,"ip":"10.0.0.9"}\n');
    const h = harness(path.join(root, "state"), {
      config: config({ factoryReset: { restore: [{ path: target, from: defaults }] } }),
    });
    const { request } = await h.service.resetRequest();
    const out = await h.service.applyGrant(grantFor(request, h.clock.now(), { action: "factory-reset" }));
    expect(out.setupToken).toBeTruthy();
    expect(readFileSync(target, "utf8")).toBe('{"dhcp":true}\n');
    expect(h.accounts.resets).toEqual([
      { reason: "factory", opts: { openWindow: false, issueSetupToken: true }, generation: 2 },
    ]);
    expect(h.audit.of("factory-reset").map((e) => e.fields.outcome)).toEqual(["started", "done"]);
  });

  it("the security code resets credentials through the service, and refuses a wrong one", async () => {
    const h = fresh();
    const err = await h.service.securityCodeReset("AAAA-BBBB-CCCC-DDDD").catch((e: unknown) => e);
    expect((err as RecoveryRefusedError).reason).toBe("wrong_code");
    expect(h.accounts.resets).toHaveLength(0);
    expect(h.audit.last()).toMatchObject({
      event: "recovery.security-code",
      fields: { reason: "wrong_code" },
    });
    const out = await h.service.securityCodeReset(SECURITY_CODE.stickerText);
    expect(out.setupToken).toBeTruthy();
    expect(h.accounts.resets[0]).toMatchObject({ reason: "security-code", opts: { issueSetupToken: true } });
    expect(h.logs.join("") + JSON.stringify(h.audit.entries)).not.toContain(SECURITY_CODE.normalized);
  });
});
