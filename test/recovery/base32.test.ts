import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { base32Decode, base32Encode, groupsOf } from "../../daemon/recovery/base32.js";
import { Base32Error } from "../../daemon/recovery/errors.js";

// RFC 4648 section 10, without the padding.
const VECTORS: [string, string][] = [
  ["", ""],
  ["f", "MY"],
  ["fo", "MZXQ"],
  ["foo", "MZXW6"],
  ["foob", "MZXW6YQ"],
  ["fooba", "MZXW6YTB"],
  ["foobar", "MZXW6YTBOI"],
];

describe("base32", () => {
  it.each(VECTORS)("encodes %j as %s (RFC 4648)", (plain, encoded) => {
    expect(base32Encode(Buffer.from(plain))).toBe(encoded);
    expect(base32Decode(encoded).toString()).toBe(plain);
  });

  it("decoding ignores spaces, dashes, case and padding", () => {
    expect(base32Decode("mzxw-6ytb oi").toString()).toBe("foobar");
    expect(base32Decode("MZXW6YQ=").toString()).toBe("foob");
  });

  it("refuses letters outside the alphabet without echoing them", () => {
    const err = (() => {
      try {
        base32Decode("MZXW0YTB");
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(Base32Error);
    expect(err?.message).toContain("character 5");
    expect(err?.message).not.toContain('"0"');
  });

  it("refuses impossible lengths and non-canonical trailing bits", () => {
    expect(() => base32Decode("M")).toThrow(Base32Error);
    expect(() => base32Decode("MZX")).toThrow(Base32Error);
    expect(base32Decode("MY").toString()).toBe("f");
    // "MZ" would also decode to "f" if the two spare bits were ignored: one spelling only.
    expect(() => base32Decode("MZ")).toThrow(/trailing bits/);
  });

  it("round-trips any bytes, and the encoding is upper case without padding", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 128 }), (bytes) => {
        const text = base32Encode(bytes);
        expect(text).toMatch(/^[A-Z2-7]*$/);
        expect(text.length).toBe(Math.ceil((bytes.length * 8) / 5));
        expect(Buffer.compare(base32Decode(text), Buffer.from(bytes))).toBe(0);
        expect(Buffer.compare(base32Decode(groupsOf(text.toLowerCase(), 4)), Buffer.from(bytes))).toBe(0);
      }),
    );
  });
});
