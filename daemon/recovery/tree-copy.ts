// Copies factory defaults (a file or a whole directory) to a temp location and fsyncs every file
// and directory, so that the rename that publishes the copy publishes complete data. Symlinks are
// copied as symlinks, after the guard checked where they will lead.
import {
  chmod,
  copyFile,
  lchown,
  lstat,
  mkdir,
  open,
  readdir,
  readlink,
  stat,
  symlink,
} from "node:fs/promises";
import path from "node:path";
import { fsyncDir } from "./atomic-file.js";
import { FactoryResetError } from "./errors.js";
import type { PreserveGuard } from "./preserve-guard.js";

/**
 * Copies `src` to `dst` (which must not exist). `finalDst` is where the copy will end up after the
 * swap; symlinks are judged from there. The root of `src` is followed if it is a symlink.
 */
export async function copyTreeDurably(
  src: string,
  dst: string,
  finalDst: string,
  guard: PreserveGuard,
): Promise<void> {
  await copyEntry(src, dst, finalDst, guard, true);
}

async function copyEntry(
  src: string,
  dst: string,
  finalDst: string,
  guard: PreserveGuard,
  followLink: boolean,
): Promise<void> {
  const st = followLink ? await stat(src) : await lstat(src);
  if (st.isSymbolicLink()) {
    const target = await readlink(src);
    await guard.assertLinkSafe(finalDst, target);
    await symlink(target, dst);
  } else if (st.isDirectory()) {
    await mkdir(dst, { mode: 0o700 });
    const names = (await readdir(src)).sort();
    for (const name of names) {
      await copyEntry(path.join(src, name), path.join(dst, name), path.join(finalDst, name), guard, false);
    }
    await chmod(dst, st.mode & 0o7777);
    await fsyncDir(dst);
  } else if (st.isFile()) {
    await copyFile(src, dst);
    await chmod(dst, st.mode & 0o7777);
    const fh = await open(dst, "r");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } else {
    throw new FactoryResetError(
      "unsupported_file",
      `factory default ${src} is not a file, directory or symlink`,
    );
  }
  await keepOwner(dst, st.uid, st.gid);
}

/** Root restores files with the owner of the factory defaults; anyone else keeps their own. */
async function keepOwner(p: string, uid: number, gid: number): Promise<void> {
  if (process.getuid?.() !== 0) return;
  try {
    await lchown(p, uid, gid);
  } catch {
    // Not fatal: the content is what matters for a reset.
  }
}

/** Dry run of copyTreeDurably: the same refusals, nothing written. */
export async function checkTree(src: string, finalDst: string, guard: PreserveGuard): Promise<void> {
  await checkEntry(src, finalDst, guard, true);
}

async function checkEntry(
  src: string,
  finalDst: string,
  guard: PreserveGuard,
  followLink: boolean,
): Promise<void> {
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = followLink ? await stat(src) : await lstat(src);
  } catch (err) {
    throw new FactoryResetError(
      "missing_source",
      `factory default ${src} cannot be read: ${(err as Error).message}`,
    );
  }
  if (st.isSymbolicLink()) {
    await guard.assertLinkSafe(finalDst, await readlink(src));
  } else if (st.isDirectory()) {
    for (const name of await readdir(src)) {
      await checkEntry(path.join(src, name), path.join(finalDst, name), guard, false);
    }
  } else if (!st.isFile()) {
    throw new FactoryResetError(
      "unsupported_file",
      `factory default ${src} is not a file, directory or symlink`,
    );
  }
}
