// Issue 12, finding 4, over the real daemon: every weak derived password of the test data is
// refused by a password change (400 password_policy, with the rule), and every strong passphrase
// is accepted for a new account.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DaemonProcess } from "../rigs/support/daemon-process.js";
import { ADMIN, type Api, apiOf, provision, spawnWithFactory } from "./support/adversary.js";

const data = JSON.parse(
  readFileSync(path.join(import.meta.dirname, "../fixtures/policy/derived-passwords.json"), "utf8"),
) as { weak: { password: string; rule: string }[]; strong: string[] };

let daemon: DaemonProcess;
let api: Api;
let token: string;

beforeAll(async () => {
  daemon = await spawnWithFactory();
  api = apiOf(daemon);
  token = await provision(api);
}, 60_000);
afterAll(async () => {
  await daemon?.stop();
});

describe("the policy against derived passwords, over the socket", () => {
  it("refuses every weak one, naming the rule, and accepts every strong one", async () => {
    const started = performance.now();
    const reasons: Record<string, number> = {};
    for (const w of data.weak) {
      const r = await api(
        "POST",
        "/v1/password",
        { currentPassword: ADMIN.password, newPassword: w.password },
        token,
      );
      expect(r.status, w.password).toBe(400);
      const err = (r.body as { error: { code: string; reason: string } }).error;
      expect(err.code).toBe("password_policy");
      expect(err.reason, w.password).toBe(w.rule);
      reasons[err.reason] = (reasons[err.reason] ?? 0) + 1;
    }
    for (const [i, password] of data.strong.entries()) {
      const r = await api("POST", "/v1/users", { username: `user${i}`, password, role: "viewer" }, token);
      expect(r.status, `${password}: ${JSON.stringify(r.body)}`).toBe(201);
    }
    process.stdout.write(
      `derived passwords: ${data.weak.length} weak refused ${JSON.stringify(reasons)}, ${data.strong.length} strong accepted, ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
    // The owner's password is unchanged.
    expect((await api("POST", "/v1/login", ADMIN)).status).toBe(200);
  }, 120_000);
});
