// Reads the configured restore paths into tar entries and a manifest for an export. Only
// regular files and directories are taken; a link, device or socket in a configuration tree is
// refused by name rather than silently followed or dropped.
import { lstat, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { overlaps } from "../config/load.js";
import { BackupError } from "../errors.js";
import {
  archiveName,
  BACKUP_TYPE,
  BACKUP_VERSION,
  MAX_BACKUP_BYTES,
  MAX_BACKUP_ENTRIES,
  type Manifest,
  sha256,
} from "./manifest.js";
import type { TarEntry } from "./tar.js";

export interface CollectOptions {
  restorePaths: readonly string[];
  credentialPaths: readonly string[];
  model: string | null;
  deviceId: string | null;
  productVersion: string;
  now: Date;
}

export async function collect(o: CollectOptions): Promise<{ manifest: Manifest; entries: TarEntry[] }> {
  const entries: TarEntry[] = [];
  const manifest: Manifest = {
    type: BACKUP_TYPE,
    v: BACKUP_VERSION,
    model: o.model,
    deviceId: o.deviceId,
    productVersion: o.productVersion,
    createdAt: o.now.toISOString(),
    roots: [],
    files: [],
  };
  let bytes = 0;
  const add = async (abs: string): Promise<"file" | "dir"> => {
    if (o.credentialPaths.some((c) => overlaps(abs, c)))
      throw new BackupError("credential_path", `refusing to back up ${abs}: credentials live there`);
    const st = await lstat(abs);
    if (entries.length >= MAX_BACKUP_ENTRIES) throw new BackupError("too_large", "too many files to back up");
    if (st.isDirectory()) {
      entries.push({ name: archiveName(abs), type: "dir", mode: st.mode & 0o777, data: new Uint8Array() });
      for (const name of (await readdir(abs)).sort()) await add(path.join(abs, name));
      return "dir";
    }
    if (!st.isFile())
      throw new BackupError(
        "unsafe_entry",
        `refusing to back up ${abs}: only files and directories are backed up`,
      );
    const data = await readFile(abs);
    bytes += data.length;
    if (bytes > MAX_BACKUP_BYTES)
      throw new BackupError("too_large", `the configuration exceeds ${MAX_BACKUP_BYTES} bytes`);
    entries.push({ name: archiveName(abs), type: "file", mode: st.mode & 0o777, data });
    manifest.files.push({ path: abs, size: data.length, sha256: sha256(data) });
    return "file";
  };
  for (const p of o.restorePaths) {
    const abs = path.resolve(p);
    try {
      await lstat(abs);
    } catch {
      continue; // Not there on this recorder: nothing to keep.
    }
    manifest.roots.push({ path: abs, kind: await add(abs) });
  }
  const head: TarEntry = {
    name: "manifest.json",
    type: "file",
    mode: 0o644,
    data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`),
  };
  return { manifest, entries: [head, ...entries] };
}
