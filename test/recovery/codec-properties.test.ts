// Property tests of the wire codecs and of bad input at the service: every input either parses
// to what was encoded or fails with a named validation error, and nothing is ever reset by it.
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { RecoverydError, ValidationError } from "../../daemon/errors.js";
import { parseGrant } from "../../daemon/recovery/grant.js";
import { decodeChallenge, encodeChallenge } from "../../daemon/recovery/unlock.js";
import { tempDir } from "./helpers.js";
import { harness } from "./service-fixture.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const deviceIdArb = fc
  .string({ unit: "grapheme", minLength: 1, maxLength: 20 })
  .filter((s) => Buffer.byteLength(s) <= 64);

describe("wire codec properties", () => {
  it("challenges round-trip for any key id, key and device id", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        deviceIdArb,
        (keyId, pub, deviceId) => {
          const text = encodeChallenge({ keyId, ephemeralPublic: pub, deviceId });
          const back = decodeChallenge(text);
          expect(back.keyId).toBe(keyId);
          expect(Buffer.compare(back.ephemeralPublic, pub)).toBe(0);
          expect(back.deviceId).toBe(deviceId);
        },
      ),
    );
  });

  it("decoding arbitrary text gives a challenge or a validation error, nothing else", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        try {
          decodeChallenge(s);
        } catch (err) {
          expect(err).toBeInstanceOf(ValidationError);
        }
      }),
    );
  });

  it("parsing arbitrary JSON as a grant fails only with a validation error", () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string(), fc.anything()), (input) => {
        try {
          parseGrant(input);
        } catch (err) {
          expect(err).toBeInstanceOf(ValidationError);
        }
      }),
    );
  });
});

describe("bad input at the service changes nothing", () => {
  it("random unlock codes, security codes and grants are all refused with named errors", async () => {
    const h = harness(path.join(tmp.dir, "fuzz"), {
      seams: { verifyHash: async () => false },
    });
    h.service.createChallenge();
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), fc.anything(), async (text, obj) => {
        for (const attempt of [
          () => h.service.unlock(text),
          () => h.service.applyGrant(obj),
          () => h.service.applyGrant(text),
        ]) {
          const err = await attempt().then(
            () => null,
            (e: unknown) => e,
          );
          expect(err).toBeInstanceOf(RecoverydError);
        }
      }),
      { numRuns: 60 },
    );
    expect(h.accounts.resets).toHaveLength(0);
  });
});
