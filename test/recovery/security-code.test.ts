import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../daemon/clock.js";
import { LockedError, RecoveryRefusedError } from "../../daemon/errors.js";
import { silentLogger } from "../../daemon/log.js";
import { WireFormatError } from "../../daemon/recovery/errors.js";
import { createSecurityCodeVerifier } from "../../daemon/recovery/security-code.js";
import { fixture, MemoryAudit, tempDir } from "./helpers.js";

const kat = fixture<{ stickerText: string; normalized: string; securityCodeHash: string }>(
  "security-code-kat.json",
);
const POLICY = { threshold: 5, baseSeconds: 300, maxSeconds: 3600 };
const WRONG = "AAAA-BBBB-CCCC-DDDD";

describe("security code", () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  let n = 0;

  function setup(opts: { real?: boolean; file?: string; clock?: FakeClock } = {}) {
    const clock = opts.clock ?? new FakeClock();
    const audit = new MemoryAudit();
    const stateFile = opts.file ?? path.join(tmp.dir, `attempts-${n++}.json`);
    const hashRuns = { count: 0 };
    const verifier = createSecurityCodeVerifier({
      hash: kat.securityCodeHash,
      stateFile,
      policy: POLICY,
      clock,
      audit,
      log: silentLogger(),
      ...(opts.real
        ? {}
        : {
            verifyHash: async (_h: string, code: string) => {
              hashRuns.count += 1;
              return code === kat.normalized;
            },
          }),
    });
    return { verifier, clock, audit, stateFile, hashRuns };
  }

  it("accepts the sticker text with real argon2 (spaces, dashes, lower case) and audits without the code", async () => {
    const { verifier, audit } = setup({ real: true });
    expect(await verifier.verify(kat.stickerText.toLowerCase())).toBe(true);
    expect(await verifier.verify(WRONG, "credential-reset")).toBe(false);
    expect(audit.entries.map((e) => [e.fields.purpose, e.fields.outcome])).toEqual([
      ["setup", "ok"],
      ["credential-reset", "refused"],
    ]);
    const text = JSON.stringify(audit.entries);
    expect(text).not.toContain(kat.normalized);
    expect(text).not.toContain("AAAABBBB");
  });

  it("locks after 5 failures for 5 min, doubling to 1 h; a locked attempt runs no hash", async () => {
    const { verifier, clock, hashRuns, audit } = setup();
    const expected = [300, 600, 1200, 2400, 3600, 3600];
    for (const seconds of expected) {
      for (let i = 0; i < 5; i++) expect(await verifier.verify(WRONG)).toBe(false);
      const runs = hashRuns.count;
      const err = await verifier.verify(kat.stickerText).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LockedError);
      expect((err as LockedError).retryAfterSeconds).toBe(seconds);
      expect(hashRuns.count).toBe(runs); // refused without argon2
      expect(audit.last()?.fields).toMatchObject({ outcome: "refused", reason: "locked" });
      clock.advance(seconds * 1000 - 1);
      await expect(verifier.verify(kat.stickerText)).rejects.toBeInstanceOf(LockedError);
      clock.advance(1);
    }
    expect(await verifier.verify(kat.stickerText)).toBe(true);
    expect(await verifier.lockState()).toEqual({
      locked: false,
      retryAfterSeconds: 0,
      failures: 0,
      lockedUntil: null,
    });
  });

  it("the counter survives a restart (a new verifier on the same file)", async () => {
    const first = setup();
    for (let i = 0; i < 4; i++) await first.verifier.verify(WRONG);
    const again = setup({ file: first.stateFile, clock: first.clock });
    expect((await again.verifier.lockState()).failures).toBe(4);
    expect(await again.verifier.verify(WRONG)).toBe(false);
    const third = setup({ file: first.stateFile, clock: first.clock });
    await expect(third.verifier.verify(kat.stickerText)).rejects.toBeInstanceOf(LockedError);
    expect(third.hashRuns.count).toBe(0);
  });

  it("charges the failure before hashing, so killing the daemon mid-hash wins nothing", async () => {
    const clock = new FakeClock();
    const stateFile = path.join(tmp.dir, "charged.json");
    let release: (v: boolean) => void = () => undefined;
    const verifier = createSecurityCodeVerifier({
      hash: kat.securityCodeHash,
      stateFile,
      policy: POLICY,
      clock,
      audit: new MemoryAudit(),
      log: silentLogger(),
      verifyHash: () =>
        new Promise<boolean>((resolve) => {
          release = resolve;
        }),
    });
    const pending = verifier.verify(WRONG);
    await new Promise((r) => setTimeout(r, 50));
    expect(JSON.parse(readFileSync(stateFile, "utf8"))).toMatchObject({ failures: 1 });
    release(false);
    expect(await pending).toBe(false);
  });

  it("text that cannot be a code is a named error and is not counted", async () => {
    const { verifier, hashRuns, audit } = setup();
    for (const bad of ["", "ABCD", "K7QW-3M2X-RT5N-P4Z1", "K7QW3M2XRT5NP4ZAA"]) {
      await expect(verifier.verify(bad)).rejects.toBeInstanceOf(WireFormatError);
    }
    expect(hashRuns.count).toBe(0);
    expect((await verifier.lockState()).failures).toBe(0);
    expect(audit.entries.every((e) => e.fields.reason === "malformed")).toBe(true);
  });

  it("without factory data there is no code to check", async () => {
    const audit = new MemoryAudit();
    const verifier = createSecurityCodeVerifier({
      hash: null,
      stateFile: path.join(tmp.dir, "none.json"),
      policy: POLICY,
      clock: new FakeClock(),
      audit,
      log: silentLogger(),
    });
    expect(verifier.available).toBe(false);
    await expect(verifier.verify(kat.stickerText)).rejects.toBeInstanceOf(RecoveryRefusedError);
    expect(audit.last()?.fields).toMatchObject({ outcome: "refused", reason: "unavailable" });
  });
});
