// Verification of an audit directory, with no writer needed (recoveryctl, or a copied directory).
// It walks every file oldest to newest and stops at the first entry that is not what an honest
// writer would have produced: damaged or edited line, seq gap or reorder, broken prev link, a file
// that does not start with its header, or an oldest entry that does not match the anchor.
//
// What it cannot see, by construction (no secret key and no witness off the box): entries removed
// from the END of the newest file, or a whole log rewritten with recomputed hashes. The open
// AuditLog covers the first case for the entries it wrote itself (see log.ts); shipping `head` off
// the box (e.g. in a support bundle) is what would cover the second.
import { createHash } from "node:crypto";
import fs from "node:fs";
import { TAIL_CUT_EVENT, tailCutProblem } from "./anchor.js";
import { type AuditEntry, parseEntryLine, ZERO_HASH } from "./entry.js";
import { type AuditFile, listAuditFiles, splitLines } from "./files.js";
import { type Anchor, HEADER_EVENT, readHeader, type SeqHash, TORN_EVENT } from "./header.js";
import { isTornRemnant } from "./torn.js";

export interface AuditProblem {
  /** Seq of the bad entry when it can be read, else null. */
  seq: number | null;
  file: string;
  /** 1-based line within `file`. */
  line: number;
  problem: string;
}

export interface AuditVerifyResult {
  ok: boolean;
  /** Entries verified (up to the first bad one). */
  entries: number;
  firstBad?: AuditProblem;
  /** The last verified entry: worth keeping off the box to detect a later rewrite. */
  head?: SeqHash;
  /**
   * A partial last line left by a power cut while an entry was written: not tampering (that entry
   * never completed), reported for information. The writer vouches for it when it next opens.
   */
  tornTail?: { file: string; line: number; bytes: number };
}

