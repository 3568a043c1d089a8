// Which argon2 parameters new hashes use: the configured ones, or, when calibration is on, the
// result of calibrating from them. A calibration is kept in the store's settings and reused while
// its inputs are unchanged, so a restart neither repeats the seconds-long search nor makes every
// account rehash because of timing noise.
import type { Config } from "../config/schema.js";
import { type Argon2Params, atLeastFloor } from "../crypto/argon2-hasher.js";
import { type CalibrationResult, calibrate } from "../crypto/calibrate.js";
import type { CredentialStore } from "../store/credential-store.js";

const SETTING = "argon2.calibration";

interface Stored {
  input: Argon2Params & { targetMs: number };
  params: Argon2Params;
  measuredMs: number;
}

export async function chooseParams(
  store: CredentialStore,
  cfg: Config["argon2"],
  run: typeof calibrate = calibrate,
): Promise<{ params: Argon2Params; calibration: CalibrationResult | null; reused: boolean }> {
  const configured = atLeastFloor({
    memoryKiB: cfg.memoryKiB,
    timeCost: cfg.timeCost,
    parallelism: cfg.parallelism,
  });
  if (!cfg.calibrate) return { params: configured, calibration: null, reused: false };
  const input = { ...configured, targetMs: cfg.targetVerifyMs };
  const stored = readStored(store);
  if (stored && sameInput(stored.input, input)) {
    const params = atLeastFloor(stored.params);
    return {
      params,
      calibration: { params, measuredMs: stored.measuredMs, targetMs: input.targetMs, steps: [] },
      reused: true,
    };
  }
  const calibration = await run(configured, { targetMs: cfg.targetVerifyMs });
  const record: Stored = { input, params: calibration.params, measuredMs: calibration.measuredMs };
  store.setSetting(SETTING, JSON.stringify(record));
  return { params: calibration.params, calibration, reused: false };
}

function readStored(store: CredentialStore): Stored | null {
  const raw = store.getSetting(SETTING);
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as Stored;
    return typeof v.params?.memoryKiB === "number" && typeof v.measuredMs === "number" ? v : null;
  } catch {
    return null;
  }
}

function sameInput(a: Stored["input"], b: Stored["input"]): boolean {
  return (
    a.memoryKiB === b.memoryKiB &&
    a.timeCost === b.timeCost &&
    a.parallelism === b.parallelism &&
    a.targetMs === b.targetMs
  );
}
