// The current credential generation and its pepper, kept consistent between credentials.db and
// the pepper files across resets and crashes. Ordering is the whole trick:
//   rotate: write + fsync the next pepper → commit the reset (generation + 1) → destroy the old
//   pepper → secure-delete. A crash before the commit leaves the old state with an unused new
//   pepper file; after it, the new state with a stale old one. open() keeps only the pepper of
//   the generation the database committed, and finishes an interrupted secure deletion.
import {
  createPepper,
  destroyOtherPeppers,
  destroyPepper,
  listPeppers,
  readPepper,
} from "../crypto/pepper.js";
import { StoreFaultError } from "../errors.js";
import type { ResetReason } from "../services.js";
import type { CredentialStore } from "../store/credential-store.js";

export interface Keyring {
  readonly generation: number;
  readonly pepper: Buffer;
}

export interface OpenReport {
  /** Pepper files of other generations that were destroyed. */
  removedPeppers: number[];
  /** The database held credentials but their pepper was gone (e.g. an old copy was put back):
   *  they could never verify, so the store was wiped to first boot. */
  wipedOrphans: boolean;
  /** Secure deletion ran at open (after a wipe, or finishing one a crash interrupted). */
  finishedCompaction: boolean;
}

export interface OpenKeyringOptions {
  /** The store had an owner (credentials.state): a lost pepper is a store fault, not a wipe. */
  refuseWipe?: boolean;
}

export function openKeyring(
  store: CredentialStore,
  dir: string,
  opts: OpenKeyringOptions = {},
): { keyring: Keyring; report: OpenReport } {
  const meta = store.meta();
  let generation = meta.generation;
  let pepper = readPepper(dir, generation);
  let wipedOrphans = false;
  if (!pepper) {
    const highest = Math.max(0, ...listPeppers(dir));
    const orphans = store.hasCredentials();
    if (opts.refuseWipe && orphans) {
      throw new StoreFaultError(
        `the pepper of credential generation ${generation} is missing: the accounts cannot be verified`,
      );
    }
    if (orphans || highest > generation) {
      // Credentials without their pepper can never verify: wipe them. And never reuse a
      // generation number whose pepper may exist elsewhere (a database that was deleted or
      // replaced by an older copy comes back under a fresh number).
      const next = Math.max(generation, highest) + 1;
      pepper = createPepper(dir, next);
      store.resetAll(next, null);
      generation = next;
      wipedOrphans = orphans;
    } else {
      pepper = createPepper(dir, generation);
    }
  }
  const removedPeppers = destroyOtherPeppers(dir, generation);
  const finishedCompaction = store.meta().compactPending;
  if (finishedCompaction) store.compact();
  return { keyring: { generation, pepper }, report: { removedPeppers, wipedOrphans, finishedCompaction } };
}

export interface RotateResult {
  keyring: Keyring;
}

export function rotateKeyring(
  store: CredentialStore,
  dir: string,
  current: Keyring,
  lastReset: { at: number; reason: ResetReason },
): RotateResult {
  const next = current.generation + 1;
  const pepper = createPepper(dir, next);
  try {
    store.resetAll(next, lastReset);
  } catch (err) {
    destroyPepper(dir, next);
    throw err;
  }
  // Committed: the old pepper goes now (a few ms), the secure deletion of the old rows later
  // (compact_pending is set in the same transaction, so a crash leaves it to the next open).
  try {
    destroyPepper(dir, current.generation);
  } catch {
    // Left for open(), which destroys every pepper but the committed generation's.
  }
  return { keyring: { generation: next, pepper } };
}
