// Known-answer tests against the committed fixtures (test/fixtures/recovery/README.md): another
// implementation of the SPEC 8.2 wire formats must produce these exact strings.
import { createHash, createHmac, createPrivateKey, createPublicKey, diffieHellman } from "node:crypto";
import argon2 from "argon2";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../daemon/clock.js";
import { UnlockChallenges } from "../../daemon/recovery/challenge.js";
import { loadFactoryData } from "../../daemon/recovery/factory-data.js";
import {
  grantSigningText,
  type ResetGrant,
  type ResetRequest,
  signGrant,
  verifyGrant,
} from "../../daemon/recovery/grant.js";
import { importPublicJwk, type OkpPrivateJwk } from "../../daemon/recovery/keys.js";
import { normalizeSecurityCode } from "../../daemon/recovery/security-code.js";
import {
  decodeChallenge,
  deviceUnlockCode,
  encodeChallenge,
  vendorUnlockCode,
} from "../../daemon/recovery/unlock.js";
import { loadVendorPrivateKey, type VendorPublicKeyEntry } from "../../vendor/key-file.js";
import { fixture, fixturePath } from "./helpers.js";

interface UnlockKat {
  vendorKeyId: number;
  deviceId: string;
  ephemeralPrivateJwk: OkpPrivateJwk;
  ephemeralPublicHex: string;
  challengeBytesHex: string;
  challenge: string;
  sharedSecretHex: string;
  kHex: string;
  macHex: string;
  code: string;
}

interface GrantKat {
  request: ResetRequest;
  grants: { signingText: string; grant: ResetGrant }[];
}

const unlockKat = fixture<UnlockKat>("unlock-kat.json");
const grantKat = fixture<GrantKat>("grant-kat.json");
const vendorPublic = fixture<VendorPublicKeyEntry>("vendor-key-7.public.json");
const vendorPrivate = loadVendorPrivateKey(fixturePath("vendor-key-7.private.json"));
const ephPrivate = createPrivateKey({ key: { ...unlockKat.ephemeralPrivateJwk }, format: "jwk" });

describe("support unlock known answers", () => {
  it("the challenge string is exactly the fixture", () => {
    const challenge = encodeChallenge({
      keyId: unlockKat.vendorKeyId,
      ephemeralPublic: Buffer.from(unlockKat.ephemeralPublicHex, "hex"),
      deviceId: unlockKat.deviceId,
    });
    expect(challenge).toBe(unlockKat.challenge);
    const decoded = decodeChallenge(unlockKat.challenge);
    expect(decoded.bytes.toString("hex")).toBe(unlockKat.challengeBytesHex);
    expect(decoded.keyId).toBe(7);
    expect(decoded.deviceId).toBe(unlockKat.deviceId);
  });

  it("every intermediate value matches (shared secret, k, mac, code)", () => {
    const vendorUnlock = importPublicJwk(vendorPublic.unlock, "X25519");
    const shared = diffieHellman({ privateKey: ephPrivate, publicKey: vendorUnlock });
    expect(shared.toString("hex")).toBe(unlockKat.sharedSecretHex);
    const k = createHash("sha256").update(shared).digest();
    expect(k.toString("hex")).toBe(unlockKat.kHex);
    const mac = createHmac("sha256", k).update(Buffer.from(unlockKat.challengeBytesHex, "hex")).digest();
    expect(mac.toString("hex")).toBe(unlockKat.macHex);
    expect(deviceUnlockCode(ephPrivate, vendorUnlock, Buffer.from(unlockKat.challengeBytesHex, "hex"))).toBe(
      unlockKat.code,
    );
  });

  it("the vendor side computes the same code from the challenge and its private key", () => {
    expect(vendorUnlockCode(unlockKat.challenge, vendorPrivate.unlock)).toEqual({
      code: unlockKat.code,
      keyId: 7,
      deviceId: unlockKat.deviceId,
    });
  });

  it("the daemon's challenge holder, given the fixed ephemeral key, issues the fixture and accepts its code", () => {
    const clock = new FakeClock();
    const holder = new UnlockChallenges({
      deviceId: unlockKat.deviceId,
      vendorKey: {
        id: 7,
        unlock: importPublicJwk(vendorPublic.unlock, "X25519"),
        grant: importPublicJwk(vendorPublic.grant, "Ed25519"),
      },
      clock,
      ttlMs: 3_600_000,
      minIntervalMs: 10_000,
      tries: 3,
      generateEphemeral: () => ({ privateKey: ephPrivate, publicKey: createPublicKey(ephPrivate) }),
    });
    const view = holder.create();
    expect(view).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
      challenge: unlockKat.challenge,
      keyId: 7,
      expiresAt: "2026-01-01T01:00:00.000Z",
    });
    expect(holder.attempt(unlockKat.code.toLowerCase().replace(/(.{4})/, "$1-"), view.id)).toEqual({
      ok: true,
      keyId: 7,
    });
  });
});

describe("signed reset grant known answers", () => {
  it.each(grantKat.grants)("signs $grant.action exactly as the fixture (Ed25519 is deterministic)", (g) => {
    expect(grantSigningText(g.grant)).toBe(g.signingText);
    const signed = signGrant(grantKat.request, g.grant.action, g.grant.notAfter, 7, vendorPrivate.grant);
    expect(signed).toEqual(g.grant);
    expect(JSON.stringify(signed)).toBe(JSON.stringify(g.grant)); // key order too
  });

  it.each(grantKat.grants)("verifies the fixture $grant.action grant", (g) => {
    const verdict = verifyGrant(g.grant, {
      deviceId: grantKat.request.deviceId,
      grantKey: (id) => (id === 7 ? importPublicJwk(vendorPublic.grant, "Ed25519") : undefined),
      pendingCreatedAt: (n) =>
        n === grantKat.request.nonce ? Date.parse(grantKat.request.createdAt) : undefined,
      consumed: () => false,
      nowMs: Date.parse("2026-01-01T12:00:00Z"),
      maxHours: 48,
    });
    expect(verdict).toEqual({ ok: true, action: g.grant.action, keyId: 7 });
  });
});

describe("security code known answer", () => {
  const kat = fixture<{
    stickerText: string;
    normalized: string;
    saltHex: string;
    params: { memoryCost: number; timeCost: number; parallelism: number };
    securityCodeHash: string;
  }>("security-code-kat.json");

  it("hashes the normalized sticker text to the fixture's PHC string, which verifies", async () => {
    expect(normalizeSecurityCode(kat.stickerText)).toBe(kat.normalized);
    const hash = await argon2.hash(kat.normalized, {
      type: argon2.argon2id,
      ...kat.params,
      salt: Buffer.from(kat.saltHex, "hex"),
    });
    expect(hash).toBe(kat.securityCodeHash);
    expect(await argon2.verify(kat.securityCodeHash, normalizeSecurityCode("k7qw-3m2x-rt5n-p4za"))).toBe(
      true,
    );
  });

  it("the fixture factory data loads", () => {
    const f = loadFactoryData(fixturePath("factory-data.json"));
    expect(f?.deviceId).toBe(unlockKat.deviceId);
    expect(f?.securityCodeHash).toBe(kat.securityCodeHash);
    expect(f?.vendorKeys.map((k) => k.id)).toEqual([7]);
  });
});
