import { describe, expect, it } from "vitest";
import { Limiter } from "../../daemon/crypto/limiter.js";
import { TooManyRequestsError } from "../../daemon/errors.js";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("Limiter", () => {
  it("runs at most maxConcurrent jobs, queues up to maxQueue, refuses the rest with a retry hint", async () => {
    const limiter = new Limiter(2, 3);
    const gates = Array.from({ length: 8 }, deferred);
    let running = 0;
    let peak = 0;
    const results = gates.map((g, i) =>
      limiter
        .run(async () => {
          running++;
          peak = Math.max(peak, running);
          await g.promise;
          running--;
          return i;
        })
        .then(
          (v) => ({ ok: v }),
          (e: unknown) => ({ err: e }),
        ),
    );
    await Promise.resolve();
    expect(limiter.stats).toMatchObject({ running: 2, queued: 3 });
    for (const g of gates) g.resolve();
    const settled = await Promise.all(results);
    const refused = settled.filter((r) => "err" in r);
    expect(refused).toHaveLength(3);
    for (const r of refused) {
      const err = (r as { err: unknown }).err;
      expect(err).toBeInstanceOf(TooManyRequestsError);
      expect((err as TooManyRequestsError).status).toBe(429);
      expect((err as TooManyRequestsError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    }
    expect(settled.filter((r) => "ok" in r)).toHaveLength(5);
    expect(peak).toBe(2);
    expect(limiter.stats).toMatchObject({ running: 0, queued: 0, peakRunning: 2, refused: 3 });
  });

  it("frees the slot when a job throws", async () => {
    const limiter = new Limiter(1, 0);
    await expect(limiter.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(limiter.run(async () => 7)).resolves.toBe(7);
  });

  it("rejects nonsense limits", () => {
    expect(() => new Limiter(0, 1)).toThrow(RangeError);
    expect(() => new Limiter(1, -1)).toThrow(RangeError);
  });
});