export function sha256Hex(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

export function verifyAuditDir(dir: string): AuditVerifyResult {
  const run = walkSnapshot(snapshot(dir));
  for (;;) {
    const step = run.next();
    if (step.done) return step.value;
  }
}

/**
 * The same check without holding the event loop: all files are read in one go (a consistent
 * snapshot even if the writer rotates meanwhile; at most keepFiles * maxFileBytes of memory), then
 * hashed and parsed in slices with a yield between them, so button timing and other API calls go
 * on while a full log (about 1/3 s per 8 MiB on a desktop core) is checked.
 */
export async function verifyAuditDirAsync(dir: string): Promise<AuditVerifyResult> {
  const run = walkSnapshot(snapshot(dir));
  for (;;) {
    const step = run.next();
    if (step.done) return step.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

interface Snapshot {
  files: Array<{ file: AuditFile; data: Buffer }>;
}

function snapshot(dir: string): Snapshot {
  if (!fs.statSync(dir).isDirectory()) throw new Error(`${dir} is not a directory`);
  return { files: listAuditFiles(dir).map((file) => ({ file, data: fs.readFileSync(file.path) })) };
}

/** Lines checked between two yields of the async variant. */
const SLICE_LINES = 500;

function* walkSnapshot(snap: Snapshot): Generator<void, AuditVerifyResult> {
  const walk = new ChainWalk(newestAnchor(snap));
  for (const [i, { file, data }] of snap.files.entries()) {
    if (i > 0) yield;
    const bad = yield* walk.file(file, data, i === snap.files.length - 1);
    if (bad) return walk.result(bad);
  }
  return walk.result();
}

/** The anchor of the newest header. A newest file with no complete line (a torn audit.next.log) is skipped. */
function newestAnchor(snap: Snapshot): Anchor | null {
  for (let i = snap.files.length - 1; i >= 0; i--) {
    const { data } = snap.files[i] as Snapshot["files"][number];
    const nl = data.indexOf(0x0a);
    if (nl < 0 && i === snap.files.length - 1) continue;
    if (nl < 0) return null;
    const parsed = parseEntryLine(data.subarray(0, nl));
    if (!parsed.ok) return null; // the walk reports this line
    const h = readHeader(parsed.entry);
    return typeof h === "string" ? null : h.retainedFrom;
  }
  return null;
}

class ChainWalk {
  private expectedSeq: number | null = null;
  private lastHash = ZERO_HASH;
  private entries = 0;
  private head: SeqHash | undefined;
  private lastAnchor: Anchor | null = null;
  private tornTail: AuditVerifyResult["tornTail"];

  constructor(private readonly anchor: Anchor | null) {}

  *file(file: AuditFile, data: Buffer, newest: boolean): Generator<void, AuditProblem | null> {
    const { lines, remnant } = splitLines(data);
    let vouched: Buffer | null = null;
    for (let i = 0; i < lines.length; i++) {
      if (i > 0 && i % SLICE_LINES === 0) yield;
      const line = lines[i] as Buffer;
      const parsed = parseEntryLine(line);
      if (!parsed.ok) {
        const next = lines[i + 1];
        // Never the first line: every file starts with its header, written whole before the rename.
        if (i > 0 && vouched === null && next !== undefined && this.vouchedFor(line, next)) {
          vouched = line;
          continue;
        }
        return { seq: parsed.seq, file: file.name, line: i + 1, problem: parsed.problem };
      }
      const problem = this.entry(parsed.entry, i === 0, vouched);
      if (problem) return { seq: parsed.entry.seq, file: file.name, line: i + 1, problem };
      vouched = null;
    }
    if (remnant.length === 0) return null;
    const lineNo = lines.length + 1;
    if (!newest)
      return { seq: null, file: file.name, line: lineNo, problem: "file does not end with a newline" };
    const seq = this.expectedSeq ?? this.anchor?.seq ?? 1;
    const prev = this.expectedSeq === null ? (this.anchor?.prev ?? ZERO_HASH) : this.lastHash;
    if (isTornRemnant(remnant, seq, prev)) {
      this.tornTail = { file: file.name, line: lineNo, bytes: remnant.length };
      return null;
    }
    // A complete entry that only lost its newline is still that entry.
    const parsed = parseEntryLine(remnant);
    if (!parsed.ok)
      return { seq: parsed.seq, file: file.name, line: lineNo, problem: "junk after the last entry" };
    const problem = this.entry(parsed.entry, lines.length === 0, null);
    return problem ? { seq: parsed.entry.seq, file: file.name, line: lineNo, problem } : null;
  }

  /** Chain checks for one well-formed entry. */
  private entry(e: AuditEntry, firstInFile: boolean, vouched: Buffer | null): string | null {
    if (this.expectedSeq === null) {
      if (this.anchor && e.seq > this.anchor.seq) {
        return `oldest entry is seq ${e.seq} but the anchor says the log keeps seq ${this.anchor.seq}: older entries were removed`;
      }
    } else {
      if (e.seq !== this.expectedSeq) {
        return `expected seq ${this.expectedSeq}: entries missing or out of order`;
      }
      if (e.prev !== this.lastHash) return "prev does not match the hash of the entry before";
    }
    if (firstInFile) {
      const h = readHeader(e);
      if (typeof h === "string") return h;
      if (this.lastAnchor && h.retainedFrom.seq < this.lastAnchor.seq) return "header anchor moved backwards";
      this.lastAnchor = h.retainedFrom;
    } else if (e.event === HEADER_EVENT) {
      return "header entry in the middle of a file";
    }
    if (this.anchor && e.seq === this.anchor.seq && e.prev !== this.anchor.prev) {
      return "entry does not match the anchor";
    }
    if (e.event === TORN_EVENT && vouched === null) return "vouches for a torn line that is not there";
    if (e.event === TAIL_CUT_EVENT) return tailCutProblem(e.fields);
    this.expectedSeq = e.seq + 1;
    this.lastHash = e.hash;
    this.entries++;
    this.head = { seq: e.seq, hash: e.hash };
    return null;
  }

  /** A damaged line is a repaired torn tail when the next entry vouches for exactly its bytes. */
  private vouchedFor(line: Buffer, next: Buffer): boolean {
    if (this.expectedSeq === null || !isTornRemnant(line, this.expectedSeq, this.lastHash)) return false;
    const parsed = parseEntryLine(next);
    if (!parsed.ok) return false;
    const e = parsed.entry;
    return (
      e.event === TORN_EVENT &&
      e.seq === this.expectedSeq &&
      e.fields.sha256 === sha256Hex(line) &&
      e.fields.bytes === line.length
    );
  }

  result(firstBad?: AuditProblem): AuditVerifyResult {
    const r: AuditVerifyResult = { ok: firstBad === undefined, entries: this.entries };
    if (firstBad) r.firstBad = firstBad;
    if (this.head) r.head = this.head;
    if (this.tornTail && !firstBad) r.tornTail = this.tornTail;
    return r;
  }
}
