import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FactoryDataError } from "../../daemon/errors.js";
import { loadFactoryData, parseFactoryData } from "../../daemon/recovery/factory-data.js";
import { fixture, tempDir } from "./helpers.js";

const good = fixture<Record<string, unknown>>("factory-data.json");
const priv = fixture<{ unlock: Record<string, string>; grant: Record<string, string> }>(
  "vendor-key-7.private.json",
);
const pub = (good.vendorKeys as Record<string, unknown>[])[0] as Record<string, unknown>;

function errorOf(raw: unknown): string {
  try {
    parseFactoryData(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(FactoryDataError);
    return (err as Error).message;
  }
  throw new Error("expected a FactoryDataError");
}

describe("factory data", () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it("loads the fixture with brand, and without a brand", () => {
    const f = parseFactoryData(good);
    expect(f).toMatchObject({ deviceId: "NVR8-2026-000042", model: "NVR-8 KAT", brand: "Acme" });
    expect(f.vendorKeys[0]?.unlock.asymmetricKeyType).toBe("x25519");
    expect(f.vendorKeys[0]?.grant.asymmetricKeyType).toBe("ed25519");
    const { brand: _b, ...noBrand } = good;
    expect(parseFactoryData(noBrand).brand).toBeUndefined();
  });

  it("a device without a factory file runs without one (null), a broken file is an error", () => {
    expect(loadFactoryData(undefined)).toBeNull();
    expect(loadFactoryData(path.join(tmp.dir, "absent.json"))).toBeNull();
    const bad = path.join(tmp.dir, "bad.json");
    writeFileSync(bad, "{ not json");
    expect(() => loadFactoryData(bad)).toThrow(/not valid JSON/);
  });

  it.each([
    ["deviceId", { ...good, deviceId: undefined }],
    ["deviceId", { ...good, deviceId: "x".repeat(65) }],
    ["deviceId", { ...good, deviceId: "é".repeat(33) }],
    ["deviceId", { ...good, deviceId: "a\nb" }],
    ["model", { ...good, model: "" }],
    [
      "securityCodeHash",
      { ...good, securityCodeHash: "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA" },
    ],
    ["securityCodeHash", { ...good, securityCodeHash: "plain" }],
    ["vendorKeys", { ...good, vendorKeys: "none" }],
    ["vendorKeys[0].id", { ...good, vendorKeys: [{ ...pub, id: 256 }] }],
    ["vendorKeys[0].unlock.crv", { ...good, vendorKeys: [{ ...pub, unlock: pub.grant }] }],
    ["vendorKeys[0].unlock.d", { ...good, vendorKeys: [{ ...pub, unlock: priv.unlock }] }],
    ["vendorKeys[0].grant.d", { ...good, vendorKeys: [{ ...pub, grant: priv.grant }] }],
    ["vendorKeys[1].id", { ...good, vendorKeys: [pub, pub] }],
  ])("names the field %s", (field, raw) => {
    expect(errorOf(raw)).toContain(`"${field}"`);
  });

  it("refuses a key of the wrong length", () => {
    const x = Buffer.alloc(31, 1).toString("base64url");
    const msg = errorOf({ ...good, vendorKeys: [{ ...pub, grant: { kty: "OKP", crv: "Ed25519", x } }] });
    expect(msg).toContain('"vendorKeys[0].grant.x" must be 32 bytes of base64url');
  });
});
