// Support-unlock challenges (SPEC 6). Each ephemeral private key exists only in this object's
// memory: nothing is written to disk, so a challenge dies with the daemon. A challenge allows a
// fixed number of tries, is consumed by the right code and expires.
//
// Issue 12: a stranger used to be able to replace the challenge a technician was reading to
// support, or burn its tries. Now several live at once (a new one never replaces another), each
// has a random id that only its creator is told, and only an attempt naming that id costs it a
// try. An attempt without an id is checked against every live challenge but costs none of them
// a try; such attempts are allowed once per minIntervalMs, so they cannot brute-force 40 bits.
import { generateKeyPairSync, type KeyObject, randomBytes } from "node:crypto";
import type { Clock } from "../clock.js";
import { TooManyRequestsError } from "../errors.js";
import { base32Encode } from "./base32.js";
import type { VendorKey } from "./factory-data.js";
import { x25519RawPublic } from "./keys.js";
import { deviceUnlockCode, encodeChallengeBytes, normalizeUnlockCode, unlockCodesEqual } from "./unlock.js";

// A type alias (not an interface) so it fits index-signature shapes such as the API's view.
export type ChallengeView = {
  /** Names this challenge in an unlock attempt; told only to its creator. */
  id: string;
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
      reason:
        | "no_challenge"
        | "challenge_used"
        | "challenge_expired"
        | "challenge_exhausted"
        | "wrong_code"
        | "anonymous_rate_limited";
      triesLeft: number;
    };

export interface ChallengeOptions {
  deviceId: string;
  vendorKey: VendorKey;
  clock: Clock;
  ttlMs: number;
  minIntervalMs: number;
  tries: number;
  /** Challenges live at once; default 8. */
  maxLive?: number;
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

/** Fates remembered for late attempts, so they hear an honest reason. */
const MAX_FATES = 32;

export class UnlockChallenges {
  private readonly live = new Map<string, Live>();
  private readonly fates = new Map<string, Fate>();
  /** What became of the most recent challenge, for an attempt without an id. */
  private lastFate: Fate | null = null;
  private lastCreatedMono: number | null = null;
  private lastAnonymousMono: number | null = null;
  private readonly generate: () => { privateKey: KeyObject; publicKey: KeyObject };
  private readonly maxLive: number;

  constructor(private readonly opts: ChallengeOptions) {
    this.generate = opts.generateEphemeral ?? (() => generateKeyPairSync("x25519"));
    this.maxLive = opts.maxLive ?? 8;
  }

  /**
   * Makes a new challenge next to the live ones. TooManyRequestsError within minIntervalMs of
   * the last one, and while maxLive are live (until the oldest expires).
   */
  create(): ChallengeView {
    const mono = this.opts.clock.monotonic();
    this.sweep();
    if (this.lastCreatedMono !== null) {
      const waitMs = this.lastCreatedMono + this.opts.minIntervalMs - mono;
      if (waitMs > 0)
        throw new TooManyRequestsError(
          waitMs / 1000,
          `a new challenge can be made in ${Math.ceil(waitMs / 1000)} s`,
          "challenge_rate_limited",
        );
    }
    if (this.live.size >= this.maxLive) {
      const oldest = Math.min(...[...this.live.values()].map((l) => l.expiresMono));
      throw new TooManyRequestsError(
        (oldest - mono) / 1000,
        `${this.maxLive} challenges are live; a new one can be made when the oldest expires`,
        "challenges_full",
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
      id: randomBytes(8).toString("hex"),
      challenge: base32Encode(bytes),
      expiresAt: new Date(this.opts.clock.now() + this.opts.ttlMs).toISOString(),
      keyId,
    };
    this.live.set(view.id, {
      view,
      bytes,
      privateKey,
      expiresMono: mono + this.opts.ttlMs,
      triesLeft: this.opts.tries,
    });
    this.lastFate = null;
    this.lastCreatedMono = mono;
    return view;
  }

  /**
   * Checks a code. With `id`: against that challenge; a wrong code uses one of its tries, the
   * last wrong try kills it, the right code consumes it. Without: against every live challenge,
   * using no tries, at most once per minIntervalMs. Throws WireFormatError (no try used) for text
   * that cannot be an unlock code.
   */
  attempt(input: string, id?: string): AttemptResult {
    this.sweep();
    const given = normalizeUnlockCode(input);
    if (id !== undefined) {
      const live = this.live.get(id);
      if (!live) return { ok: false, reason: this.fates.get(id) ?? "no_challenge", triesLeft: 0 };
      if (this.matches(live, given)) {
        this.kill(id, "challenge_used");
        return { ok: true, keyId: live.view.keyId };
      }
      live.triesLeft -= 1;
      if (live.triesLeft <= 0) this.kill(id, "challenge_exhausted");
      return { ok: false, reason: "wrong_code", triesLeft: Math.max(0, live.triesLeft) };
    }
    if (this.live.size === 0) return { ok: false, reason: this.lastFate ?? "no_challenge", triesLeft: 0 };
    const mono = this.opts.clock.monotonic();
    if (this.lastAnonymousMono !== null && mono - this.lastAnonymousMono < this.opts.minIntervalMs) {
      return { ok: false, reason: "anonymous_rate_limited", triesLeft: 0 };
    }
    this.lastAnonymousMono = mono;
    // Every live challenge is checked, so the time taken does not tell which one matched.
    let hit: Live | null = null;
    for (const live of this.live.values()) if (this.matches(live, given) && !hit) hit = live;
    if (!hit) return { ok: false, reason: "wrong_code", triesLeft: this.minTriesLeft() };
    this.kill(hit.view.id, "challenge_used");
    return { ok: true, keyId: hit.view.keyId };
  }

  /** The live challenges (public parts, no ids). */
  status(): { live: number; expiresAt: string; keyId: number; triesLeft: number } | null {
    this.sweep();
    const all = [...this.live.values()];
    const newest = all.at(-1);
    return newest
      ? {
          live: all.length,
          expiresAt: newest.view.expiresAt,
          keyId: newest.view.keyId,
          triesLeft: newest.triesLeft,
        }
      : null;
  }

  /** Forgets every live challenge (credential reset, shutdown). */
  drop(): void {
    // A challenge already used or dead keeps its fate, so a late attempt still hears why.
    this.live.clear();
    this.lastFate = null;
  }

  private matches(live: Live, given: string): boolean {
    const expected = deviceUnlockCode(live.privateKey, this.opts.vendorKey.unlock, live.bytes);
    return unlockCodesEqual(expected, given);
  }

  private minTriesLeft(): number {
    return Math.min(...[...this.live.values()].map((l) => l.triesLeft));
  }

  private sweep(): void {
    const mono = this.opts.clock.monotonic();
    for (const [id, live] of this.live) if (mono >= live.expiresMono) this.kill(id, "challenge_expired");
  }

  private kill(id: string, fate: Fate): void {
    // Dropping the only reference is all JavaScript allows; the key never left this object.
    this.live.delete(id);
    this.fates.set(id, fate);
    this.lastFate = fate;
    while (this.fates.size > MAX_FATES) this.fates.delete(this.fates.keys().next().value as string);
  }
}
