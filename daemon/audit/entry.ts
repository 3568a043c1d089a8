// One audit entry and its exact bytes on disk. The line format is canonical (fixed top-level key
// order, sorted keys inside `fields`, JSON.stringify escaping), so the verifier can demand that a
// line is byte-for-byte what the writer would have produced: an edit that keeps the JSON valid and
// the meaning equal (whitespace, an escape, a key order) is still caught, not only value changes.
import { createHash } from "node:crypto";

export interface AuditEntry {
  seq: number;
  /** ISO-8601 UTC. */
  at: string;
  event: string;
  fields: Record<string, unknown>;
  /** `hash` of the entry before this one; ZERO_HASH for the very first entry of a directory. */
  prev: string;
  /** SHA-256 (hex) of the canonical serialization of the entry without `hash`. */
  hash: string;
}

export type AuditEntryBody = Omit<AuditEntry, "hash">;

export const ZERO_HASH = "0".repeat(64);
const HEX64 = /^[0-9a-f]{64}$/;

/** JSON with object keys sorted at every level; the input is plain JSON data. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const parts = Object.keys(obj)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`);
  return `{${parts.join(",")}}`;
}

/** The text that is hashed: the entry without `hash`, top-level keys in a fixed order. */
export function serializeBody(e: AuditEntryBody): string {
  // seq and prev come first so that a torn (partial) last line can be recognised as the start of
  // exactly the entry that was expected next (see torn.ts).
  return (
    `{"seq":${e.seq},"prev":${JSON.stringify(e.prev)},"at":${JSON.stringify(e.at)},` +
    `"event":${JSON.stringify(e.event)},"fields":${canonicalJson(e.fields)}}`
  );
}

export function hashBody(body: string): string {
  return createHash("sha256").update(body, "utf8").digest("hex");
}

export function sealEntry(body: AuditEntryBody): AuditEntry {
  return { ...body, hash: hashBody(serializeBody(body)) };
}

/** The line as written, without the trailing newline. */
export function serializeEntry(e: AuditEntry): string {
  const body = serializeBody(e);
  return `${body.slice(0, -1)},"hash":${JSON.stringify(e.hash)}}`;
}

/** The start every line of entry `seq` must have; used to recognise a torn line. */
export function linePrefix(seq: number, prev: string): string {
  return `{"seq":${seq},"prev":${JSON.stringify(prev)},`;
}

export type ParsedLine = { ok: true; entry: AuditEntry } | { ok: false; problem: string; seq: number | null };

const KEYS = ["seq", "prev", "at", "event", "fields", "hash"];

/** Strictly parse one line (bytes, no newline): shape, canonical bytes and hash. */
export function parseEntryLine(line: Buffer): ParsedLine {
  const text = line.toString("utf8");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, problem: "not valid JSON", seq: sniffSeq(text) };
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return { ok: false, problem: "not a JSON object", seq: null };
  }
  const o = raw as Record<string, unknown>;
  const seq = typeof o.seq === "number" && Number.isSafeInteger(o.seq) && o.seq >= 1 ? o.seq : null;
  const keys = Object.keys(o);
  if (keys.length !== KEYS.length || !KEYS.every((k) => Object.hasOwn(o, k))) {
    return { ok: false, problem: "unexpected or missing keys", seq };
  }
  if (seq === null) return { ok: false, problem: "seq is not a positive integer", seq: sniffSeq(text) };
  if (typeof o.prev !== "string" || !HEX64.test(o.prev)) return { ok: false, problem: "bad prev", seq };
  if (typeof o.hash !== "string" || !HEX64.test(o.hash)) return { ok: false, problem: "bad hash", seq };
  if (typeof o.at !== "string" || typeof o.event !== "string") {
    return { ok: false, problem: "bad at or event", seq };
  }
  const fields = o.fields;
  if (fields === null || typeof fields !== "object" || Array.isArray(fields)) {
    return { ok: false, problem: "fields is not an object", seq };
  }
  const entry: AuditEntry = {
    seq,
    at: o.at,
    event: o.event,
    fields: fields as Record<string, unknown>,
    prev: o.prev,
    hash: o.hash,
  };
  // Byte comparison, not string: a modified byte inside a multi-byte character decodes to U+FFFD
  // and would otherwise re-serialize "equal" to the damaged text.
  if (!Buffer.from(serializeEntry(entry), "utf8").equals(line)) {
    return { ok: false, problem: "not in canonical form (edited)", seq };
  }
  if (hashBody(serializeBody(entry)) !== entry.hash) {
    return { ok: false, problem: "hash does not match the content (edited)", seq };
  }
  return { ok: true, entry };
}

/** Best-effort seq of a damaged line, for the report only. */
function sniffSeq(text: string): number | null {
  const m = /^\{"seq":(\d{1,15})[,}]/.exec(text);
  return m?.[1] === undefined ? null : Number(m[1]);
}
