// Applies a checked backup atomically with a durable intent, in the manner of the factory reset:
//
//   1. each root is staged whole next to itself (<path>.recoveryd-bnew), fsynced
//   2. marker backup-restore.pending {roots} written and fsynced: from here the restore completes
//   3. each root swapped in by rename (a directory moves the old one to <path>.recoveryd-bold first)
//   4. marker removed
//
// At the next start, a marker means "finish step 3" and no marker means "roll back": staged
// copies are removed and the old configuration stays. Either way every root is wholly old or
// wholly new. Staging next to the target keeps every rename on one file system.
import { lstat, mkdir, open, rename, rm } from "node:fs/promises";
import path from "node:path";
import { fsyncDir, readJsonIfExists, removeDurably, writeJsonAtomic } from "../recovery/atomic-file.js";
import type { PreserveGuard } from "../recovery/preserve-guard.js";
import type { CheckedBackup } from "./manifest.js";

export const RESTORE_MARKER = "backup-restore.pending";
export const STAGE_SUFFIX = ".recoveryd-bnew";
export const OLD_SUFFIX = ".recoveryd-bold";

export interface ApplyOptions {
  stateDir: string;
  guard: PreserveGuard;
  /** Crash tests kill the process here. */
  onStep?: ((step: string) => void | Promise<void>) | undefined;
}

async function exists(p: string) {
  try {
    return await lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

async function writeDurably(file: string, data: Uint8Array, mode: number): Promise<void> {
  const fh = await open(file, "wx", mode || 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function stage(root: CheckedBackup["roots"][number]): Promise<void> {
  const dst = root.path + STAGE_SUFFIX;
  await rm(dst, { recursive: true, force: true });
  await mkdir(path.dirname(root.path), { recursive: true });
  if (root.kind === "file") {
    const e = root.entries[0];
    if (e) await writeDurably(dst, e.data, e.mode);
    return;
  }
  const dirs = new Set<string>([dst]);
  await mkdir(dst, { mode: 0o755 });
  // Parents before children: the archive lists a directory before what is in it, but sort anyway.
  const sorted = [...root.entries].sort((a, b) => a.abs.localeCompare(b.abs));
  for (const e of sorted) {
    if (e.abs === root.path) continue;
    const at = dst + e.abs.slice(root.path.length);
    await mkdir(path.dirname(at), { recursive: true });
    if (e.kind === "dir") {
      await mkdir(at, { recursive: true, mode: e.mode || 0o755 });
      dirs.add(at);
    } else await writeDurably(at, e.data, e.mode);
  }
  for (const d of [...dirs].sort().reverse()) await fsyncDir(d);
}

export async function applyBackup(checked: CheckedBackup, o: ApplyOptions): Promise<void> {
  for (const r of checked.roots)
    for (const p of [r.path, r.path + STAGE_SUFFIX, r.path + OLD_SUFFIX]) await o.guard.assertWritable(p);
  for (const [i, r] of checked.roots.entries()) {
    await stage(r);
    await fsyncDir(path.dirname(r.path));
    await o.onStep?.(`staged:${i}`);
  }
  await writeJsonAtomic(path.join(o.stateDir, RESTORE_MARKER), {
    v: 1,
    roots: checked.roots.map((r) => r.path),
  });
  await o.onStep?.("marker-written");
  await finishSwaps(
    checked.roots.map((r) => r.path),
    o,
  );
}

async function finishSwaps(roots: readonly string[], o: ApplyOptions): Promise<void> {
  for (const [i, p] of roots.entries()) {
    const staged = p + STAGE_SUFFIX;
    const old = p + OLD_SUFFIX;
    const st = await exists(staged);
    if (st) {
      const cur = await exists(p);
      if (cur && (cur.isDirectory() || st.isDirectory())) {
        // rename() cannot replace a directory: move the old one aside first.
        await rm(old, { recursive: true, force: true });
        await rename(p, old);
        await o.onStep?.(`moved-old:${i}`);
      }
      await rename(staged, p);
      await fsyncDir(path.dirname(p));
      await o.onStep?.(`swapped:${i}`);
    }
    await rm(old, { recursive: true, force: true });
  }
  await removeDurably(path.join(o.stateDir, RESTORE_MARKER));
  await o.onStep?.("marker-removed");
}

/**
 * At start: finishes a restore whose marker is on disk, or removes what an unfinished staging
 * left. Returns what it did.
 */
export async function resumeRestore(
  restorePaths: readonly string[],
  o: ApplyOptions,
): Promise<"finished" | "rolled-back" | "none"> {
  let marker: { roots?: unknown } | undefined;
  try {
    marker = (await readJsonIfExists(path.join(o.stateDir, RESTORE_MARKER))) as
      | { roots?: unknown }
      | undefined;
  } catch {
    // Written atomically, so unreadable means damaged: the staged copies are whole (they were
    // fsynced before the marker), so finishing over the configured paths is safe.
    marker = { roots: restorePaths };
  }
  if (marker) {
    const roots = Array.isArray(marker.roots)
      ? marker.roots.filter((r): r is string => typeof r === "string" && restorePaths.includes(r))
      : [];
    await finishSwaps(roots, o);
    return "finished";
  }
  let removed = false;
  for (const p of restorePaths.map((x) => path.resolve(x))) {
    if (await exists(p + STAGE_SUFFIX)) {
      await rm(p + STAGE_SUFFIX, { recursive: true, force: true });
      removed = true;
    }
    // Only a swap moves the old tree aside, and a swap has a marker; without one, put it back.
    if ((await exists(p + OLD_SUFFIX)) && !(await exists(p))) await rename(p + OLD_SUFFIX, p);
  }
  return removed ? "rolled-back" : "none";
}
