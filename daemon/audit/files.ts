// File names of the audit directory and how a file splits into lines.
//
// `audit.log` is written; `audit.1.log` is the previous file, `audit.2.log` the one before... A
// rotation first writes the new file's header to `audit.next.log`, then shifts the old files, then
// renames `audit.next.log` to `audit.log` (see rotate.ts). Continuity is proven by content (seq and
// prev), so a gap in the numbering is not itself an error: a file that went missing shows up as a
// break in the chain, or, for the oldest one, as a mismatch with the anchor.
import fs from "node:fs";
import path from "node:path";

export const CURRENT = "audit.log";
export const NEXT = "audit.next.log";

/** 0 is the current file, n >= 1 the n-th older one. */
export function fileName(index: number): string {
  return index === 0 ? CURRENT : `audit.${index}.log`;
}

const ROTATED = /^audit\.([1-9][0-9]{0,5})\.log$/;

export interface AuditFile {
  name: string;
  path: string;
  /** 0 = audit.log, n = audit.n.log, -1 = audit.next.log (newer than audit.log). */
  index: number;
}

/** The audit files present, oldest first. Other files in the directory are ignored. */
export function listAuditFiles(dir: string): AuditFile[] {
  const files: AuditFile[] = [];
  for (const name of fs.readdirSync(dir)) {
    let index: number | null = null;
    if (name === CURRENT) index = 0;
    else if (name === NEXT) index = -1;
    else {
      const m = ROTATED.exec(name);
      if (m?.[1] !== undefined) index = Number(m[1]);
    }
    if (index !== null) files.push({ name, path: path.join(dir, name), index });
  }
  return files.sort((a, b) => b.index - a.index);
}

export interface SplitFile {
  /** Complete lines (newline-terminated), without the newline. */
  lines: Buffer[];
  /** Bytes after the last newline (empty when the file ends with one). */
  remnant: Buffer;
}

export function splitLines(data: Buffer): SplitFile {
  const lines: Buffer[] = [];
  let start = 0;
  for (;;) {
    const nl = data.indexOf(0x0a, start);
    if (nl < 0) break;
    lines.push(data.subarray(start, nl));
    start = nl + 1;
  }
  return { lines, remnant: data.subarray(start) };
}

/** The first complete line of a file, reading only as much as needed. */
export function readFirstLine(file: string, maxBytes = 64 * 1024): Buffer | null {
  const fd = fs.openSync(file, "r");
  try {
    const buf = Buffer.alloc(Math.min(maxBytes, 4096));
    let have = Buffer.alloc(0);
    while (have.length < maxBytes) {
      const n = fs.readSync(fd, buf, 0, buf.length, have.length);
      if (n === 0) return null;
      have = Buffer.concat([have, buf.subarray(0, n)]);
      const nl = have.indexOf(0x0a);
      if (nl >= 0) return have.subarray(0, nl);
    }
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/** Make renames and new files durable: fsync the directory (no-op where unsupported). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the data files are already synced.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
