// SPEC 5: at most N hashes at once; a login flood queues (bounded) or is refused with a retry hint.
import { afterEach, describe, expect, it } from "vitest";
import { InvalidCredentialsError, TooManyRequestsError } from "../../daemon/errors.js";
import { makeTempDir, openTest, STRONG_PASSWORD } from "../helpers/credentials.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function flood(maxQueue: number) {
  const t = makeTempDir();
  cleanups.push(t.cleanup);
  const { accounts } = await openTest(t.dir, { configOverrides: { argon2: { maxConcurrent: 1, maxQueue } } });
  cleanups.unshift(() => accounts.close());
  await accounts.setup({ username: "owner", password: STRONG_PASSWORD });
  // 20 different names (one real): each is its own lockout line, so all 20 reach the limiter.
  const results = await Promise.allSettled(
    Array.from({ length: 20 }, (_, i) =>
      i === 0 ? accounts.login("owner", STRONG_PASSWORD) : accounts.login(`user${i}`, STRONG_PASSWORD),
    ),
  );
  return { accounts, results };
}

describe("login flood", () => {
  it("with maxConcurrent 1: every login completes or gets a 429, never two hashes at once", async () => {
    const { accounts, results } = await flood(5);
    const ok = results.filter((r) => r.status === "fulfilled");
    const rejected = results
      .filter((r): r is PromiseRejectedResult => r.status === "rejected")
      .map((r) => r.reason);
    const busy = rejected.filter((e) => e instanceof TooManyRequestsError);
    const wrong = rejected.filter((e) => e instanceof InvalidCredentialsError);
    expect(ok.length + busy.length + wrong.length).toBe(20);
    expect(ok).toHaveLength(1);
    // One running and five waiting; the rest refused (one more may slip in if the first is done
    // before the unknown names reach the limiter).
    expect(busy.length).toBeGreaterThanOrEqual(13);
    expect(wrong.length).toBeLessThanOrEqual(6);
    for (const e of busy) expect(e).toMatchObject({ status: 429, retryAfterSeconds: expect.any(Number) });
    expect(accounts.hasher.limiter.stats.peakRunning).toBe(1);
    expect(accounts.hasher.limiter.stats).toMatchObject({ running: 0, queued: 0 });
  });

  it("with room in the queue: all 20 complete, still one hash at a time", async () => {
    const { accounts, results } = await flood(32);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(rejected.every((r) => r.reason instanceof InvalidCredentialsError)).toBe(true);
    expect(accounts.hasher.limiter.stats.peakRunning).toBe(1);
  });
});
