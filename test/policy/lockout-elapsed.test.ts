// Issue 11: lock lengths run on elapsed time. Pure rules, driven by the fake clock's wall and
// monotonic readings separately.
import { describe, expect, it } from "vitest";
import { FakeClock, instantOf } from "../../daemon/clock.js";
import {
  checkAttempt,
  EMPTY_RECORD,
  type LockoutRecord,
  type LockoutRules,
  rebaseLock,
  recordFailure,
  remainingLockMs,
} from "../../daemon/policy/lockout.js";

const rules: LockoutRules = { threshold: 5, baseMs: 300_000, maxMs: 3_600_000, maxFailuresPerHour: 100 };
const DAY = 86_400_000;

function locked(clock: FakeClock): LockoutRecord {
  let rec = EMPTY_RECORD;
  for (let i = 0; i < 5; i++) rec = recordFailure(rec, rules, instantOf(clock)).record;
  expect(remainingLockMs(rec, instantOf(clock))).toBe(300_000);
  return rec;
}

describe("lockout on elapsed time", () => {
  it("a wall clock set back a day does not stretch a 5-minute lock", () => {
    const clock = new FakeClock();
    const rec = locked(clock);
    clock.setWall(clock.now() - DAY);
    clock.advance(299_000);
    expect(checkAttempt(rec, rules, instantOf(clock))).toMatchObject({ allowed: false, retryAfterMs: 1000 });
    clock.advance(1000);
    expect(checkAttempt(rec, rules, instantOf(clock))).toEqual({ allowed: true });
  });

  it("a wall clock set forward a day does not end a lock early", () => {
    const clock = new FakeClock();
    const rec = locked(clock);
    clock.setWall(clock.now() + DAY);
    clock.advance(60_000);
    expect(remainingLockMs(rec, instantOf(clock))).toBe(240_000);
  });

  it("across a reboot the wall clock counts, clamped, and the lock is re-anchored to the new boot", () => {
    const clock = new FakeClock();
    const rec = locked(clock);
    clock.reboot(120_000); // two minutes without power
    const at = instantOf(clock);
    expect(remainingLockMs(rec, at)).toBe(180_000);
    const moved = rebaseLock(rec, at);
    expect(moved.lockBootId).toBe(at.bootId);
    // Now a wall jump back in the new boot changes nothing either.
    clock.setWall(clock.now() - DAY);
    clock.advance(60_000);
    expect(remainingLockMs(moved, instantOf(clock))).toBe(120_000);
  });

  it("a reboot into a wall clock behind the lock's start never locks longer than the rule", () => {
    const clock = new FakeClock();
    const rec = locked(clock);
    clock.reboot(0);
    clock.setWall(clock.now() - DAY);
    expect(remainingLockMs(rec, instantOf(clock))).toBe(300_000);
  });

  it("records without a boot id (older stores) fall back to wall time, capped by the lock's length", () => {
    const rec = recordFailure({ ...EMPTY_RECORD, failures: 4 }, rules, 1_000_000).record;
    expect(rec.lockBootId).toBe("");
    expect(remainingLockMs(rec, 1_000_000 + 100_000)).toBe(200_000);
    expect(remainingLockMs(rec, 1_000_000 - DAY)).toBe(300_000);
  });
});
