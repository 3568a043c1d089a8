// Issue 5, start to end, over the real daemon: five wrong logins lock the admin out; status says
// which ways back exist; support computes the unlock code from the challenge with the vendor tool;
// the code resets credentials and hands the caller a one-time setup token; setup; login.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRequest } from "../../cli/client.js";
import { type DaemonProcess, repoRoot, spawnDaemon } from "../rigs/support/daemon-process.js";

const fixtures = path.join(repoRoot, "test/fixtures/recovery");
const ADMIN = { username: "owner", password: "violet tractor harbour 1987" };
const NEW_PASSWORD = "seven quiet lanterns over the bay";

let daemon: DaemonProcess;
const api = (method: string, p: string, body?: unknown, token?: string) =>
  apiRequest(daemon.apiSocket, { method, path: p, body, token });

beforeAll(async () => {
  daemon = await spawnDaemon({
    config: { setupWindow: { openAtBoot: true } },
    env: { RECOVERYD_FACTORY: path.join(fixtures, "factory-data.json") },
  });
});
afterAll(async () => {
  await daemon?.stop();
});

describe("locked out owner gets back in with the support unlock code", () => {
  it("goes from five wrong logins to a working login", async () => {
    expect((await api("POST", "/v1/setup", ADMIN)).status).toBe(201);
    const oldLogin = await api("POST", "/v1/login", ADMIN);
    expect(oldLogin.status).toBe(200);
    const oldToken = (oldLogin.body as { token: string }).token;

    for (let i = 0; i < 5; i++) {
      const r = await api("POST", "/v1/login", { username: ADMIN.username, password: `wrong guess ${i}` });
      expect(r.status).toBe(401);
    }
    const locked = await api("POST", "/v1/login", ADMIN);
    expect(locked.status).toBe(423);
    expect((locked.body as { error: { retryAfterSeconds: number } }).error.retryAfterSeconds).toBeGreaterThan(
      200,
    );

    const status = (await api("GET", "/v1/status")).body as {
      lockout: { locked: boolean; recoveryPaths: string[] };
    };
    expect(status.lockout.locked).toBe(true);
    expect(status.lockout.recoveryPaths).toEqual(
      expect.arrayContaining(["button", "security-code", "support-unlock", "signed-grant"]),
    );

    const ch = await api("POST", "/v1/recovery/challenge");
    expect(ch.status).toBe(201);
    const challenge = (ch.body as { challenge: string }).challenge;
    const code = execFileSync(
      process.execPath,
      [
        path.join(repoRoot, "dist/vendor/unlock-code.js"),
        "--key",
        path.join(fixtures, "vendor-key-7.private.json"),
        challenge,
      ],
      { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
    ).trim();
    expect(code).toMatch(/^[A-Z2-7]{8}$/);

    const unlock = await api("POST", "/v1/recovery/unlock", { code });
    expect(unlock.status).toBe(200);
    const { setupToken } = unlock.body as { setupToken: string };
    expect(setupToken).toBeTruthy();

    const fb = (await api("GET", "/v1/status")).body as { state: string; setupWindow: { open: boolean } };
    expect(fb.state).toBe("first-boot");
    // A remote recovery does not open the window for everyone on the network.
    expect(fb.setupWindow.open).toBe(false);
    expect((await api("GET", "/v1/session", undefined, oldToken)).status).toBe(401);
    expect((await api("POST", "/v1/setup", { username: "intruder", password: NEW_PASSWORD })).status).toBe(
      403,
    );

    const setup = await api("POST", "/v1/setup", {
      username: ADMIN.username,
      password: NEW_PASSWORD,
      setupToken,
    });
    expect(setup.status).toBe(201);
    const login = await api("POST", "/v1/login", { username: ADMIN.username, password: NEW_PASSWORD });
    expect(login.status).toBe(200);
    expect((login.body as { role: string }).role).toBe("admin");
    // The old password is gone for good, and the setup token was single-use.
    expect((await api("POST", "/v1/login", ADMIN)).status).toBe(401);
  });
});
