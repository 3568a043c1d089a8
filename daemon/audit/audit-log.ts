// The writer: one process appends to <stateDir>/audit (systemd runs one recoveryd; two writers on
// one directory are not supported). Nothing happens at import; openAuditLog() does the work.
//
// Durability: every entry is written with one synchronous write() before record() returns, so a
// crash of the process (kill -9, OOM, watchdog) loses nothing that record() accepted. Against a
// power cut the data must reach the flash: `sync` chooses how.
//   "batched" (default): fdatasync runs on the libuv pool right after the write, coalescing bursts
//                        (one sync in flight, one queued); the event loop never waits for the flash,
//                        so button timing is unaffected, and an entry is durable within one flash
//                        sync time (ms) of being recorded.
//   "every":             fdatasync before record() returns; blocks the loop for a flash sync per entry.
//   "none":              no fsync at all, not even at rotation or close: the kernel writes back within
//                        seconds. For benchmarks and tests, not for the board.
// A power cut mid-write can leave a partial last line: a "torn tail" (see torn.ts). It is not an
// entry and not tampering; verify reports it as `tornTail`, and the next open appends a newline and
// an `audit-torn-tail` entry that vouches for exactly those bytes (length, SHA-256), so the file
// stays append-only (nothing is cut away) and any later change to those bytes is still detected.
import fs from "node:fs";
import path from "node:path";
import type { Clock } from "../clock.js";
import type { AuditSink } from "../services.js";
import { TAIL_CUT_EVENT } from "./anchor.js";
import { type AuditEntry, parseEntryLine, sealEntry, serializeEntry, ZERO_HASH } from "./entry.js";
import { checkEventName, prepareFields } from "./fields.js";
import { CURRENT, fileName, listAuditFiles, splitLines } from "./files.js";
import { HEADER_EVENT, headerFields, RESERVED_PREFIX, type SeqHash, TORN_EVENT } from "./header.js";
import { type AuditReadOptions, readAuditDir } from "./read.js";
import { planRotation, recoverRotation, rotate, writeAll } from "./rotate.js";
import { isTornRemnant } from "./torn.js";
import { type AuditVerifyResult, sha256Hex, verifyAuditDir, verifyAuditDirAsync } from "./verify.js";

export type AuditSyncMode = "batched" | "every" | "none";

export interface AuditLogOptions {
  /** Rotate before a write would make audit.log larger than this. */
  maxFileBytes: number;
  /**
   * Files kept, audit.log included. Disk use stays within keepFiles * maxFileBytes, +1 file
   * (audit.next.log) while a rotation runs or after a crash interrupted one, until the next open.
   */
  keepFiles: number;
  clock: Clock;
  sync?: AuditSyncMode;
  /**
   * Called when an entry cannot be written or synced (disk full, I/O error); record() then returns
   * normally so that a reset never fails for want of an audit line. Without it, record() throws.
   */
  onError?: (err: Error) => void;
}

export const MIN_FILE_BYTES = 1024;

export function openAuditLog(dir: string, opts: AuditLogOptions): AuditLog {
  if (!Number.isInteger(opts.maxFileBytes) || opts.maxFileBytes < MIN_FILE_BYTES) {
    throw new RangeError(`audit maxFileBytes must be an integer >= ${MIN_FILE_BYTES}`);
  }
  if (!Number.isInteger(opts.keepFiles) || opts.keepFiles < 1) {
    throw new RangeError("audit keepFiles must be an integer >= 1");
  }
  const log = new AuditLog(dir, opts);
  log.open();
  return log;
}

export class AuditLog implements AuditSink {
  private fd: number | null = null;
  /** Bumped whenever fd is closed, so a late async sync result for an old fd is ignored. */
  private fdGeneration = 0;
  private size = 0;
  private linesInFile = 0;
  private last: SeqHash = { seq: 0, hash: ZERO_HASH };
  private closed = false;
  /** A write or rotation failed half-way: re-read the directory before the next write. */
  private broken = false;
  private syncing = false;
  private syncQueued = false;
  private deferredError: Error | null = null;
  private readonly sync: AuditSyncMode;
  /** Told the head each time everything up to it is on the flash (the anchor, see anchor.ts). */
  onDurable: ((head: SeqHash) => void) | null = null;

  /** Use openAuditLog(). */
  constructor(
    readonly dir: string,
    private readonly opts: AuditLogOptions,
  ) {
    this.sync = opts.sync ?? "batched";
  }

