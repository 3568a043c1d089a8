// Password verification under the lockout rules, and the rehash that follows a successful one.
import { createHash } from "node:crypto";
import { InvalidCredentialsError } from "../errors.js";
import type { AccountRow } from "../store/credential-store.js";
import type { AccountCore } from "./core.js";

/**
 * Verifies a password under the lockout rules. A refused attempt computes no argon2; an unknown
 * name costs one verify against the dummy hash, like a known one.
 */
export async function verifyGuarded(
  core: AccountCore,
  key: string,
  name: string,
  password: string,
  during: "login" | "password-change" = "login",
): Promise<AccountRow> {
  const { d, counts } = core;
  let release: () => void;
  try {
    release = await d.guard.begin(key);
  } catch (err) {
    counts.refusedLocked++;
    throw err;
  }
  try {
    const { generation, pepper } = core.keyring;
    const account = d.store.getAccount(name);
    const ok = await d.hasher.verify(account?.hash ?? (await d.dummyHash()), password, pepper);
    core.ensureOpen();
    // Reset meanwhile: whatever was verified no longer exists. Not the caller's failure.
    if (generation !== core.keyring.generation) throw new InvalidCredentialsError();
    const now = d.store.getAccount(name);
    if (ok && account && now?.hash === account.hash) {
      d.guard.success(key);
      return account;
    }
    counts.loginsFailed++;
    const lockedMs = d.guard.failure(key);
    // A name that is no account is not written out: it may be a password typed in the wrong
    // field. A short digest still lets an admin see that one name was tried over and over.
    const who = account ? { username: account.username } : { unknownName: nameDigest(key) };
    d.audit.record("login-failed", { ...who, during });
    if (lockedMs !== null) {
      counts.lockouts++;
      d.audit.record("lockout", { ...who, seconds: Math.round(lockedMs / 1000) });
      d.log.warn({ event: "lockout", ...who, seconds: lockedMs / 1000 }, "locked");
    }
    throw new InvalidCredentialsError();
  } finally {
    release();
  }
}

/** The first 12 hex digits of SHA-256 of a lower-cased name that is no account. */
export function nameDigest(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex").slice(0, 12);
}

/** Upgrades a hash to the current parameters after a successful login; best effort. */
export async function rehash(
  core: AccountCore,
  account: AccountRow,
  password: string,
  pepper: Buffer,
  generation: number,
): Promise<void> {
  const { d } = core;
  try {
    const hash = await d.hasher.hash(password, pepper);
    if (generation !== core.keyring.generation || core.closed) return;
    if (d.store.replaceHash(account.username, account.hash, hash, generation, account.passwordChangedAt)) {
      core.committed();
      core.counts.rehashes++;
    }
  } catch (err) {
    d.log.warn({ event: "rehash-failed", err }, "rehash postponed");
  }
}
