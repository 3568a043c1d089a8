// The manifest inside a configuration backup, and the checks a restore makes on an archive before
// it writes anything (pure). Layout of the tar: `manifest.json` first, then `config/<path>` for
// every file and directory, where <path> is the absolute path on the recorder without its `/`.
import { createHash } from "node:crypto";
import path from "node:path";
import { overlaps } from "../config/load.js";
import { BackupError } from "../errors.js";
import type { TarEntry } from "./tar.js";

export const BACKUP_TYPE = "recoveryd-config-backup";
export const BACKUP_VERSION = 1;
export const MAX_BACKUP_BYTES = 64 * 1024 * 1024;
export const MAX_BACKUP_ENTRIES = 20_000;

export interface ManifestFile {
  path: string;
  size: number;
  sha256: string;
}

export interface Manifest {
  type: typeof BACKUP_TYPE;
  v: number;
  model: string | null;
  deviceId: string | null;
  productVersion: string;
  createdAt: string;
  /** The restore paths the backup holds, and whether each was a file or a directory. */
  roots: { path: string; kind: "file" | "dir" }[];
  files: ManifestFile[];
}

export const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

export function archiveName(abs: string): string {
  return `config${abs}`;
}

/** Everything a restore will write, by root. */
export interface CheckedBackup {
  manifest: Manifest;
  roots: {
    path: string;
    kind: "file" | "dir";
    entries: { abs: string; kind: "file" | "dir"; mode: number; data: Uint8Array }[];
  }[];
}

export interface RestoreRules {
  /** factoryReset.restore[].path: the only paths a backup may write. */
  restorePaths: readonly string[];
  /** Credential store, pepper, audit log, factory data: a backup that names them is refused. */
  credentialPaths: readonly string[];
  model: string | null;
}

function parseManifest(entry: TarEntry | undefined): Manifest {
  if (entry?.name !== "manifest.json" || entry.type !== "file")
    throw new BackupError("manifest_invalid", "the archive does not start with manifest.json");
  let m: Partial<Manifest>;
  try {
    m = JSON.parse(Buffer.from(entry.data).toString("utf8")) as Partial<Manifest>;
  } catch {
    throw new BackupError("manifest_invalid", "manifest.json is not JSON");
  }
  if (m.type !== BACKUP_TYPE)
    throw new BackupError("manifest_invalid", `manifest.json is not a ${BACKUP_TYPE}`);
  if (typeof m.v !== "number" || !Number.isInteger(m.v))
    throw new BackupError("manifest_invalid", "manifest.json has no version");
  if (m.v > BACKUP_VERSION)
    throw new BackupError(
      "version_unsupported",
      `backup format version ${m.v} is newer than this recoveryd (knows ${BACKUP_VERSION})`,
    );
  if (m.v < 1) throw new BackupError("version_unsupported", `backup format version ${m.v} is unknown`);
  const okFile = (f: unknown) => {
    const x = f as ManifestFile;
    return (
      typeof x?.path === "string" &&
      typeof x.size === "number" &&
      typeof x.sha256 === "string" &&
      /^[0-9a-f]{64}$/.test(x.sha256)
    );
  };
  const okRoot = (r: unknown) => {
    const x = r as { path: unknown; kind: unknown };
    return typeof x?.path === "string" && (x.kind === "file" || x.kind === "dir");
  };
  if (!Array.isArray(m.files) || !m.files.every(okFile) || !Array.isArray(m.roots) || !m.roots.every(okRoot))
    throw new BackupError("manifest_invalid", "manifest.json lists its files or roots wrongly");
  return {
    type: BACKUP_TYPE,
    v: m.v,
    model: typeof m.model === "string" ? m.model : null,
    deviceId: typeof m.deviceId === "string" ? m.deviceId : null,
    productVersion: typeof m.productVersion === "string" ? m.productVersion : "",
    createdAt: typeof m.createdAt === "string" ? m.createdAt : "",
    roots: m.roots,
    files: m.files,
  };
}

/** The manifest alone (for `backup inspect`): checks the archive's shape, not the device. */
export function manifestOf(entries: readonly TarEntry[]): Manifest {
  return parseManifest(entries[0]);
}

