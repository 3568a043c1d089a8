// The one live support-unlock challenge (SPEC 6). Its ephemeral private key exists only in this
// object's memory: nothing is written to disk, so a challenge dies with the daemon. It allows a
// fixed number of tries, is consumed by the right code, expires, and is replaced by a new one.
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import type { Clock } from "../clock.js";
import { TooManyRequestsError } from "../errors.js";
import { base32Encode } from "./base32.js";
import type { VendorKey } from "./factory-data.js";
import { x25519RawPublic } from "./keys.js";
import { deviceUnlockCode, encodeChallengeBytes, normalizeUnlockCode, unlockCodesEqual } from "./unlock.js";

// A type alias (not an interface) so it fits index-signature shapes such as the API's view.
export type ChallengeView = {
  /** base32 text read out to support. */
  challenge: string;
  /** ISO-8601 UTC. */
  expiresAt: string;
  keyId: number;
};

export type AttemptResult =
  | { ok: true; keyId: number }
  | {
      ok: false;
      reason: "no_challenge" | "challenge_used" | "challenge_expired" | "challenge_exhausted" | "wrong_code";
      triesLeft: number;
    };

export interface ChallengeOptions {
  deviceId: string;
  vendorKey: VendorKey;
  clock: Clock;
  ttlMs: number;
  minIntervalMs: number;
  tries: number;
  /** Injected for known-answer tests; a fresh X25519 pair otherwise. */
  generateEphemeral?: () => { privateKey: KeyObject; publicKey: KeyObject };
}

interface Live {
  view: ChallengeView;
  bytes: Buffer;
  privateKey: KeyObject;
  expiresMono: number;
  triesLeft: number;
}

type Fate = "challenge_used" | "challenge_expired" | "challenge_exhausted";

export class UnlockChallenges {
  private live: Live | null = null;
  /** What became of the last challenge, so a late attempt gets an honest reason. */
  private fate: Fate | null = null;
  private lastCreatedMono: number | null = null;
  private readonly generate: () => { privateKey: KeyObject; publicKey: KeyObject };

  constructor(private readonly opts: ChallengeOptions) {
    this.generate = opts.generateEphemeral ?? (() => generateKeyPairSync("x25519"));
  }

  /** Makes a new challenge, replacing any live one. TooManyRequestsError within minIntervalMs. */
  create(): ChallengeView {
    const mono = this.opts.clock.monotonic();
    if (this.lastCreatedMono !== null) {
      const waitMs = this.lastCreatedMono + this.opts.minIntervalMs - mono;
      if (waitMs > 0)
        throw new TooManyRequestsError(
          waitMs / 1000,
          `a new challenge can be made in ${Math.ceil(waitMs / 1000)} s`,
          "challenge_rate_limited",
        );
    }
    const { privateKey, publicKey } = this.generate();
    const keyId = this.opts.vendorKey.id;
    const bytes = encodeChallengeBytes({
      keyId,
      ephemeralPublic: x25519RawPublic(publicKey),
      deviceId: this.opts.deviceId,
    });
    const view: ChallengeView = {
      challenge: base32Encode(bytes),
      expiresAt: new Date(this.opts.clock.now() + this.opts.ttlMs).toISOString(),
      keyId,
    };
    this.live = { view, bytes, privateKey, expiresMono: mono + this.opts.ttlMs, triesLeft: this.opts.tries };
    this.fate = null;
    this.lastCreatedMono = mono;
    return view;
  }

  /**
   * Checks a code against the live challenge. A wrong code uses a try; the last wrong try kills
   * the challenge; the right code consumes it. Throws WireFormatError (no try used) for text that
   * cannot be an unlock code.
   */
  attempt(input: string): AttemptResult {
    const live = this.current();
    if (!live) return { ok: false, reason: this.fate ?? "no_challenge", triesLeft: 0 };
    const given = normalizeUnlockCode(input);
    const expected = deviceUnlockCode(live.privateKey, this.opts.vendorKey.unlock, live.bytes);
    if (unlockCodesEqual(expected, given)) {
      this.kill("challenge_used");
      return { ok: true, keyId: live.view.keyId };
    }
    live.triesLeft -= 1;
    if (live.triesLeft <= 0) this.kill("challenge_exhausted");
    return { ok: false, reason: "wrong_code", triesLeft: Math.max(0, live.triesLeft) };
  }

  /** The live challenge (public parts), or null. */
  status(): { expiresAt: string; keyId: number; triesLeft: number } | null {
    const live = this.current();
    return live
      ? { expiresAt: live.view.expiresAt, keyId: live.view.keyId, triesLeft: live.triesLeft }
      : null;
  }

  /** Forgets the live challenge (credential reset, shutdown). */
  drop(): void {
    // A challenge already used or dead keeps its fate, so a late attempt still hears why.
    if (this.live) this.fate = null;
    this.live = null;
  }

  private current(): Live | null {
    if (this.live && this.opts.clock.monotonic() >= this.live.expiresMono) this.kill("challenge_expired");
    return this.live;
  }

  private kill(fate: Fate): void {
    // Dropping the only reference is all JavaScript allows; the key never left this object.
    this.live = null;
    this.fate = fate;
  }
}
