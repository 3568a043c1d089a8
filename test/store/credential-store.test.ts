import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { StoreUnavailableError } from "../../daemon/errors.js";
import { EMPTY_RECORD } from "../../daemon/policy/lockout.js";
import { CredentialStore } from "../../daemon/store/credential-store.js";
import { openDatabase } from "../../daemon/store/db.js";
import { MAX_UNKNOWN_ROWS } from "../../daemon/store/lockout-repo.js";
import { migrations } from "../../daemon/store/migrations/index.js";
import { makeTempDir } from "../helpers/credentials.js";

let cleanup = () => {};
afterEach(() => cleanup());

function tmpFile(): string {
  const t = makeTempDir();
  cleanup = t.cleanup;
  return path.join(t.dir, "credentials.db");
}

const PHC =
  "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";

function account(username: string, generation = 1) {
  return { username, role: "admin" as const, hash: PHC, generation, createdAt: 1, passwordChangedAt: 1 };
}

describe("credential store", () => {
  it("opens with WAL, synchronous FULL, secure_delete and foreign keys, at the latest schema", () => {
    const s = CredentialStore.open(tmpFile());
    try {
      expect(s.db.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(s.db.pragma("synchronous", { simple: true })).toBe(2);
      expect(s.db.pragma("secure_delete", { simple: true })).toBe(1);
      expect(s.db.pragma("foreign_keys", { simple: true })).toBe(1);
      expect(s.db.pragma("user_version", { simple: true })).toBe(migrations.at(-1)?.version);
      expect(s.meta()).toEqual({ generation: 1, lastReset: null, compactPending: false });
    } finally {
      s.close();
    }
  });

  it("applies migrations once and refuses a database from a newer recoveryd", () => {
    const file = tmpFile();
    CredentialStore.open(file).close();
    CredentialStore.open(file).close();
    const raw = new Database(file);
    raw.pragma("user_version = 99");
    raw.close();
    expect(() => CredentialStore.open(file)).toThrow(/newer/);
  });

  it("applies a later migration in order, in its own transaction", () => {
    const file = tmpFile();
    const db = openDatabase(file, [
      ...migrations,
      { version: 2, name: "extra", sql: "CREATE TABLE extra (x);" },
    ]);
    expect(db.pragma("user_version", { simple: true })).toBe(2);
    db.close();
  });

  it("refuses a file that is not a sound database with StoreUnavailableError", () => {
    const file = tmpFile();
    writeFileSync(file, randomBytes(8192));
    expect(() => CredentialStore.open(file)).toThrow(StoreUnavailableError);
  });

  it("refuses an account hash from another generation, and anything but argon2id", () => {
    const s = CredentialStore.open(tmpFile());
    try {
      expect(() => s.insertAccount(account("old", 0))).toThrow(/generation/);
      expect(() =>
        s.insertAccount({ ...account("md5"), hash: "5f4dcc3b5aa765d61d8327deb882cf99" }),
      ).toThrow();
      s.insertAccount(account("ok"));
      expect(s.getAccount("OK")?.username).toBe("ok");
    } finally {
      s.close();
    }
  });

  it("empties every credential table and bumps the generation in one reset", () => {
    const s = CredentialStore.open(tmpFile());
    try {
      s.insertAccount(account("owner"));
      s.insertSession(randomBytes(32), "owner", 1, 10);
      s.insertToken(randomBytes(32), "owner", "app", 1, 10);
      s.lockout.put("owner", { ...EMPTY_RECORD, failures: 3 });
      s.db.prepare("INSERT INTO recovery_pending VALUES ('challenge', 'x', '{}', 1, 2)").run();
      s.setSetting("argon2.calibration", "{}");
      s.resetAll(2, { at: 1234, reason: "button" });
      for (const t of ["accounts", "sessions", "api_tokens", "lockout", "recovery_pending"]) {
        expect(s.db.prepare(`SELECT count(*) AS n FROM ${t}`).get()).toEqual({ n: 0 });
      }
      expect(s.meta()).toEqual({
        generation: 2,
        lastReset: { at: 1234, reason: "button", generation: 2 },
        compactPending: true,
      });
      expect(s.getSetting("argon2.calibration")).toBe("{}");
      s.compact();
      expect(s.meta().compactPending).toBe(false);
    } finally {
      s.close();
    }
  });

  it("deletes sessions and tokens with their account", () => {
    const s = CredentialStore.open(tmpFile());
    try {
      s.insertAccount(account("owner"));
      s.insertAccount({ ...account("bob"), role: "viewer" });
      const h = randomBytes(32);
      s.insertSession(h, "bob", 1, 10);
      s.insertToken(randomBytes(32), "bob", "app", 1, 10);
      expect(s.findSession(h)).toEqual({ username: "bob", role: "viewer", expiresAt: 10 });
      s.deleteAccount("bob");
      expect(s.findSession(h)).toBeUndefined();
      expect(s.hasCredentials()).toBe(true);
    } finally {
      s.close();
    }
  });

  it("keeps lockout rows across reopen and bounds the rows of unknown names", () => {
    const file = tmpFile();
    let s = CredentialStore.open(file);
    s.insertAccount(account("owner"));
    s.lockout.put("owner", { ...EMPTY_RECORD, failures: 4, lastFailureAt: 1000 });
    for (let i = 0; i < MAX_UNKNOWN_ROWS + 50; i++) {
      s.lockout.put(`ghost${i}`, { ...EMPTY_RECORD, failures: 1, lastFailureAt: 1000 + i });
    }
    s.lockout.prune(2000, 86_400_000);
    s.close();
    s = CredentialStore.open(file);
    try {
      expect(s.lockout.get("owner")?.failures).toBe(4);
      expect(s.lockout.get("ghost0")).toBeUndefined();
      expect(s.lockout.get(`ghost${MAX_UNKNOWN_ROWS + 49}`)?.failures).toBe(1);
      const n = s.db.prepare("SELECT count(*) AS n FROM lockout").get() as { n: number };
      expect(n.n).toBe(MAX_UNKNOWN_ROWS + 1);
    } finally {
      s.close();
    }
  });
});

describe("recovery pending", () => {
  it("is single use, expires, and is emptied by a reset", () => {
    const s = CredentialStore.open(tmpFile());
    try {
      s.recoveryPending.put("grant-nonce", "n1", '{"a":1}', 0, 100);
      s.recoveryPending.put("grant-nonce", "n2", "{}", 0, 100);
      s.recoveryPending.put("grant-nonce", "old", "{}", 0, 10);
      expect(s.recoveryPending.peek("grant-nonce", "n1", 50)).toBe('{"a":1}');
      expect(s.recoveryPending.take("grant-nonce", "n1", 50)).toBe('{"a":1}');
      expect(s.recoveryPending.take("grant-nonce", "n1", 50)).toBeUndefined();
      expect(s.recoveryPending.take("grant-nonce", "old", 50)).toBeUndefined();
      s.resetAll(2, { at: 60, reason: "grant" });
      expect(s.recoveryPending.peek("grant-nonce", "n2", 60)).toBeUndefined();
    } finally {
      s.close();
    }
  });
});
