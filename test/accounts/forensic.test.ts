// SPEC 4 "Secure deletion": after a reset, no byte of an old hash, salt, session or token hash may
// be readable from the database, its WAL, its shared-memory file or a journal.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { makeTempDir, openTest, STRONG_PASSWORD } from "../helpers/credentials.js";

let cleanup = () => {};
afterEach(() => cleanup());

/** Every byte form an old secret could be stored in. */
function needlesOfPhc(phc: string): Buffer[] {
  const [, , , , salt = "", hash = ""] = phc.split("$");
  return [
    Buffer.from(phc),
    Buffer.from(salt),
    Buffer.from(hash),
    Buffer.from(salt, "base64"),
    Buffer.from(hash, "base64"),
  ];
}

function needlesOfTokenHash(h: Buffer): Buffer[] {
  return [h, Buffer.from(h.toString("hex")), Buffer.from(h.toString("hex").toUpperCase())];
}

function snapshot(dir: string): { hashes: string[]; tokenHashes: Buffer[] } {
  const db = new Database(path.join(dir, "credentials.db"), { readonly: true });
  try {
    const hashes = (db.prepare("SELECT hash FROM accounts").all() as { hash: string }[]).map((r) => r.hash);
    const tokenHashes = [
      ...(db.prepare("SELECT token_hash AS h FROM sessions").all() as { h: Buffer }[]),
      ...(db.prepare("SELECT token_hash AS h FROM api_tokens").all() as { h: Buffer }[]),
    ].map((r) => r.h);
    return { hashes, tokenHashes };
  } finally {
    db.close();
  }
}

function filesOf(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const name of readdirSync(dir)) out.set(name, readFileSync(path.join(dir, name)));
  return out;
}

function findings(dir: string, needles: Buffer[]): string[] {
  const found: string[] = [];
  for (const [name, bytes] of filesOf(dir)) {
    needles.forEach((n, i) => {
      if (n.length >= 16 && bytes.includes(n)) found.push(`${name}: needle ${i}`);
    });
  }
  return found;
}

describe("secure deletion after a reset", () => {
  it("leaves no byte of any old hash, salt or token hash in the db, -wal, -shm or journal", async () => {
    const t = makeTempDir();
    cleanup = t.cleanup;
    const { accounts } = await openTest(t.dir);
    await accounts.setup({ username: "owner", password: STRONG_PASSWORD });
    const admin = accounts.authenticate((await accounts.login("owner", STRONG_PASSWORD)).token);
    const needles: Buffer[] = [];
    const seenHashes = new Set<string>();
    const collect = () => {
      const s = snapshot(t.dir);
      for (const h of s.hashes) if (!seenHashes.has(h)) seenHashes.add(h) && needles.push(...needlesOfPhc(h));
      for (const h of s.tokenHashes) needles.push(...needlesOfTokenHash(h));
    };
    collect();
    for (let i = 0; i < 12; i++) {
      const name = `user${i}`;
      const pw = `${STRONG_PASSWORD}-${i}x`;
      await accounts.createUser(admin, { username: name, password: pw, role: i % 2 ? "viewer" : "operator" });
      collect();
      const who = accounts.authenticate((await accounts.login(name, pw)).token);
      await accounts.login(name, pw);
      // Old hashes left behind by password changes must go too.
      await accounts.changePassword(who, pw, `${pw}-changed`);
      collect();
      accounts.createToken(admin, { name: `app-${i}` });
      collect();
    }
    accounts.deleteUser(admin, "user3");
    collect();
    expect(seenHashes.size).toBeGreaterThanOrEqual(25);
    // Positive control: the search does find live secrets before the reset.
    expect(findings(t.dir, needles).length).toBeGreaterThan(0);

    await accounts.credentialReset("button", { openWindow: true, issueSetupToken: false });
    await accounts.whenCompacted();

    expect(findings(t.dir, needles)).toEqual([]);
    const names = readdirSync(t.dir);
    expect(names).toContain("credentials.db");
    expect(names.filter((n) => n.endsWith("-journal"))).toEqual([]);
    if (existsSync(path.join(t.dir, "credentials.db-wal"))) {
      expect(readFileSync(path.join(t.dir, "credentials.db-wal"))).toHaveLength(0);
    }
    // And after the daemon lets go of the files.
    accounts.close();
    expect(findings(t.dir, needles)).toEqual([]);
  });
});
