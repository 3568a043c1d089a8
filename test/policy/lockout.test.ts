import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkAttempt,
  EMPTY_RECORD,
  FORGIVE_MS,
  HOUR_MS,
  type LockoutRecord,
  lockLength,
  recordFailure,
  recordSuccess,
  rulesFromConfig,
} from "../../daemon/policy/lockout.js";
import { testConfig } from "../helpers/credentials.js";

const rules = rulesFromConfig(testConfig().lockout);
const MIN = 60_000;

function fail(rec: LockoutRecord, now: number, n = 1): LockoutRecord {
  let r = rec;
  for (let i = 0; i < n; i++) r = recordFailure(r, rules, now).record;
  return r;
}

describe("lockout rules", () => {
  it("defaults: 5 failures, 5 minutes doubling to 1 hour, 100 an hour", () => {
    expect(rules).toEqual({ threshold: 5, baseMs: 5 * MIN, maxMs: 60 * MIN, maxFailuresPerHour: 100 });
    expect([1, 2, 3, 4, 5, 6].map((n) => lockLength(rules, n) / MIN)).toEqual([5, 10, 20, 40, 60, 60]);
  });

  it("locks on the fifth consecutive failure, for five minutes", () => {
    const t = 1_000_000;
    let rec = fail(EMPTY_RECORD, t, 4);
    expect(checkAttempt(rec, rules, t)).toEqual({ allowed: true });
    const fifth = recordFailure(rec, rules, t);
    expect(fifth.lockedMs).toBe(5 * MIN);
    rec = fifth.record;
    expect(checkAttempt(rec, rules, t + 5 * MIN - 1)).toMatchObject({
      allowed: false,
      reason: "locked",
      retryAfterMs: 1,
    });
    expect(checkAttempt(rec, rules, t + 5 * MIN)).toEqual({ allowed: true });
  });

  it("doubles each further lock and forgives after a quiet day", () => {
    let t = 0;
    let rec = EMPTY_RECORD;
    const locks: number[] = [];
    for (let i = 0; i < 6; i++) {
      rec = fail(rec, t, 4);
      const r = recordFailure(rec, rules, t);
      locks.push((r.lockedMs ?? 0) / MIN);
      rec = r.record;
      t += rec.lockMs;
    }
    expect(locks).toEqual([5, 10, 20, 40, 60, 60]);
    t += FORGIVE_MS + 1;
    expect(recordFailure(fail(rec, t, 4), rules, t).lockedMs).toBe(5 * MIN);
  });

  it("a success clears the count and the doubling", () => {
    const rec = recordSuccess(fail(EMPTY_RECORD, 0, 4));
    expect(rec.failures).toBe(0);
    expect(recordFailure(fail(rec, 0, 4), rules, 0).lockedMs).toBe(5 * MIN);
  });

  it("never lets more than maxFailuresPerHour failures through in an hour", () => {
    const loose = { ...rules, threshold: 1000, maxFailuresPerHour: 100 };
    let rec = EMPTY_RECORD;
    for (let i = 0; i < 100; i++) {
      expect(checkAttempt(rec, loose, i * 1000).allowed).toBe(true);
      rec = recordFailure(rec, loose, i * 1000).record;
    }
    const refused = checkAttempt(rec, loose, 100_000);
    expect(refused).toMatchObject({ allowed: false, reason: "hourly-limit" });
    // The window slides: one hour after the first failure, one more attempt is allowed.
    expect(checkAttempt(rec, loose, HOUR_MS + 1).allowed).toBe(true);
  });

  it("a clock set back never makes a lock longer than its length", () => {
    const rec = recordFailure(fail(EMPTY_RECORD, 10 * HOUR_MS, 4), rules, 10 * HOUR_MS).record;
    const d = checkAttempt(rec, rules, 0);
    expect(d).toMatchObject({ allowed: false, retryAfterMs: 5 * MIN });
  });

  it("property: consecutive failures between locks never exceed the threshold, locks stay within bounds", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.nat(30 * MIN), ok: fc.boolean() }), { maxLength: 200 }),
        (steps) => {
          let rec = EMPTY_RECORD;
          let t = 0;
          let sinceLock = 0;
          const failuresAt: number[] = [];
          for (const s of steps) {
            t += s.gap;
            if (!checkAttempt(rec, rules, t).allowed) continue;
            if (s.ok) {
              rec = recordSuccess(rec);
              sinceLock = 0;
              continue;
            }
            const r = recordFailure(rec, rules, t);
            failuresAt.push(t);
            rec = r.record;
            sinceLock++;
            if (r.lockedMs !== null) {
              expect(sinceLock).toBeLessThanOrEqual(rules.threshold);
              expect(r.lockedMs).toBeGreaterThanOrEqual(rules.baseMs);
              expect(r.lockedMs).toBeLessThanOrEqual(rules.maxMs);
              sinceLock = 0;
            }
            expect(failuresAt.filter((f) => f > t - HOUR_MS).length).toBeLessThanOrEqual(
              rules.maxFailuresPerHour,
            );
          }
        },
      ),
    );
  });
});
