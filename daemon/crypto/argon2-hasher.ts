// argon2id password hashing (SPEC 5): PHC strings, a fresh 16-byte salt per hash, the
// generation's pepper as argon2's secret, and a floor no configuration can go below. Every
// computation goes through the limiter, so a login flood never holds more than
// maxConcurrent × memoryKiB of hashing memory.
import { randomBytes } from "node:crypto";
import { argon2 } from "./argon2-module.js";
import type { Limiter } from "./limiter.js";

export interface Argon2Params {
  memoryKiB: number;
  timeCost: number;
  parallelism: number;
}

/** OWASP's minimum for argon2id; the config schema enforces it too. */
export const PARAM_FLOOR: Readonly<Argon2Params> = Object.freeze({
  memoryKiB: 19456,
  timeCost: 2,
  parallelism: 1,
});
export const SALT_BYTES = 16;
export const HASH_BYTES = 32;

export interface HasherStats {
  hashes: number;
  verifies: number;
}

export function atLeastFloor(p: Argon2Params): Argon2Params {
  return {
    memoryKiB: Math.max(PARAM_FLOOR.memoryKiB, Math.floor(p.memoryKiB)),
    timeCost: Math.max(PARAM_FLOOR.timeCost, Math.floor(p.timeCost)),
    parallelism: Math.max(PARAM_FLOOR.parallelism, Math.floor(p.parallelism)),
  };
}

export class Argon2Hasher {
  private current: Argon2Params;
  private readonly counts: HasherStats = { hashes: 0, verifies: 0 };

  constructor(
    params: Argon2Params,
    readonly limiter: Limiter,
  ) {
    this.current = atLeastFloor(params);
  }

  get params(): Argon2Params {
    return { ...this.current };
  }

  /** New hashes use these; older ones are upgraded at their next successful login. */
  set params(p: Argon2Params) {
    this.current = atLeastFloor(p);
  }

  /** argon2 computations actually started (a refused-early login adds nothing here). */
  get stats(): HasherStats {
    return { ...this.counts };
  }

  hash(password: string, pepper: Buffer): Promise<string> {
    const p = this.current;
    return this.limiter.run(() => {
      this.counts.hashes++;
      return argon2().hash(password, {
        type: argon2().argon2id,
        memoryCost: p.memoryKiB,
        timeCost: p.timeCost,
        parallelism: p.parallelism,
        hashLength: HASH_BYTES,
        salt: randomBytes(SALT_BYTES),
        secret: pepper,
      });
    });
  }

  /** False for a wrong password, a wrong pepper or a malformed hash; never throws for those. */
  verify(phc: string, password: string, pepper: Buffer): Promise<boolean> {
    return this.limiter.run(async () => {
      this.counts.verifies++;
      try {
        return await argon2().verify(phc, password, { secret: pepper });
      } catch {
        return false;
      }
    });
  }

  needsRehash(phc: string): boolean {
    try {
      return argon2().needsRehash(phc, {
        memoryCost: this.current.memoryKiB,
        timeCost: this.current.timeCost,
        parallelism: this.current.parallelism,
      });
    } catch {
      return true;
    }
  }
}

/** Hashes outside any limiter, for calibration and benchmarks. */
export function rawHash(password: string, params: Argon2Params, pepper: Buffer): Promise<string> {
  return argon2().hash(password, {
    type: argon2().argon2id,
    memoryCost: params.memoryKiB,
    timeCost: params.timeCost,
    parallelism: params.parallelism,
    hashLength: HASH_BYTES,
    salt: randomBytes(SALT_BYTES),
    secret: pepper,
  });
}

export function rawVerify(phc: string, password: string, pepper: Buffer): Promise<boolean> {
  return argon2().verify(phc, password, { secret: pepper });
}
