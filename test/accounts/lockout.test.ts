// Issue 2, must show 6: lockout survives close and reopen, and a locked attempt costs no argon2.
import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../daemon/clock.js";
import { InvalidCredentialsError, LockedError } from "../../daemon/errors.js";
import { makeTempDir, openTest, STRONG_PASSWORD } from "../helpers/credentials.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const MIN = 60_000;

async function timed(p: () => Promise<unknown>): Promise<{ ms: number; err: unknown }> {
  const t0 = performance.now();
  try {
    await p();
    return { ms: performance.now() - t0, err: null };
  } catch (err) {
    return { ms: performance.now() - t0, err };
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

describe("lockout", () => {
  it("locks after 5 failures, survives close and reopen, refuses without argon2, doubles", async () => {
    const t = makeTempDir();
    cleanups.push(t.cleanup);
    const clock = new FakeClock();
    const first = await openTest(t.dir, { clock });
    await first.accounts.setup({ username: "owner", password: STRONG_PASSWORD });

    const wrongMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await timed(() => first.accounts.login("owner", "not-the-password"));
      expect(r.err).toBeInstanceOf(InvalidCredentialsError);
      wrongMs.push(r.ms);
    }
    expect(first.audit.events.filter((e) => e.event === "lockout").map((e) => e.fields)).toEqual([
      { username: "owner", seconds: 300 },
    ]);
    const locked = await timed(() => first.accounts.login("owner", STRONG_PASSWORD));
    expect(locked.err).toBeInstanceOf(LockedError);
    expect(locked.err).toMatchObject({ status: 423, retryAfterSeconds: 300 });
    first.accounts.close();

    const second = await openTest(t.dir, { clock });
    cleanups.unshift(() => second.accounts.close());
    expect(second.accounts.status().lockout.lockedAccounts).toEqual([
      { username: "owner", lockedUntil: "2026-01-01T00:05:00.000Z", retryAfterSeconds: 300 },
    ]);
    const before = second.accounts.hasher.stats;
    const refusedMs: number[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await timed(() => second.accounts.login("owner", STRONG_PASSWORD));
      expect(r.err).toBeInstanceOf(LockedError);
      refusedMs.push(r.ms);
    }
    // Measured: not one argon2 computation, and a small fraction of a verify's time.
    expect(second.accounts.hasher.stats).toEqual(before);
    expect(median(refusedMs)).toBeLessThan(5);
    expect(median(refusedMs)).toBeLessThan(median(wrongMs) / 4);
    console.info(
      `lockout refusal median ${median(refusedMs).toFixed(2)} ms vs wrong-password login ${median(wrongMs).toFixed(1)} ms`,
    );

    clock.advance(5 * MIN);
    await second.accounts.login("owner", STRONG_PASSWORD);
    // A success forgives; five new failures lock for 5 minutes again, the next five for 10.
    for (let i = 0; i < 5; i++) await second.accounts.login("owner", "nope-nope-nope").catch(() => {});
    await expect(second.accounts.login("owner", STRONG_PASSWORD)).rejects.toMatchObject({
      retryAfterSeconds: 300,
    });
    clock.advance(5 * MIN);
    for (let i = 0; i < 5; i++) await second.accounts.login("owner", "nope-nope-nope").catch(() => {});
    await expect(second.accounts.login("owner", STRONG_PASSWORD)).rejects.toMatchObject({
      retryAfterSeconds: 600,
    });
  });

  it("locks unknown names the same way, at the same argon2 cost", async () => {
    const t = makeTempDir();
    cleanups.push(t.cleanup);
    const { accounts } = await openTest(t.dir);
    cleanups.unshift(() => accounts.close());
    await accounts.setup({ username: "owner", password: STRONG_PASSWORD });
    const v0 = accounts.hasher.stats.verifies;
    for (let i = 0; i < 5; i++) {
      await expect(accounts.login("ghost", "whatever-it-is-1")).rejects.toBeInstanceOf(
        InvalidCredentialsError,
      );
    }
    expect(accounts.hasher.stats.verifies - v0).toBe(5);
    await expect(accounts.login("Ghost", "whatever-it-is-1")).rejects.toMatchObject({ status: 423 });
    expect(accounts.hasher.stats.verifies - v0).toBe(5);
  });

  it("judges parallel guesses one at a time: a burst cannot exceed the threshold", async () => {
    const t = makeTempDir();
    cleanups.push(t.cleanup);
    const { accounts } = await openTest(t.dir, { configOverrides: { argon2: { maxConcurrent: 4 } } });
    cleanups.unshift(() => accounts.close());
    await accounts.setup({ username: "owner", password: STRONG_PASSWORD });
    const v0 = accounts.hasher.stats.verifies;
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, () => accounts.login("owner", "guess-guess-guess")),
    );
    const reasons = results.map((r) =>
      r.status === "rejected" ? (r.reason as { status: number }).status : 200,
    );
    expect(reasons.filter((s) => s === 401)).toHaveLength(5);
    expect(reasons.filter((s) => s === 423)).toHaveLength(7);
    expect(accounts.hasher.stats.verifies - v0).toBe(5);
    // And parallel logins with the right password are not refused for being parallel.
    const t2 = makeTempDir();
    cleanups.push(t2.cleanup);
    const other = await openTest(t2.dir, { configOverrides: { argon2: { maxConcurrent: 4 } } });
    cleanups.unshift(() => other.accounts.close());
    await other.accounts.setup({ username: "owner", password: STRONG_PASSWORD });
    const ok = await Promise.all(
      Array.from({ length: 8 }, () => other.accounts.login("owner", STRONG_PASSWORD)),
    );
    expect(ok).toHaveLength(8);
  });
});
