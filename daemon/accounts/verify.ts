// Password verification under the lockout rules, and the rehash that follows a successful one.
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
    const ok = await d.hasher.verify(account?.hash ?? (await d.dummyHash), password, pepper);
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
    d.audit.record("login-failed", { username: name.slice(0, 64), during });
    if (lockedMs !== null) {
      counts.lockouts++;
      d.audit.record("lockout", { username: key.slice(0, 64), seconds: Math.round(lockedMs / 1000) });
      d.log.warn({ event: "lockout", username: key.slice(0, 64), seconds: lockedMs / 1000 }, "locked");
    }
    throw new InvalidCredentialsError();
  } finally {
    release();
  }
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
