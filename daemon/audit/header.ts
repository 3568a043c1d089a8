// The log's own entries. Every file starts with a header entry, chained like any other: its `prev`
// and `fields.previous` hold the previous file's last seq and hash, and `fields.retainedFrom` is the
// anchor: the seq and prev of the oldest entry that is still kept after this rotation. Because the
// anchor sits inside a hashed, chained entry it cannot be edited without breaking the chain, and it
// lets the verifier tell "older files were rotated away" (oldest kept entry = anchor) from "a file
// or the start of one was deleted" (oldest kept entry is newer than the anchor).
import type { AuditEntry } from "./entry.js";

export const HEADER_EVENT = "audit-header";
/** Written after a torn tail, vouching for exactly those bytes (sha256, length). */
export const TORN_EVENT = "audit-torn-tail";
/** Events starting with this are the log's own; record() refuses them from callers. */
export const RESERVED_PREFIX = "audit-";

export interface SeqHash {
  seq: number;
  hash: string;
}

export interface Anchor {
  seq: number;
  prev: string;
}

export interface HeaderFields {
  reason: "created" | "rotated";
  previous: { lastSeq: number; lastHash: string } | null;
  retainedFrom: Anchor;
}

export function headerFields(previous: SeqHash | null, retainedFrom: Anchor): HeaderFields {
  return {
    reason: previous === null ? "created" : "rotated",
    previous: previous === null ? null : { lastSeq: previous.seq, lastHash: previous.hash },
    retainedFrom: { seq: retainedFrom.seq, prev: retainedFrom.prev },
  };
}

/** The header fields of `e`, or a reason why `e` is not a well-formed header. */
export function readHeader(e: AuditEntry): HeaderFields | string {
  if (e.event !== HEADER_EVENT) return "file does not start with a header entry";
  const f = e.fields as Partial<Record<keyof HeaderFields, unknown>>;
  const r = f.retainedFrom as Partial<Anchor> | undefined;
  if (typeof r?.seq !== "number" || typeof r.prev !== "string") return "header without anchor";
  if (r.seq > e.seq) return "header anchor lies after the header";
  const p = f.previous as { lastSeq?: unknown; lastHash?: unknown } | null | undefined;
  if (p === null) {
    if (f.reason !== "created") return "header without previous file";
  } else if (p === undefined || p.lastSeq !== e.seq - 1 || p.lastHash !== e.prev) {
    return "header does not match the previous file's last entry";
  }
  return {
    reason: f.reason === "created" ? "created" : "rotated",
    previous: p === null ? null : { lastSeq: e.seq - 1, lastHash: e.prev },
    retainedFrom: { seq: r.seq, prev: r.prev },
  };
}
