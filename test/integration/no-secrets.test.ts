// Issue 4, must show 3: everything the daemon writes (stdout, stderr, the audit log) during setup,
// failed logins, recovery attempts and resets holds no password, code, token, hash or pepper.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRequest } from "../../cli/client.js";
import { type DaemonProcess, repoRoot, spawnDaemon } from "../rigs/support/daemon-process.js";

const fixtures = path.join(repoRoot, "test/fixtures/recovery");
const kat = JSON.parse(readFileSync(path.join(fixtures, "security-code-kat.json"), "utf8")) as {
  stickerText: string;
  normalized: string;
};

let daemon: DaemonProcess;
const secrets = new Set<string>();
const api = async (method: string, p: string, body?: unknown, token?: string) =>
  apiRequest(daemon.apiSocket, { method, path: p, body, token });

function rememberPeppers(): void {
  for (const f of readdirSync(daemon.stateDir)) {
    if (!f.startsWith("credentials.pepper-")) continue;
    const raw = readFileSync(path.join(daemon.stateDir, f));
    secrets.add(raw.toString("hex"));
    secrets.add(raw.toString("base64"));
    secrets.add(raw.toString("base64url"));
  }
}

function rememberHashes(): void {
  const db = new Database(path.join(daemon.stateDir, "credentials.db"), { readonly: true });
  try {
    for (const row of db.prepare("SELECT hash FROM accounts").all() as { hash: string }[]) {
      secrets.add(row.hash);
      // The salt and the digest on their own, too.
      for (const part of row.hash.split("$").slice(-2)) if (part.length >= 16) secrets.add(part);
    }
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  daemon = await spawnDaemon({
    config: { log: { level: "trace" }, setupWindow: { openAtBoot: true } },
    env: { RECOVERYD_FACTORY: path.join(fixtures, "factory-data.json") },
  });
});
afterAll(async () => {
  await daemon?.stop();
});

describe("no secret reaches the logs or the audit log", () => {
  it("after setup, logins, tokens, recovery attempts and resets", async () => {
    const first = { username: "owner", password: "violet tractor harbour 1987" };
    secrets.add(first.password);
    expect((await api("POST", "/v1/setup", first)).status).toBe(201);
    const login = (await api("POST", "/v1/login", first)).body as { token: string };
    secrets.add(login.token);
    const tok = (await api("POST", "/v1/tokens", { name: "nvr-app" }, login.token)).body as { token: string };
    secrets.add(tok.token);
    rememberHashes();
    rememberPeppers();

    for (const guess of ["hunter2-but-longer-guess", "Password123456789!", "owner-owner-owner-1"]) {
      secrets.add(guess);
      await api("POST", "/v1/login", { username: "owner", password: guess });
      await api("POST", "/v1/login", { username: "ghost", password: guess });
    }
    const weak = "admin@4k";
    secrets.add(weak);
    await api("POST", "/v1/password", { currentPassword: first.password, newPassword: weak }, login.token);

    const wrongCode = "ABCD EFGH IJKL MNOP";
    secrets.add(wrongCode);
    secrets.add(wrongCode.replaceAll(" ", ""));
    expect(
      (await api("POST", "/v1/recovery/security-code", { securityCode: wrongCode })).status,
    ).toBeGreaterThanOrEqual(400);

    const ch = (await api("POST", "/v1/recovery/challenge")).body as { challenge: string };
    const wrongUnlock = "QQQQ2222";
    secrets.add(wrongUnlock);
    expect((await api("POST", "/v1/recovery/unlock", { code: wrongUnlock })).status).toBeGreaterThanOrEqual(
      400,
    );
    expect(ch.challenge).toBeTruthy();

    const badGrant = {
      type: "recoveryd-reset-grant",
      v: 1,
      deviceId: "NVR8-2026-000042",
      nonce: "AAAAAAAAAAAAAAAAAAAAAA",
      action: "credential-reset",
      notAfter: new Date(Date.now() + 3600_000).toISOString(),
      keyId: 7,
      signature: "c2lnbmF0dXJlLXRoYXQtaXMtbm90LXZhbGlkLWF0LWFsbC0xMjM0NTY3ODkwYWJjZGVmZ2hpams",
    };
    secrets.add(badGrant.signature);
    expect((await api("POST", "/v1/recovery/grant", badGrant)).status).toBeGreaterThanOrEqual(400);

    secrets.add(kat.stickerText);
    secrets.add(kat.normalized);
    const reset = await api("POST", "/v1/recovery/security-code", { securityCode: kat.stickerText });
    expect(reset.status).toBe(200);
    const { setupToken } = reset.body as { setupToken: string };
    secrets.add(setupToken);
    rememberPeppers();

    const second = { username: "owner", password: "seven quiet lanterns over the bay", setupToken };
    secrets.add(second.password);
    expect((await api("POST", "/v1/setup", second)).status).toBe(201);
    rememberHashes();
    rememberPeppers();
    await api("POST", "/v1/login", { username: "owner", password: second.password });

    await daemon.stop();
    const written = [daemon.output(), ...auditFiles()].join("\n");
    expect(written).toContain('"event":"credential-reset"');
    expect(written.length).toBeGreaterThan(2000);
    const leaked = [...secrets].filter((s) => s.length >= 8 && written.includes(s));
    expect(leaked).toEqual([]);
  });
});

function auditFiles(): string[] {
  const dir = path.join(daemon.stateDir, "audit");
  // Both logs: the general one and audit/security/.
  const files = [
    ...readdirSync(dir)
      .filter((f) => f.endsWith(".log"))
      .map((f) => path.join(dir, f)),
    ...readdirSync(path.join(dir, "security")).map((f) => path.join(dir, "security", f)),
  ];
  return files.map((f) => readFileSync(f, "utf8"));
}
