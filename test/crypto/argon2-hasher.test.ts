import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Argon2Hasher, PARAM_FLOOR } from "../../daemon/crypto/argon2-hasher.js";
import { calibrate } from "../../daemon/crypto/calibrate.js";
import { Limiter } from "../../daemon/crypto/limiter.js";
import { newToken, TOKEN_PREFIX, tokenHash } from "../../daemon/crypto/tokens.js";

const pepper = randomBytes(32);

describe("Argon2Hasher", () => {
  it("makes argon2id PHC strings with a 16-byte salt and the floor parameters", async () => {
    const h = new Argon2Hasher({ memoryKiB: 1024, timeCost: 1, parallelism: 1 }, new Limiter(1, 4));
    expect(h.params).toEqual(PARAM_FLOOR);
    const a = await h.hash("quiet-harbor-lantern", pepper);
    const b = await h.hash("quiet-harbor-lantern", pepper);
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(a).not.toBe(b);
    expect(await h.verify(a, "quiet-harbor-lantern", pepper)).toBe(true);
    expect(await h.verify(a, "quiet-harbor-lanterN", pepper)).toBe(false);
    expect(h.stats).toEqual({ hashes: 2, verifies: 2 });
  });

  it("is useless without its pepper", async () => {
    const h = new Argon2Hasher(PARAM_FLOOR, new Limiter(1, 4));
    const a = await h.hash("quiet-harbor-lantern", pepper);
    expect(await h.verify(a, "quiet-harbor-lantern", randomBytes(32))).toBe(false);
    expect(await h.verify(a, "quiet-harbor-lantern", Buffer.alloc(0))).toBe(false);
  });

  it("treats a malformed hash as a mismatch", async () => {
    const h = new Argon2Hasher(PARAM_FLOOR, new Limiter(1, 4));
    expect(await h.verify("$argon2id$garbage", "x", pepper)).toBe(false);
  });

  it("asks for a rehash when the parameters change", async () => {
    const h = new Argon2Hasher(PARAM_FLOOR, new Limiter(1, 4));
    const a = await h.hash("quiet-harbor-lantern", pepper);
    expect(h.needsRehash(a)).toBe(false);
    h.params = { ...PARAM_FLOOR, timeCost: 3 };
    expect(h.needsRehash(a)).toBe(true);
  });
});

describe("calibrate", () => {
  // A fake board: verify time grows linearly with memory × time.
  const measure = async (p: { memoryKiB: number; timeCost: number }) =>
    (p.memoryKiB / 19456) * p.timeCost * 12;

  it("doubles memory, then scales time cost, until the target is reached", async () => {
    const r = await calibrate(PARAM_FLOOR, { targetMs: 250, measure });
    expect(r.params.memoryKiB).toBe(38912);
    expect(r.measuredMs).toBeGreaterThanOrEqual(250);
    expect(r.measuredMs).toBeLessThan(250 * 1.3);
    expect(r.steps[0]?.params).toEqual(PARAM_FLOOR);
  });

  it("never goes below the floor, even when the target is already exceeded", async () => {
    const r = await calibrate({ memoryKiB: 1, timeCost: 1, parallelism: 1 }, { targetMs: 5, measure });
    expect(r.params).toEqual(PARAM_FLOOR);
  });

  it("stops at the memory and time ceilings", async () => {
    const r = await calibrate(PARAM_FLOOR, { targetMs: 1e9, measure, maxMemoryKiB: 65536, maxTimeCost: 6 });
    expect(r.params).toEqual({ memoryKiB: 38912, timeCost: 6, parallelism: 1 });
  });

  it("calibrates for real with argon2", async () => {
    const r = await calibrate(PARAM_FLOOR, { targetMs: 40 });
    expect(r.measuredMs).toBeGreaterThan(0);
    expect(r.params.memoryKiB).toBeGreaterThanOrEqual(PARAM_FLOOR.memoryKiB);
  });
});

describe("tokens", () => {
  it("are 256-bit random with a kind prefix, hashed with SHA-256", () => {
    const t = newToken(TOKEN_PREFIX.session);
    expect(t).toMatch(/^rds_[A-Za-z0-9_-]{43}$/);
    expect(newToken(TOKEN_PREFIX.session)).not.toBe(t);
    expect(tokenHash(t)).toHaveLength(32);
  });
});
