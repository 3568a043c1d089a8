// The argon2 secret ("pepper") of each credential generation lives in its own file beside the
// database, never inside it: a copy of the database alone can never verify a password, and
// deleting the file when the generation ends makes every old hash useless, backups included.
//
// Crash safety comes from ordering, not from the file system: the next generation's pepper is
// written and fsynced before the reset commits, and at open the database's generation decides
// which file is kept; every other pepper file is destroyed.

import { randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import { StoreUnavailableError } from "../errors.js";

export const PEPPER_BYTES = 32;
const PEPPER_FILE = /^credentials\.pepper-(\d+)$/;

export function pepperPath(dir: string, generation: number): string {
  return path.join(dir, `credentials.pepper-${generation}`);
}

/** Creates a fresh random pepper for `generation`, durable (file and directory entry) on return. */
export function createPepper(dir: string, generation: number): Buffer {
  const file = pepperPath(dir, generation);
  const pepper = randomBytes(PEPPER_BYTES);
  let fd: number;
  try {
    fd = openSync(file, "wx", 0o600);
  } catch (err) {
    // Left over from a reset that never committed: it was never in use, replace it.
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    destroyFile(file);
    fd = openSync(file, "wx", 0o600);
  }
  try {
    writeSync(fd, pepper);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  fsyncDir(dir);
  return pepper;
}

/** The pepper of `generation`, or null when its file does not exist. */
export function readPepper(dir: string, generation: number): Buffer | null {
  let data: Buffer;
  try {
    data = readFileSync(pepperPath(dir, generation));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new StoreUnavailableError(`credential pepper cannot be read: ${(err as Error).message}`);
  }
  // A short file can only be a write torn by a crash before its fsync, i.e. a generation that
  // never committed; for the committed generation it means the pepper is lost.
  return data.length === PEPPER_BYTES ? data : null;
}

/** Generations that have a pepper file in `dir`. */
export function listPeppers(dir: string): number[] {
  return readdirSync(dir)
    .map((name) => PEPPER_FILE.exec(name)?.[1])
    .filter((g): g is string => g !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/** Destroys every pepper file except the one of `keep`. Returns the generations removed. */
export function destroyOtherPeppers(dir: string, keep: number): number[] {
  const removed = listPeppers(dir).filter((g) => g !== keep);
  for (const g of removed) destroyPepper(dir, g);
  return removed;
}

export function destroyPepper(dir: string, generation: number): void {
  destroyFile(pepperPath(dir, generation));
}

/**
 * Overwrites with zeros before unlinking: on a plain file system that removes the bytes; on
 * flash the rotation itself is what protects old hashes. No directory fsync: a file that
 * reappears after a power cut is destroyed again at the next open.
 */
function destroyFile(file: string): void {
  try {
    const size = statSync(file).size;
    const fd = openSync(file, "r+");
    try {
      if (size > 0) writeSync(fd, Buffer.alloc(size), 0, size, 0);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
