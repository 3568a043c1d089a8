// The daemon's audit sink (SPEC 7, issue 12): two hash-chained logs, noise merging in front of
// each, and the chain heads anchored in the credential store and the journal.
//
//   <stateDir>/audit/           general: boots, presses, refused logins, everything else
//   <stateDir>/audit/security/  security events only (classes.ts), with their own rotation
import path from "node:path";
import type { Clock } from "../clock.js";
import type { Logger } from "../log.js";
import { currentSource } from "../request-context.js";
import type { AuditSink } from "../services.js";
import { type AnchorStore, checkAgainstAnchor } from "./anchor.js";
import { type AuditLog, type AuditSyncMode, openAuditLog } from "./audit-log.js";
import { classify, type LogName } from "./classes.js";
import type { AuditEntry } from "./entry.js";
import { checkEventName, prepareFields } from "./fields.js";
import type { SeqHash } from "./header.js";
import { NoiseGate, type NoiseRule } from "./noise.js";
import type { AuditProblem, AuditVerifyResult } from "./verify.js";

export const LOG_NAMES: readonly LogName[] = ["general", "security"];
/** The general log's head goes to the journal at most this often (the security log's every time). */
const JOURNAL_HEAD_EVERY_MS = 60_000;

export interface AuditTrailOptions {
  dir: string;
  general: { maxFileBytes: number; keepFiles: number; noise: NoiseRule };
  security: { maxFileBytes: number; keepFiles: number; noise: NoiseRule };
  clock: Clock;
  sync?: AuditSyncMode;
  onError?: (err: Error) => void;
  /** The journal: chain heads are logged here too. */
  log?: Logger;
}

export type TrailEntry = AuditEntry & { log: LogName };

export interface TrailVerifyResult {
  ok: boolean;
  entries: number;
  /** The first problem, security log first. */
  firstBad?: AuditProblem & { log: LogName };
  problems: (AuditProblem & { log: LogName })[];
  logs: Record<LogName, AuditVerifyResult>;
}

export function openAuditTrail(opts: AuditTrailOptions): AuditTrail {
  return new AuditTrail(opts);
}

export class AuditTrail implements AuditSink {
  readonly logs: Record<LogName, AuditLog>;
  private readonly gates: Record<LogName, NoiseGate>;
  private anchors: AnchorStore | null = null;
  private lastJournal = Number.NEGATIVE_INFINITY;
  /** The head each anchor holds now: an unchanged head is not written (and synced) again. */
  private readonly savedAnchor = new Map<LogName, SeqHash>();

  constructor(private readonly opts: AuditTrailOptions) {
    const open = (dir: string, o: { maxFileBytes: number; keepFiles: number }) =>
      openAuditLog(dir, {
        maxFileBytes: o.maxFileBytes,
        keepFiles: o.keepFiles,
        clock: opts.clock,
        ...(opts.sync ? { sync: opts.sync } : {}),
        ...(opts.onError ? { onError: opts.onError } : {}),
      });
    this.logs = {
      general: open(opts.dir, opts.general),
      security: open(path.join(opts.dir, "security"), opts.security),
    };
    const gate = (name: LogName, rule: NoiseRule) =>
      new NoiseGate({
        rule,
        monotonic: () => opts.clock.monotonic(),
        now: () => opts.clock.now(),
        write: (event, fields) => this.logs[name].record(event, fields),
        schedule: (ms, fn) => {
          const t = setTimeout(fn, ms);
          t.unref();
          return () => clearTimeout(t);
        },
      });
    this.gates = {
      general: gate("general", opts.general.noise),
      security: gate("security", opts.security.noise),
    };
  }

  record(event: string, fields?: Record<string, unknown>): void {
    checkEventName(event);
    const safe = prepareFields(fields);
    const { log, noise } = classify(event, safe);
    if (noise) this.gates[log].offer(noise, event, safe, currentSource());
    else this.logs[log].record(event, safe);
  }

  /**
   * Anchors both chains in `store` from now on, after comparing each log with its stored anchor
   * (a cut or rewritten tail is recorded in that log, see anchor.ts).
   */
  attachAnchor(store: AnchorStore): Record<LogName, "ok" | "cut" | "rewritten"> {
    this.anchors = store;
    this.savedAnchor.clear();
    const found = {} as Record<LogName, "ok" | "cut" | "rewritten">;
    for (const name of LOG_NAMES) {
      const log = this.logs[name];
      const stored = store.load(name);
      found[name] = checkAgainstAnchor(log, stored);
      if (stored) this.savedAnchor.set(name, stored);
      if (found[name] !== "ok") {
        this.opts.log?.error(
          { event: "audit-tail-cut", log: name, found: found[name] },
          "audit log tail was cut or rewritten",
        );
      }
      log.onDurable = (head) => this.anchored(name, head);
      this.anchored(name, log.head());
    }
    return found;
  }

  private anchored(name: LogName, head: SeqHash): void {
    const saved = this.savedAnchor.get(name);
    // At start the security log usually has nothing new: skipping its rewrite saves a synced
    // commit before READY (issue 14).
    if (this.anchors && (saved?.seq !== head.seq || saved.hash !== head.hash)) {
      this.anchors.save(name, head);
      this.savedAnchor.set(name, { seq: head.seq, hash: head.hash });
    }
    const now = this.opts.clock.monotonic();
    if (name === "security" || now - this.lastJournal >= JOURNAL_HEAD_EVERY_MS) {
      if (name === "general") this.lastJournal = now;
      this.opts.log?.info({ auditHead: { log: name, seq: head.seq, sha256: head.hash } }, "audit head");
    }
  }

  /** Newest `limit` entries, oldest first; from one log or both interleaved by time. */
  read(o: { limit?: number; sinceSeq?: number | undefined; log?: LogName | "all" }): TrailEntry[] {
    const which = o.log ?? "all";
    const names = which === "all" ? LOG_NAMES : [which];
    const limit = o.limit ?? 100;
    const all: TrailEntry[] = [];
    for (const name of names) {
      const entries = this.logs[name].read({
        limit,
        ...(o.sinceSeq !== undefined ? { sinceSeq: o.sinceSeq } : {}),
      });
      for (const e of entries) all.push({ ...e, log: name });
    }
    if (names.length === 1) return all;
    // ISO-8601 UTC strings of one format sort as times; within one log, seq breaks ties.
    all.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.log === b.log ? a.seq - b.seq : 0));
    return all.slice(-limit);
  }

  async verifyAsync(): Promise<TrailVerifyResult> {
    const logs = {} as Record<LogName, AuditVerifyResult>;
    const problems: TrailVerifyResult["problems"] = [];
    let entries = 0;
    for (const name of ["security", "general"] as const) {
      const r = await this.logs[name].verifyAsync();
      logs[name] = r;
      entries += r.entries;
      if (r.firstBad) problems.push({ ...r.firstBad, log: name });
    }
    const result: TrailVerifyResult = { ok: problems.length === 0, entries, problems, logs };
    if (problems[0]) result.firstBad = problems[0];
    return result;
  }

  /** Writes the counted noise of the current windows (shutdown; tests). */
  flushNoise(): void {
    for (const name of LOG_NAMES) this.gates[name].flush();
  }

  /** Every entry so far on the flash and anchored: call before the anchor's store closes. */
  settle(): void {
    this.flushNoise();
    for (const name of LOG_NAMES) this.logs[name].settleSync();
  }

  close(): void {
    this.flushNoise();
    for (const name of LOG_NAMES) this.logs[name].close();
  }
}