/** Maps an archive name to the absolute path it restores; refuses anything that could escape. */
function targetOf(name: string): string {
  const clean = name.replace(/\/+$/, "");
  if (!clean.startsWith("config/") || clean.includes("\0") || clean.includes("\\"))
    throw new BackupError("unknown_path", `the archive holds ${name.slice(0, 80)}, outside config/`);
  const rel = clean.slice("config".length);
  const parts = rel.split("/").slice(1);
  if (parts.some((p) => p === "" || p === "." || p === ".."))
    throw new BackupError("unsafe_entry", `the archive holds a path that climbs out: ${name.slice(0, 80)}`);
  const abs = path.posix.normalize(rel);
  if (abs !== rel)
    throw new BackupError("unsafe_entry", `the archive holds a path that is not plain: ${name.slice(0, 80)}`);
  return abs;
}

const inside = (p: string, root: string) =>
  p === root || p.startsWith(root.endsWith("/") ? root : `${root}/`);

/** Every check a restore makes before writing. Throws a BackupError naming the first problem. */
export function checkBackup(entries: readonly TarEntry[], rules: RestoreRules): CheckedBackup {
  const manifest = parseManifest(entries[0]);
  if (rules.model !== null && manifest.model !== rules.model)
    throw new BackupError(
      "model_mismatch",
      `this backup is of a ${manifest.model ?? "unknown model"}, this recorder is a ${rules.model}`,
    );
  const restorePaths = rules.restorePaths.map((p) => path.resolve(p));
  const byFile = new Map(manifest.files.map((f) => [f.path, f]));
  const roots = new Map<string, CheckedBackup["roots"][number]>();
  for (const r of manifest.roots) {
    const abs = path.resolve(r.path);
    if (rules.credentialPaths.some((c) => overlaps(abs, c)))
      throw new BackupError("credential_path", `the backup would write ${abs}, where credentials live`);
    if (!restorePaths.includes(abs))
      throw new BackupError(
        "unknown_path",
        `the backup holds ${abs}, which is not a configured restore path`,
      );
    roots.set(abs, { path: abs, kind: r.kind, entries: [] });
  }
  const seen = new Set<string>();
  for (const e of entries.slice(1)) {
    const abs = targetOf(e.name);
    if (rules.credentialPaths.some((c) => overlaps(abs, c)))
      throw new BackupError("credential_path", `the archive holds ${abs}, where credentials live`);
    if (e.type !== "file" && e.type !== "dir")
      throw new BackupError(
        "unsafe_entry",
        `the archive holds a ${e.type} at ${abs}: only files and directories are restored`,
      );
    const root = [...roots.values()].find((r) => inside(abs, r.path));
    if (!root) {
      // A parent directory of a root (tar -c of a tree adds them) carries nothing: skip it.
      if (e.type === "dir" && [...roots.keys()].some((r) => inside(r, abs))) continue;
      throw new BackupError(
        "unknown_path",
        `the archive holds ${abs}, outside every configured restore path`,
      );
    }
    if (seen.has(abs)) throw new BackupError("unsafe_entry", `the archive holds ${abs} twice`);
    seen.add(abs);
    if (e.type === "file") {
      const f = byFile.get(abs);
      if (!f) throw new BackupError("hash_mismatch", `${abs} is in the archive but not in its manifest`);
      if (f.size !== e.data.length || f.sha256 !== sha256(e.data))
        throw new BackupError("hash_mismatch", `${abs} does not match the hash in the manifest`);
    }
    if (root.kind === "file" && (abs !== root.path || e.type !== "file"))
      throw new BackupError(
        "manifest_invalid",
        `${root.path} is a file in the manifest but not in the archive`,
      );
    root.entries.push({ abs, kind: e.type, mode: e.mode & 0o777, data: e.data });
  }
  for (const f of manifest.files)
    if (!seen.has(path.resolve(f.path)))
      throw new BackupError("hash_mismatch", `${f.path} is in the manifest but missing from the archive`);
  for (const r of roots.values())
    if (r.kind === "file" && r.entries.length !== 1)
      throw new BackupError("manifest_invalid", `${r.path} is missing from the archive`);
  return { manifest, roots: [...roots.values()] };
}
