// Support unlock through the RecoveryService: round trip with the vendor code computation, and
// every refusal (SPEC 6): refused, audited, and no credential reset.
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RecoveryRefusedError, TooManyRequestsError } from "../../daemon/errors.js";
import { WireFormatError } from "../../daemon/recovery/errors.js";
import { decodeChallenge, vendorUnlockCode } from "../../daemon/recovery/unlock.js";
import { tempDir } from "./helpers.js";
import { fixtureFactory, type Harness, harness, VENDOR } from "./service-fixture.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let n = 0;
const fresh = () => harness(path.join(tmp.dir, `s${n++}`));

function vendorCode(challenge: string): string {
  return vendorUnlockCode(challenge, VENDOR.unlock).code;
}

async function expectRefused(h: Harness, attempt: Promise<unknown>, reason: string): Promise<void> {
  const resetsBefore = h.accounts.resets.length;
  const err = await attempt.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RecoveryRefusedError);
  expect((err as RecoveryRefusedError).reason).toBe(reason);
  expect(h.accounts.resets.length).toBe(resetsBefore);
  expect(h.audit.last()).toMatchObject({ event: "recovery.unlock", fields: { outcome: "refused", reason } });
}

function noSecrets(h: Harness, ...secrets: string[]): void {
  const text = h.logs.join("\n") + JSON.stringify(h.audit.entries);
  for (const s of secrets) expect(text).not.toContain(s);
}

describe("support unlock", () => {
  it("round trip: challenge → vendor code → credential reset with a one-time setup token", async () => {
    const h = fresh();
    const view = h.service.createChallenge();
    expect(view.keyId).toBe(7);
    expect(view.expiresAt).toBe(new Date(h.clock.now() + 3_600_000).toISOString());
    expect(decodeChallenge(view.challenge).deviceId).toBe(fixtureFactory().deviceId);
    const code = vendorCode(view.challenge);
    const out = await h.service.unlock(`${code.slice(0, 4)} ${code.slice(4)}`.toLowerCase());
    expect(out.setupToken).toBeTruthy();
    expect(h.accounts.resets).toEqual([
      { reason: "unlock", opts: { openWindow: false, issueSetupToken: true }, generation: 2 },
    ]);
    expect(h.audit.last()).toMatchObject({ event: "recovery.unlock", fields: { outcome: "ok", keyId: 7 } });
    noSecrets(h, code, out.setupToken ?? "");
  });

  it("a wrong code uses a try of the challenge it names; after 3 it is dead even for the right code", async () => {
    const h = fresh();
    const { challenge, id } = h.service.createChallenge();
    const right = vendorCode(challenge);
    const wrong = right === "AAAAAAAA" ? "BBBBBBBB" : "AAAAAAAA";
    for (const left of [2, 1, 0]) {
      await expectRefused(h, h.service.unlock(wrong, id), "wrong_code");
      expect(h.audit.last()?.fields.triesLeft).toBe(left);
    }
    await expectRefused(h, h.service.unlock(right, id), "challenge_exhausted");
    noSecrets(h, right);
  });

  it("a wrong code without an id uses no try, and is allowed once per interval", async () => {
    const h = fresh();
    const { challenge, id } = h.service.createChallenge();
    const right = vendorCode(challenge);
    const wrong = right === "AAAAAAAA" ? "BBBBBBBB" : "AAAAAAAA";
    await expectRefused(h, h.service.unlock(wrong), "wrong_code");
    await expect(h.service.unlock(wrong)).rejects.toBeInstanceOf(TooManyRequestsError);
    h.clock.advance(10_000);
    await expectRefused(h, h.service.unlock(wrong), "wrong_code");
    // Still three tries for its creator.
    await expectRefused(h, h.service.unlock(wrong, id), "wrong_code");
    expect(h.audit.last()?.fields.triesLeft).toBe(2);
    h.clock.advance(10_000);
    await h.service.unlock(right);
    expect(h.accounts.resets).toHaveLength(1);
  });

  it("a used challenge cannot be used again", async () => {
    const h = fresh();
    const { challenge, id } = h.service.createChallenge();
    const code = vendorCode(challenge);
    await h.service.unlock(code, id);
    await expectRefused(h, h.service.unlock(code, id), "challenge_used");
    expect(h.accounts.resets).toHaveLength(1);
  });

  it("an expired challenge is refused (1 h default)", async () => {
    const h = fresh();
    const { challenge } = h.service.createChallenge();
    h.clock.advance(3_600_000);
    await expectRefused(h, h.service.unlock(vendorCode(challenge)), "challenge_expired");
  });

  it("a challenge from before a restart is refused (the private key died with the daemon)", async () => {
    const before = fresh();
    const { challenge } = before.service.createChallenge();
    const after = before.restart();
    await expectRefused(after, after.service.unlock(vendorCode(challenge)), "no_challenge");
    expect(before.accounts.resets).toHaveLength(0);
  });

  it("a new challenge at most every 10 s; it lives next to the old one and replaces nothing", async () => {
    const h = fresh();
    const first = h.service.createChallenge();
    h.clock.advance(4_000);
    const err = (() => {
      try {
        h.service.createChallenge();
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(TooManyRequestsError);
    expect((err as TooManyRequestsError).retryAfterSeconds).toBe(6);
    expect(h.audit.last()).toMatchObject({ event: "recovery.challenge", fields: { reason: "rate_limited" } });
    h.clock.advance(6_000);
    const second = h.service.createChallenge();
    expect(second.challenge).not.toBe(first.challenge);
    expect(second.id).not.toBe(first.id);
    // A wrong guess on the second does not touch the first.
    await expectRefused(h, h.service.unlock(vendorCode(first.challenge), second.id), "wrong_code");
    await h.service.unlock(vendorCode(first.challenge), first.id);
    expect(h.accounts.resets).toHaveLength(1);
  });

  it("text that is not an unlock code is a validation error that uses no try", async () => {
    const h = fresh();
    const { challenge } = h.service.createChallenge();
    for (const bad of ["", "ABC", "ABCDEFGHI", "ABCDEFG1"]) {
      await expect(h.service.unlock(bad)).rejects.toBeInstanceOf(WireFormatError);
    }
    expect(h.audit.last()?.fields).toMatchObject({ outcome: "refused", reason: "malformed" });
    await h.service.unlock(vendorCode(challenge));
    expect(h.accounts.resets).toHaveLength(1);
  });

  it("a credential reset by another path kills the live challenge", async () => {
    const h = fresh();
    const { challenge } = h.service.createChallenge();
    await h.service.afterCredentialReset();
    await expectRefused(h, h.service.unlock(vendorCode(challenge)), "no_challenge");
  });

  it("without factory data there is no unlock, and status says so", async () => {
    const h = harness(path.join(tmp.dir, "nofactory"), { factory: null });
    expect(h.service.offeredPaths()).toEqual(["button"]);
    expect(() => h.service.createChallenge()).toThrow(RecoveryRefusedError);
    await expectRefused(h, h.service.unlock("AAAAAAAA"), "unavailable");
    const status = await h.service.status();
    expect(status).toMatchObject({ factoryData: false, offeredPaths: ["button"], securityCode: null });
  });

  it("offers every path with factory data", async () => {
    const h = fresh();
    expect(h.service.offeredPaths()).toEqual(["button", "security-code", "support-unlock", "signed-grant"]);
    h.service.createChallenge();
    expect((await h.service.status()).challenge).toMatchObject({ keyId: 7, triesLeft: 3 });
  });
});
