// Issue 15: `status` (GET /v1/status and `recoveryctl status`) shows every lockout that affects
// recovery: the login lockout and the security-code lockout, each with the time it ends. The
// SPEC 8.1 fields stay as they were; the new ones are additions.
import { execFile } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DaemonProcess, repoRoot } from "../rigs/support/daemon-process.js";
import { ADMIN, type Api, apiOf, provision, spawnWithFactory } from "./support/adversary.js";

let daemon: DaemonProcess;
let api: Api;

function recoveryctl(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(repoRoot, "dist/cli/recoveryctl.js"), "--socket", daemon.apiSocket, ...args],
      { env: { PATH: process.env.PATH, HOME: daemon.baseDir } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

interface Status {
  state: string;
  lockout: {
    locked: boolean;
    lockedCount: number;
    recoveryPaths: string[];
    endsAt?: string | null;
    securityCode?: { locked: boolean; endsAt: string | null; retryAfterSeconds: number } | null;
  };
}

beforeAll(async () => {
  daemon = await spawnWithFactory({
    config: { lockout: { threshold: 2, baseSeconds: 600, maxSeconds: 3600 } },
  });
  api = apiOf(daemon);
  await provision(api);
});
afterAll(async () => {
  await daemon?.stop();
});

describe("status shows every lockout that affects recovery", () => {
  it("nothing locked: both lockouts reported as not locked, SPEC fields unchanged", async () => {
    const st = (await api("GET", "/v1/status")).body as Status;
    expect(st.lockout).toMatchObject({ locked: false, lockedCount: 0, endsAt: null });
    expect(st.lockout.securityCode).toMatchObject({ locked: false, endsAt: null });
    expect((await recoveryctl(["status"])).out).toContain("lockout:       none");
  });

  it("a security-code lockout shows with its end, on the API and in recoveryctl status", async () => {
    for (let i = 0; i < 2; i++) {
      const r = await api("POST", "/v1/recovery/security-code", { securityCode: "AAAA BBBB CCCC DDDD" });
      expect([403, 423]).toContain(r.status);
    }
    const before = Date.now();
    const st = (await api("GET", "/v1/status")).body as Status;
    expect(st.lockout.locked).toBe(false); // no login is locked: the SPEC field keeps its meaning
    expect(st.lockout.securityCode?.locked).toBe(true);
    const ends = Date.parse(st.lockout.securityCode?.endsAt ?? "");
    expect(ends).toBeGreaterThan(before + 500_000);
    expect(ends).toBeLessThan(before + 700_000);
    const out = (await recoveryctl(["status"])).out;
    expect(out).toContain(`security code: locked until ${st.lockout.securityCode?.endsAt}`);
    expect(out).toMatch(/recovery: +button/);
  });

  it("a login lockout shows when it ends, to strangers too (a time, not a name)", async () => {
    for (let i = 0; i < 2; i++)
      await api("POST", "/v1/login", { username: ADMIN.username, password: "wrong wrong wrong wrong" });
    const st = (await api("GET", "/v1/status")).body as Status;
    expect(st.lockout).toMatchObject({ locked: true, lockedCount: 1 });
    expect(Date.parse(st.lockout.endsAt ?? "")).toBeGreaterThan(Date.now());
    const out = (await recoveryctl(["status"])).out;
    // The account store derives lockedUntil per read: a millisecond of drift between two reads.
    expect(out).toMatch(/lockout: +1 name locked until \d{4}-\d\d-\d\dT[\d:.]+Z/);
    expect(out).toContain("security code: locked until");
  });
});
