// Rotation by size, crash-safe at every step.
//
// 1. The new file's header (with the anchor that will be true AFTER the oldest file is dropped) is
//    written and synced as audit.next.log. From here on the newest anchor already describes the
//    end state, and the verifier accepts the extra old file still present ("more history than the
//    anchor promises" is fine; less is not).
// 2. The oldest file is dropped, then the others move up one number, oldest first (audit.2 -> 3,
//    audit.1 -> 2, audit.log -> 1). A crash leaves exactly one gap in the numbering, which tells the
//    next start how far the shift got.
// 3. audit.next.log becomes audit.log; the directory is synced.
// On open, a leftover audit.next.log with a complete header means "finish steps 2-3", including
// the drop: the files older than the header's anchor go (see recoverRotation); one without a
// complete header is discarded (step 1 never finished, nothing else had moved).
import fs from "node:fs";
import path from "node:path";
import { type AuditEntry, parseEntryLine, serializeEntry } from "./entry.js";
import { fileName, fsyncDir, listAuditFiles, NEXT, readFirstLine, splitLines } from "./files.js";
import { type Anchor, readHeader } from "./header.js";

export interface ShiftPlan {
  /** File indices to delete, before any rename. */
  unlink: number[];
  /** [from, to] index pairs, in the order they must run. */
  renames: Array<[number, number]>;
  /** Indices (before the shift) of the files that remain. */
  survivors: number[];
}

/**
 * The moves that make room for a new audit.log, given the indices present (0 = audit.log).
 * Re-planning from any state a crash can leave mid-way yields exactly the remaining moves.
 */
export function planShift(existing: readonly number[], keepFiles: number): ShiftPlan {
  const present = new Set(existing);
  const unlink = existing.filter((i) => i >= keepFiles).sort((a, b) => b - a);
  const renames: Array<[number, number]> = [];
  if (present.has(0) && keepFiles <= 1) {
    unlink.push(0);
  } else if (present.has(0)) {
    let hole = 1;
    while (hole < keepFiles - 1 && present.has(hole)) hole++;
    if (present.has(hole) && hole === keepFiles - 1) unlink.push(hole); // full: drop the oldest
    for (let i = hole - 1; i >= 0; i--) renames.push([i, i + 1]);
  }
  const gone = new Set(unlink);
  return { unlink, renames, survivors: existing.filter((i) => !gone.has(i)) };
}

export function executeShift(dir: string, plan: ShiftPlan): void {
  for (const i of plan.unlink) fs.rmSync(path.join(dir, fileName(i)), { force: true });
  for (const [from, to] of plan.renames) {
    const src = path.join(dir, fileName(from));
    if (fs.existsSync(src)) fs.renameSync(src, path.join(dir, fileName(to)));
  }
}

/** Plan for the rotation about to happen: existing files and the one that will be kept longest. */
export function planRotation(dir: string, keepFiles: number): { plan: ShiftPlan; anchor: Anchor | null } {
  const indices = listAuditFiles(dir)
    .map((f) => f.index)
    .filter((i) => i >= 0);
  const plan = planShift(indices, keepFiles);
  const oldestFirst = [...plan.survivors].sort((a, b) => b - a);
  for (const i of oldestFirst) {
    const e = firstEntry(path.join(dir, fileName(i)));
    if (e) return { plan, anchor: { seq: e.seq, prev: e.prev } };
  }
  return { plan, anchor: null };
}

/**
 * Steps 1-3 with a header already sealed by the caller (it holds the anchor from planRotation).
 * `durable` false skips the fsyncs (sync mode "none": tests and benchmarks, never the board).
 */
export function rotate(dir: string, plan: ShiftPlan, header: AuditEntry, durable = true): void {
  writeFile(path.join(dir, NEXT), Buffer.from(`${serializeEntry(header)}\n`, "utf8"), durable);
  if (durable) fsyncDir(dir); // audit.next.log must exist on disk before anything is dropped
  executeShift(dir, plan);
  fs.renameSync(path.join(dir, NEXT), path.join(dir, fileName(0)));
  if (durable) fsyncDir(dir);
}

/**
 * At open: finish or discard a rotation that a crash interrupted. Returns true if it did anything.
 *
 * Finishing includes the drop (step 2). Which files the rotation meant to drop is read from the
 * sealed header in audit.next.log, not from keepFiles (which may have changed since): its anchor is
 * the first entry of the oldest file that survives, so every file older than the one holding the
 * anchor goes. This drops exactly what the interrupted rotation would have, no more (the verifier
 * still finds the anchor) and no less: otherwise each interrupted rotation would leave one extra
 * file, and a second one interrupted before its drop would leave keepFiles + 2.
 */
export function recoverRotation(dir: string): boolean {
  const next = path.join(dir, NEXT);
  if (!fs.existsSync(next)) return false;
  const first = readFirstLine(next);
  const parsed = first === null ? null : parseEntryLine(first);
  const header = parsed?.ok ? readHeader(parsed.entry) : "no complete header";
  if (parsed?.ok && typeof header !== "string") {
    const indices = listAuditFiles(dir)
      .map((f) => f.index)
      .filter((i) => i >= 0);
    const drop = olderThanAnchor(dir, indices, parsed.entry.seq, header.retainedFrom);
    executeShift(dir, {
      // Infinity: moves only, for the files that stay; the drop was decided above.
      ...planShift(
        indices.filter((i) => !drop.includes(i)),
        Number.POSITIVE_INFINITY,
      ),
      unlink: drop,
    });
    fs.renameSync(next, path.join(dir, fileName(0)));
  } else {
    fs.rmSync(next, { force: true });
  }
  fsyncDir(dir);
  return true;
}

/**
 * Indices of the files whose entries all come before `anchor`, oldest first: every file older than
 * the newest one that starts at or before the anchor. An anchor equal to the header itself
 * (`headerSeq`: no older file survives) drops them all. A file with no readable entry (damaged: the
 * verifier reports it) is never taken for the anchor's holder; it is dropped only if older than the
 * holder, and kept if the anchor is the header itself (planRotation falls back to the header when
 * the survivors cannot be read, so such a file may have been meant to stay).
 */
function olderThanAnchor(
  dir: string,
  indices: readonly number[],
  headerSeq: number,
  anchor: Anchor,
): number[] {
  const newestFirst = [...indices].sort((a, b) => a - b);
  const first = (i: number): AuditEntry | null => firstEntry(path.join(dir, fileName(i)));
  if (anchor.seq >= headerSeq) return newestFirst.filter((i) => first(i) !== null).reverse();
  const holder = newestFirst.findIndex((i) => {
    const e = first(i);
    return e !== null && e.seq <= anchor.seq;
  });
  return holder < 0 ? [] : newestFirst.slice(holder + 1).reverse();
}

function firstEntry(file: string): AuditEntry | null {
  const first = readFirstLine(file);
  if (first !== null) {
    const p = parseEntryLine(first);
    if (p.ok) return p.entry;
  }
  if (!fs.existsSync(file)) return null;
  // A damaged first line (the verifier reports it): anchor on the first readable entry instead.
  for (const line of splitLines(fs.readFileSync(file)).lines) {
    const p = parseEntryLine(line);
    if (p.ok) return p.entry;
  }
  return null;
}

export function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
}

function writeFile(file: string, data: Buffer, durable: boolean): void {
  const fd = fs.openSync(file, "w", 0o640);
  try {
    writeAll(fd, data);
    if (durable) fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