  /** @internal */
  open(): void {
    try {
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o750 });
      this.resume();
    } catch (err) {
      // A read-only or full disk must not stop the daemon: each record retries, errors are reported.
      if (!this.opts.onError) throw err;
      this.broken = true;
      this.fail(err as Error);
    }
  }

  record(event: string, fields?: Record<string, unknown>): void {
    if (this.closed) throw new Error("audit log is closed");
    checkEventName(event);
    if (event.startsWith(RESERVED_PREFIX)) throw new TypeError(`audit event "${event}" is reserved`);
    const safe = prepareFields(fields);
    if (this.deferredError) {
      const err = this.deferredError;
      this.deferredError = null;
      throw err;
    }
    try {
      if (this.broken) this.resume();
      let sealed = this.seal(event, safe);
      if (this.size + sealed.bytes.length > this.opts.maxFileBytes && this.linesInFile > 1) {
        this.rotateNow();
        sealed = this.seal(event, safe); // new seq and prev, after the header
      }
      this.append(sealed);
    } catch (err) {
      this.broken = true;
      this.fail(err as Error);
    }
  }

  /** The log's own record of a cut or rewritten tail found against the anchor (anchor.ts). */
  recordTailCut(fields: Record<string, unknown>): void {
    if (this.closed) throw new Error("audit log is closed");
    try {
      if (this.broken) this.resume();
      this.append(this.seal(TAIL_CUT_EVENT, prepareFields(fields)));
    } catch (err) {
      this.broken = true;
      this.fail(err as Error);
    }
  }

  /** Entries oldest first (newest last); see AuditReadOptions. */
  read(opts: AuditReadOptions = {}): AuditEntry[] {
    return readAuditDir(this.dir, opts);
  }

  /**
   * verifyAuditDir() plus what only the writer knows: the newest entry on disk must be the last one
   * it wrote, which catches entries cut from the end of the log while the daemon runs.
   */
  verify(): AuditVerifyResult {
    return this.checkHead(verifyAuditDir(this.dir), this.head());
  }

  /** verify() without blocking the event loop for the whole walk (for the API); see verifyAuditDirAsync. */
  async verifyAsync(): Promise<AuditVerifyResult> {
    const head = this.head(); // the files are read right away, at this head
    return this.checkHead(await verifyAuditDirAsync(this.dir), head);
  }

  private checkHead(r: AuditVerifyResult, last: SeqHash): AuditVerifyResult {
    if (!r.ok || this.broken || (r.head?.seq === last.seq && r.head.hash === last.hash)) return r;
    const current = path.join(this.dir, CURRENT);
    const lines = fs.existsSync(current) ? splitLines(fs.readFileSync(current)).lines.length : 0;
    return {
      ok: false,
      entries: r.entries,
      ...(r.head ? { head: r.head } : {}),
      firstBad: {
        seq: (r.head?.seq ?? 0) + 1,
        file: CURRENT,
        line: lines + 1,
        problem: `the log ends at seq ${r.head?.seq ?? 0} but this process wrote up to seq ${last.seq}: entries were removed from the end`,
      },
    };
  }

  /** Seq and hash of the last entry written. */
  head(): SeqHash {
    return { ...this.last };
  }

  /** Resolves once everything recorded so far is on the flash (whatever the sync mode). */
  flush(): Promise<void> {
    const fd = this.fd;
    if (fd === null || this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
  }

  /**
   * Syncs now and tells onDurable, so the anchor holds the last entry before the store that keeps
   * it closes (a batched sync still in flight at shutdown would otherwise land after it).
   */
  settleSync(): void {
    if (this.fd === null || this.closed) return;
    fs.fdatasyncSync(this.fd);
    this.durable(this.last);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeFd();
  }

  private seal(event: string, fields: Record<string, unknown>): { entry: AuditEntry; bytes: Buffer } {
    const entry = sealEntry({
      seq: this.last.seq + 1,
      prev: this.last.hash,
      at: new Date(this.opts.clock.now()).toISOString(),
      event,
      fields,
    });
    return { entry, bytes: Buffer.from(`${serializeEntry(entry)}\n`, "utf8") };
  }

  private append({ entry, bytes }: { entry: AuditEntry; bytes: Buffer }): void {
    if (this.fd === null) throw new Error("audit log has no open file");
    const before = this.size;
    try {
      writeAll(this.fd, bytes);
    } catch (err) {
      // Leave no partial line behind a failed write (disk full): the next entry starts clean.
      try {
        fs.ftruncateSync(this.fd, before);
      } catch {
        // The next resume() sees the partial line as a torn tail and vouches for it.
      }
      throw err;
    }
    this.size += bytes.length;
    this.linesInFile++;
    this.last = { seq: entry.seq, hash: entry.hash };
    if (this.sync === "every") {
      fs.fdatasyncSync(this.fd);
      this.durable(this.last);
    } else if (this.sync === "batched") this.scheduleSync();
    else this.durable(this.last);
  }

  private scheduleSync(): void {
    if (this.syncing) {
      this.syncQueued = true;
      return;
    }
    const fd = this.fd;
    if (fd === null) return;
    const generation = this.fdGeneration;
    const head = { ...this.last };
    this.syncing = true;
    fs.fdatasync(fd, (err) => {
      this.syncing = false;
      // A rotation or close synced and closed that fd already; its late result means nothing.
      if (err && generation === this.fdGeneration) this.asyncFail(err);
      else if (!err) this.durable(head);
      if (this.syncQueued && !this.closed) {
        this.syncQueued = false;
        this.scheduleSync();
      }
    });
  }

  /** Finish an interrupted rotation, find the chain's end, repair a torn tail, open audit.log. */
  private resume(): void {
    this.broken = false; // record() sets it again if this throws
    this.closeFd();
    recoverRotation(this.dir);
    const files = listAuditFiles(this.dir).filter((f) => f.index >= 0);
    const current = files.find((f) => f.index === 0);
    this.last = lastEntryIn(files.map((f) => f.path).reverse()) ?? { seq: 0, hash: ZERO_HASH };
    if (!current) {
      this.rotateNow();
      return;
    }
    const data = fs.readFileSync(current.path);
    if (data.length === 0) {
      fs.rmSync(current.path); // created but never written: nothing to keep
      this.rotateNow();
      return;
    }
    const { lines, remnant } = splitLines(data);
    this.fd = fs.openSync(current.path, "a", 0o640);
    this.size = data.length;
    this.linesInFile = lines.length;
    if (remnant.length > 0) this.repairTail(remnant);
  }

  private repairTail(remnant: Buffer): void {
    const parsed = parseEntryLine(remnant);
    const chains =
      parsed.ok && parsed.entry.seq === this.last.seq + 1 && parsed.entry.prev === this.last.hash;
    const torn = !chains && isTornRemnant(remnant, this.last.seq + 1, this.last.hash);
    this.appendRaw(Buffer.from("\n"));
    this.linesInFile++;
    if (chains && parsed.ok) {
      this.last = { seq: parsed.entry.seq, hash: parsed.entry.hash }; // only its newline was lost
    } else if (torn) {
      this.append(
        this.seal(TORN_EVENT, { line: this.linesInFile, bytes: remnant.length, sha256: sha256Hex(remnant) }),
      );
    }
    // Otherwise junk that is not a torn entry: left as it is, for verify() to report.
  }

  private appendRaw(buf: Buffer): void {
    if (this.fd === null) throw new Error("audit log has no open file");
    writeAll(this.fd, buf);
    this.size += buf.length;
  }

  private rotateNow(): void {
    this.closeFd();
    const { plan, anchor } = planRotation(this.dir, this.opts.keepFiles);
    const seq = this.last.seq + 1;
    const header = sealEntry({
      seq,
      prev: this.last.hash,
      at: new Date(this.opts.clock.now()).toISOString(),
      event: HEADER_EVENT,
      // No older file survives (first file, or keepFiles 1): the header itself is the oldest entry.
      fields: {
        ...headerFields(this.last.seq === 0 ? null : this.last, anchor ?? { seq, prev: this.last.hash }),
      },
    });
    rotate(this.dir, plan, header, this.sync !== "none");
    const current = path.join(this.dir, fileName(0));
    this.fd = fs.openSync(current, "a", 0o640);
    this.size = fs.fstatSync(this.fd).size;
    this.linesInFile = 1;
    this.last = { seq: header.seq, hash: header.hash };
    this.durable(this.last);
  }

  private durable(head: SeqHash): void {
    if (!this.onDurable) return;
    try {
      this.onDurable({ ...head });
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private closeFd(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    this.fdGeneration++;
    try {
      if (this.sync !== "none") fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  private fail(err: Error): void {
    if (this.opts.onError) this.opts.onError(err);
    else throw err;
  }

  private asyncFail(err: Error): void {
    if (this.opts.onError) this.opts.onError(err);
    else this.deferredError = err;
  }
}

/** Seq and hash of the newest readable entry, searching files newest first. */
function lastEntryIn(newestFirst: string[]): SeqHash | null {
  for (const file of newestFirst) {
    const { lines } = splitLines(fs.readFileSync(file));
    for (let i = lines.length - 1; i >= 0; i--) {
      const p = parseEntryLine(lines[i] as Buffer);
      if (p.ok) return { seq: p.entry.seq, hash: p.entry.hash };
    }
  }
  return null;
}
