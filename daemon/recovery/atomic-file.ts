// Small state files that must survive a power cut whole or not at all: the data goes to a temp
// sibling, is fsynced, renamed over the target, and the directory is fsynced so the rename itself
// is on disk. A reader therefore sees the old file or the new one, never half of either.
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * mkdir -p that reports why it failed: Node's recursive mkdir answers ENOENT on a read-only file
 * system (it retries the parent, which exists), and ENOENT read as "a bug" became a 500 for a
 * reset on a read-only state directory. A plain mkdir of the last part gives the real EROFS.
 */
export async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    await mkdir(dir); // throws the real cause; succeeds only if someone made the parent meanwhile
  }
}

export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  mode = 0o600,
  opts: { createDir?: boolean } = {},
): Promise<void> {
  const dir = path.dirname(file);
  // Our own state folders are made on demand; a destination someone else names is not.
  if (opts.createDir !== false) await ensureDir(dir);
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const fh = await open(tmp, "wx", mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(dir);
}

export async function writeJsonAtomic(file: string, value: unknown, mode = 0o600): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`, mode);
}

/** The parsed JSON, or undefined when the file does not exist. Other errors propagate. */
export async function readJsonIfExists(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  return JSON.parse(text);
}

/** Removes a file and makes the removal durable. Missing is fine (idempotent). */
export async function removeDurably(file: string): Promise<void> {
  await rm(file, { force: true });
  await fsyncDir(path.dirname(file));
}
