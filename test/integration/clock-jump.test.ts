// Issue 11: wall-clock jumps against the real daemon, with libfaketime (Debian's `faketime`)
// moving the daemon's CLOCK_REALTIME while CLOCK_MONOTONIC stays true (DONT_FAKE_MONOTONIC).
// A clock set back a day during a 5-minute lockout used to keep the owner out for that day; a
// session issued while the clock ran a day ahead used to stay valid a day after the correction.
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { apiRequest } from "../../cli/client.js";
import { type DaemonProcess, makeBaseDir, spawnDaemon } from "../rigs/support/daemon-process.js";

const LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
const OWNER = { username: "owner", password: "violet tractor harbour 1987" };
/** The default lockout is the must-show: a 5-minute lock. RECOVERYD_TEST_LOCK_S shortens it (the other Node lines in CI: 30 s). */
const LOCK_S = Number(process.env.RECOVERYD_TEST_LOCK_S ?? 300);

let daemon: DaemonProcess | undefined;
afterEach(async () => {
  await daemon?.stop("SIGKILL");
  daemon = undefined;
});

async function fakedDaemon(): Promise<{ d: DaemonProcess; setOffset(o: string): void }> {
  if (!existsSync(LIBFAKETIME))
    throw new Error(`${LIBFAKETIME} missing: apt-get install faketime (.ci/run does)`);
  const baseDir = makeBaseDir();
  const offsetFile = path.join(baseDir, "faketime-offset");
  writeFileSync(offsetFile, "+0\n");
  const d = await spawnDaemon({
    baseDir,
    config: { setupWindow: { openAtBoot: true }, lockout: { baseSeconds: LOCK_S } },
    env: {
      LD_PRELOAD: LIBFAKETIME,
      FAKETIME_TIMESTAMP_FILE: offsetFile,
      FAKETIME_NO_CACHE: "1",
      DONT_FAKE_MONOTONIC: "1",
    },
  });
  daemon = d;
  return { d, setOffset: (o) => writeFileSync(offsetFile, `${o}\n`) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("wall-clock jumps", () => {
  it(`a clock set back a day during a ${LOCK_S} s lockout still unlocks after ${LOCK_S} s of elapsed time`, {
    timeout: (LOCK_S + 90) * 1000,
  }, async () => {
    const { d, setOffset } = await fakedDaemon();
    const api = (body: unknown) => apiRequest(d.apiSocket, { method: "POST", path: "/v1/login", body });
    expect((await apiRequest(d.apiSocket, { method: "POST", path: "/v1/setup", body: OWNER })).status).toBe(
      201,
    );
    for (let i = 0; i < 5; i++)
      expect((await api({ ...OWNER, password: `wrong guess ${i}` })).status).toBe(401);
    const lockedAt = performance.now();
    expect((await api(OWNER)).status).toBe(423);

    setOffset("-1d");
    await sleep(1500);
    const during = await api(OWNER);
    expect(during.status).toBe(423);
    const retry = (during.body as { error: { retryAfterSeconds: number } }).error.retryAfterSeconds;
    // Counted down by elapsed time, not reset to the lock's full length by the jump.
    expect(retry).toBeLessThanOrEqual(LOCK_S);
    expect(retry).toBeGreaterThan(LOCK_S - 30);

    let unlockedAfterS = Number.NaN;
    while (performance.now() - lockedAt < (LOCK_S + 60) * 1000) {
      await sleep(Math.min(5000, Math.max(500, (LOCK_S * 1000) / 20)));
      const r = await api(OWNER);
      if (r.status === 200) {
        unlockedAfterS = (performance.now() - lockedAt) / 1000;
        break;
      }
      expect(r.status).toBe(423);
    }
    // Never early (the rule holds), and at most a poll interval late (the jump did not stretch it).
    expect(unlockedAfterS).toBeGreaterThanOrEqual(LOCK_S - 1);
    expect(unlockedAfterS).toBeLessThanOrEqual(LOCK_S + 8);
  });

  it("a session issued under a clock a day ahead is dead once the clock is corrected", async () => {
    const { d, setOffset } = await fakedDaemon();
    expect((await apiRequest(d.apiSocket, { method: "POST", path: "/v1/setup", body: OWNER })).status).toBe(
      201,
    );
    setOffset("+1d");
    await sleep(1200);
    const login = await apiRequest(d.apiSocket, { method: "POST", path: "/v1/login", body: OWNER });
    expect(login.status).toBe(200);
    const { token } = login.body as { token: string };
    expect((await apiRequest(d.apiSocket, { path: "/v1/session", token })).status).toBe(200);
    setOffset("+0");
    await sleep(1200);
    expect((await apiRequest(d.apiSocket, { path: "/v1/session", token })).status).toBe(401);
    // A session is not stretched by a clock set back either: its issue time is then in the
    // future, so it is dead (a login costs less than trusting a clock that moved).
    const fresh = await apiRequest(d.apiSocket, { method: "POST", path: "/v1/login", body: OWNER });
    const t2 = (fresh.body as { token: string }).token;
    expect((await apiRequest(d.apiSocket, { path: "/v1/session", token: t2 })).status).toBe(200);
    setOffset("-1d");
    await sleep(1200);
    expect((await apiRequest(d.apiSocket, { path: "/v1/session", token: t2 })).status).toBe(401);
  });
});
