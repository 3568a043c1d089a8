import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { chooseParams } from "../../daemon/accounts/params.js";
import { PARAM_FLOOR } from "../../daemon/crypto/argon2-hasher.js";
import type { calibrate } from "../../daemon/crypto/calibrate.js";
import { CredentialStore } from "../../daemon/store/credential-store.js";
import { makeTempDir, testConfig } from "../helpers/credentials.js";

let cleanup = () => {};
afterEach(() => cleanup());

describe("chooseParams", () => {
  it("uses the configured parameters when calibration is off", async () => {
    const t = makeTempDir();
    cleanup = t.cleanup;
    const s = CredentialStore.open(path.join(t.dir, "credentials.db"));
    const r = await chooseParams(s, testConfig({ argon2: { timeCost: 3 } }).argon2);
    expect(r).toEqual({ params: { ...PARAM_FLOOR, timeCost: 3 }, calibration: null, reused: false });
    s.close();
  });

  it("calibrates once and reuses the result while its inputs are unchanged", async () => {
    const t = makeTempDir();
    cleanup = t.cleanup;
    let runs = 0;
    const fake: typeof calibrate = async (start, opts) => {
      runs++;
      const params = { ...start, memoryKiB: 38912, timeCost: 3 };
      return { params, measuredMs: opts.targetMs, targetMs: opts.targetMs, steps: [] };
    };
    const file = path.join(t.dir, "credentials.db");
    const cfg = testConfig({ argon2: { calibrate: true } }).argon2;
    let s = CredentialStore.open(file);
    expect((await chooseParams(s, cfg, fake)).params).toEqual({
      memoryKiB: 38912,
      timeCost: 3,
      parallelism: 1,
    });
    s.close();
    s = CredentialStore.open(file);
    const again = await chooseParams(s, cfg, fake);
    expect(again).toMatchObject({ reused: true, params: { memoryKiB: 38912, timeCost: 3 } });
    expect(runs).toBe(1);
    await chooseParams(s, { ...cfg, targetVerifyMs: 500 }, fake);
    expect(runs).toBe(2);
    s.close();
  });
});
