// Raises argon2 cost until one verify takes about the target time on this board. Memory is
// doubled first (it is what makes GPU guessing expensive) up to a ceiling the board can afford
// per running hash, then time cost; the last step is scaled linearly so the result lands near
// the target instead of up to 2x over it. Never below the starting parameters.
import { randomBytes } from "node:crypto";
import { type Argon2Params, atLeastFloor, rawHash, rawVerify } from "./argon2-hasher.js";

export interface CalibrationResult {
  params: Argon2Params;
  /** Verify time measured at `params`. */
  measuredMs: number;
  targetMs: number;
  steps: { params: Argon2Params; ms: number }[];
}

export interface CalibrateOptions {
  targetMs: number;
  /** Memory per hash is never raised above this (the floor still wins if higher). */
  maxMemoryKiB?: number;
  maxTimeCost?: number;
  /** Verify time of one parameter set; injectable so the search can be tested without argon2. */
  measure?: (p: Argon2Params) => Promise<number>;
}

export const DEFAULT_MAX_MEMORY_KIB = 65536;
export const DEFAULT_MAX_TIME_COST = 20;

export async function calibrate(start: Argon2Params, opts: CalibrateOptions): Promise<CalibrationResult> {
  const measure = opts.measure ?? measureVerify;
  const maxMem = Math.max(opts.maxMemoryKiB ?? DEFAULT_MAX_MEMORY_KIB, start.memoryKiB);
  const maxTime = Math.max(opts.maxTimeCost ?? DEFAULT_MAX_TIME_COST, start.timeCost);
  let p = atLeastFloor(start);
  let ms = await measure(p);
  const steps = [{ params: p, ms }];
  while (ms < opts.targetMs) {
    let next: Argon2Params;
    // Doubling memory roughly doubles the time: do it only while that does not overshoot much.
    if (p.memoryKiB * 2 <= maxMem && ms * 2 <= opts.targetMs * 1.2)
      next = { ...p, memoryKiB: p.memoryKiB * 2 };
    else if (p.timeCost < maxTime) {
      // Time cost is linear: jump straight to the estimate, at least one step up.
      const scaled = Math.ceil((p.timeCost * opts.targetMs) / Math.max(ms, 1));
      next = { ...p, timeCost: Math.min(maxTime, Math.max(p.timeCost + 1, scaled)) };
    } else break;
    const nextMs = await measure(next);
    steps.push({ params: next, ms: nextMs });
    p = next;
    ms = nextMs;
  }
  return { params: p, measuredMs: ms, targetMs: opts.targetMs, steps };
}

/** Fastest of three verifies: the least disturbed by whatever else the board is doing. */
export async function measureVerify(p: Argon2Params): Promise<number> {
  const pepper = randomBytes(32);
  const password = randomBytes(12).toString("base64url");
  const phc = await rawHash(password, p, pepper);
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await rawVerify(phc, password, pepper);
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}
