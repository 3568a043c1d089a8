// Issue 12, smaller findings, over the real socket: duplicate JSON keys were accepted last-wins;
// a non-canonical base64url signature (same bytes, other text) was accepted; old hashes stayed in
// the WAL after a password change or a user delete.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DaemonProcess, repoRoot } from "../rigs/support/daemon-process.js";
import { ADMIN, type Api, apiOf, fixtures, provision, spawnWithFactory } from "./support/adversary.js";

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

function rawPost(p: string, text: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        socketPath: daemon.apiSocket,
        method: "POST",
        path: p,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (d: string) => {
          body += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end(text);
  });
}

function signGrant(request: unknown): Record<string, unknown> {
  const file = path.join(daemon.baseDir, "request.json");
  const out = path.join(daemon.baseDir, "grant.json");
  writeFileSync(file, JSON.stringify(request));
  execFileSync(process.execPath, [
    path.join(repoRoot, "dist/vendor/sign-grant.js"),
    "--request",
    file,
    "--key",
    path.join(fixtures, "vendor-key-7.private.json"),
    "--action",
    "credential-reset",
    "--hours",
    "24",
    "--out",
    out,
  ]);
  return JSON.parse(readFileSync(out, "utf8"));
}

/** Every byte of the credential store's files, WAL and journal included. */
function storeBytes(): Buffer {
  return Buffer.concat(
    readdirSync(daemon.stateDir)
      .filter((f) => f.startsWith("credentials.db"))
      .map((f) => readFileSync(path.join(daemon.stateDir, f))),
  );
}

function hashOf(username: string): string {
  const db = new Database(path.join(daemon.stateDir, "credentials.db"), { readonly: true });
  try {
    return (db.prepare("SELECT hash FROM accounts WHERE username = ?").get(username) as { hash: string })
      .hash;
  } finally {
    db.close();
  }
}

describe("input hardening", () => {
  it("refuses duplicate JSON keys with 400, at any depth", async () => {
    const login = await rawPost(
      "/v1/login",
      `{"username":"nobody","password":"x","username":"${ADMIN.username}","password":"${ADMIN.password}"}`,
    );
    expect(login.status).toBe(400);
    expect(JSON.parse(login.body)).toMatchObject({ error: { code: "invalid_json" } });
    const nested = await rawPost("/v1/recovery/grant", '{"type":"recoveryd-reset-grant","a":{"b":1,"b":2}}');
    expect(nested.status).toBe(400);
    // Same key in different objects is fine; escapes that spell the same key are duplicates.
    const escaped = await rawPost("/v1/login", '{"username":"a","\\u0075sername":"b","password":"x"}');
    expect(escaped.status).toBe(400);
  });

  it("accepts only the canonical base64url text of a grant signature", async () => {
    const request = ((await api("POST", "/v1/recovery/request")).body as { request: unknown }).request;
    const grant = signGrant(request);
    const sig = grant.signature as string;
    // 64 bytes are 85⅓ base64 characters: the last one carries 2 bits; the 4 spare bits must be 0.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = alphabet.indexOf(sig.at(-1) as string);
    const twin = `${sig.slice(0, -1)}${alphabet[last | 1]}`;
    expect(Buffer.from(twin, "base64url").equals(Buffer.from(sig, "base64url"))).toBe(true);
    const r = await api("POST", "/v1/recovery/grant", { ...grant, signature: twin });
    expect(r.status).toBe(400);
    // The refusal used nothing up: the canonical grant still applies.
    const ok = await api("POST", "/v1/recovery/grant", grant);
    expect(ok.status).toBe(200);
    const { setupToken } = ok.body as { setupToken: string };
    expect((await api("POST", "/v1/setup", { ...ADMIN, setupToken })).status).toBe(201);
    token = ((await api("POST", "/v1/login", ADMIN)).body as { token: string }).token;
  });

  it("leaves no old hash in the database, WAL or journal after a password change or a user delete", async () => {
    const before = hashOf(ADMIN.username);
    const next = "seven quiet lanterns over the bay";
    const r = await api(
      "POST",
      "/v1/password",
      { currentPassword: ADMIN.password, newPassword: next },
      token,
    );
    expect(r.status).toBe(200);
    expect(storeBytes().includes(Buffer.from(before))).toBe(false);

    const u = await api(
      "POST",
      "/v1/users",
      { username: "temp", password: "granite owl whispers to the moon", role: "viewer" },
      token,
    );
    expect(u.status).toBe(201);
    const tempHash = hashOf("temp");
    expect((await api("DELETE", "/v1/users/temp", undefined, token)).status).toBe(200);
    expect(storeBytes().includes(Buffer.from(tempHash))).toBe(false);
    // The hash string's salt and digest parts are gone too, not only the whole string.
    const digest = tempHash.split("$").at(-1) as string;
    expect(storeBytes().includes(Buffer.from(digest))).toBe(false);
  });
});

describe("factory-reset paths at configuration load", () => {
  it("refuses a restore path that reaches a preserve path through a symlink", async () => {
    const { mkdirSync, symlinkSync } = await import("node:fs");
    const { makeBaseDir, spawnDaemon } = await import("../rigs/support/daemon-process.js");
    const base = makeBaseDir();
    const recordings = path.join(base, "recordings");
    mkdirSync(path.join(recordings, "cfg"), { recursive: true });
    mkdirSync(path.join(base, "etc"), { recursive: true });
    mkdirSync(path.join(base, "defaults"), { recursive: true });
    // /etc/cfg is the recordings' folder under another name.
    symlinkSync(path.join(recordings, "cfg"), path.join(base, "etc", "cfg"));
    const config = {
      factoryReset: {
        restore: [{ path: path.join(base, "etc", "cfg"), from: path.join(base, "defaults") }],
        preserve: [recordings],
      },
    };
    const err = await spawnDaemon({ baseDir: base, config }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain("exited (78)");
    expect((err as Error).message).toContain("factoryReset.restore[0].path");
    expect((err as Error).message).toContain("symlinks");
  });
});
