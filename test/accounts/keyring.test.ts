// The pepper files and the database's generation after crashes at the delicate moments of a reset.
import { randomBytes } from "node:crypto";
import { readdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openKeyring, rotateKeyring } from "../../daemon/accounts/keyring.js";
import { createPepper, readPepper } from "../../daemon/crypto/pepper.js";
import { CredentialStore } from "../../daemon/store/credential-store.js";
import { makeTempDir } from "../helpers/credentials.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function setup() {
  const t = makeTempDir();
  cleanups.push(t.cleanup);
  const file = path.join(t.dir, "credentials.db");
  return { dir: t.dir, file, open: () => CredentialStore.open(file) };
}

const PHC =
  "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
const peppers = (dir: string) => readdirSync(dir).filter((n) => n.startsWith("credentials.pepper-"));

describe("keyring", () => {
  it("creates the first pepper and a database only its owner can read", () => {
    const { dir, file, open } = setup();
    const s = open();
    const { keyring } = openKeyring(s, dir);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(statSync(f).mode & 0o077).toBe(0);
    s.close();
    expect(keyring.generation).toBe(1);
    expect(peppers(dir)).toEqual(["credentials.pepper-1"]);
  });

  it("crash after the new pepper was written, before the commit: the old state and pepper stay", () => {
    const { dir, open } = setup();
    let s = open();
    const { keyring } = openKeyring(s, dir);
    s.insertAccount({
      username: "owner",
      role: "admin",
      hash: PHC,
      generation: 1,
      createdAt: 1,
      passwordChangedAt: 1,
    });
    createPepper(dir, 2); // ...and the process dies here
    s.close();
    s = open();
    const again = openKeyring(s, dir);
    expect(again.keyring.generation).toBe(1);
    expect(again.keyring.pepper.equals(keyring.pepper)).toBe(true);
    expect(again.report).toMatchObject({ removedPeppers: [2], wipedOrphans: false });
    expect(s.countAccounts()).toBe(1);
    expect(peppers(dir)).toEqual(["credentials.pepper-1"]);
    s.close();
  });

  it("crash after the commit, before the old pepper was destroyed and the file compacted", () => {
    const { dir, open } = setup();
    let s = open();
    openKeyring(s, dir);
    s.insertAccount({
      username: "owner",
      role: "admin",
      hash: PHC,
      generation: 1,
      createdAt: 1,
      passwordChangedAt: 1,
    });
    const next = createPepper(dir, 2);
    s.resetAll(2, { at: 5, reason: "button" }); // ...and the process dies here
    s.close();
    s = open();
    const again = openKeyring(s, dir);
    expect(again.keyring.generation).toBe(2);
    expect(again.keyring.pepper.equals(next)).toBe(true);
    expect(again.report).toEqual({ removedPeppers: [1], wipedOrphans: false, finishedCompaction: true });
    expect(s.meta().compactPending).toBe(false);
    expect(peppers(dir)).toEqual(["credentials.pepper-2"]);
    s.close();
  });

  it("rotates: new pepper, new generation, old pepper destroyed, compaction done", () => {
    const { dir, open } = setup();
    const s = open();
    const { keyring } = openKeyring(s, dir);
    const r = rotateKeyring(s, dir, keyring, { at: 9, reason: "unlock" });
    expect(r.keyring.generation).toBe(2);
    expect(r.keyring.pepper.equals(keyring.pepper)).toBe(false);
    expect(readPepper(dir, 1)).toBeNull();
    // Secure deletion is left to the caller, off the reset's critical path; the flag says so.
    expect(s.meta()).toMatchObject({ generation: 2, compactPending: true, lastReset: { reason: "unlock" } });
    s.compact();
    expect(s.meta().compactPending).toBe(false);
    s.close();
  });

  it("never reuses a generation number when the database itself was lost", () => {
    const { dir, file, open } = setup();
    let s = open();
    let { keyring } = openKeyring(s, dir);
    for (let i = 0; i < 3; i++) keyring = rotateKeyring(s, dir, keyring, { at: i, reason: "button" }).keyring;
    s.close();
    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    s = open();
    const again = openKeyring(s, dir);
    expect(again.keyring.generation).toBe(5);
    expect(peppers(dir)).toEqual(["credentials.pepper-5"]);
    s.close();
  });

  it("wipes credentials whose pepper is gone instead of keeping accounts that can never log in", () => {
    const { dir, open } = setup();
    let s = open();
    openKeyring(s, dir);
    s.insertAccount({
      username: "owner",
      role: "admin",
      hash: PHC,
      generation: 1,
      createdAt: 1,
      passwordChangedAt: 1,
    });
    s.insertSession(randomBytes(32), "owner", 1, 9e15);
    s.close();
    rmSync(path.join(dir, "credentials.pepper-1"));
    s = open();
    const again = openKeyring(s, dir);
    expect(again.report.wipedOrphans).toBe(true);
    expect(again.keyring.generation).toBe(2);
    expect(s.hasCredentials()).toBe(false);
    expect(s.meta().lastReset).toBeNull();
    s.close();
  });
});
