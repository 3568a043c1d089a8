// Reading entries back (GET /v1/audit, recoveryctl audit). Reading is not verifying: a damaged
// line is skipped here and reported by verify().
import fs from "node:fs";
import { type AuditEntry, parseEntryLine } from "./entry.js";
import { listAuditFiles, splitLines } from "./files.js";

export interface AuditReadOptions {
  /** Newest entries to return; default 100, at most 10,000. */
  limit?: number;
  /** Only entries with seq greater than this (poll with the last seq seen). */
  sinceSeq?: number;
}

export const DEFAULT_READ_LIMIT = 100;
export const MAX_READ_LIMIT = 10_000;

/** Entries oldest first (newest last), reading files newest first only as far as needed. */
export function readAuditDir(dir: string, opts: AuditReadOptions = {}): AuditEntry[] {
  const limit = Math.max(0, Math.min(MAX_READ_LIMIT, Math.floor(opts.limit ?? DEFAULT_READ_LIMIT)));
  const since = opts.sinceSeq ?? 0;
  const newestFirst: AuditEntry[] = [];
  if (limit === 0) return newestFirst;
  for (const file of listAuditFiles(dir).reverse()) {
    let data: Buffer;
    try {
      data = fs.readFileSync(file.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue; // rotated away meanwhile
      throw err;
    }
    const { lines } = splitLines(data);
    for (let i = lines.length - 1; i >= 0; i--) {
      const parsed = parseEntryLine(lines[i] as Buffer);
      if (!parsed.ok) continue;
      if (parsed.entry.seq <= since) return newestFirst.reverse();
      newestFirst.push(parsed.entry);
      if (newestFirst.length >= limit) return newestFirst.reverse();
    }
  }
  return newestFirst.reverse();
}
