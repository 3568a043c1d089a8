// The chain head kept outside the log (issue 12). A hash chain proves that nothing in the middle
// was changed, but entries cut from the END leave a shorter chain that is just as valid. So after
// each durable write the head (seq, hash) is stored in the credential store (a different file,
// written by SQLite) and logged to the journal. At start the log is compared with that anchor: a
// log that ends before the anchor lost its tail, and one whose entry at the anchor's seq has
// another hash was rewritten. Either is recorded in the log itself as an `audit-tail-cut` entry,
// which `verify` reports for good: tamper evidence is not something a restart should clear.
import type { AuditLog } from "./audit-log.js";
import type { SeqHash } from "./header.js";

export interface AnchorStore {
  load(log: string): SeqHash | null;
  save(log: string, head: SeqHash): void;
}

/** An AnchorStore over a key-value table that survives credential resets (settings). */
export function settingsAnchorStore(settings: {
  getSetting(key: string): string | undefined;
  setSetting(key: string, value: string): void;
}): AnchorStore {
  return {
    load(log) {
      const raw = settings.getSetting(`audit.anchor.${log}`);
      if (!raw) return null;
      try {
        const v = JSON.parse(raw) as { seq?: unknown; hash?: unknown };
        return typeof v.seq === "number" && typeof v.hash === "string" ? { seq: v.seq, hash: v.hash } : null;
      } catch {
        return null;
      }
    },
    save(log, head) {
      settings.setSetting(`audit.anchor.${log}`, JSON.stringify({ seq: head.seq, hash: head.hash }));
    },
  };
}

/** Compares the log with its stored anchor; records a cut or a rewrite. Returns what was found. */
export function checkAgainstAnchor(log: AuditLog, stored: SeqHash | null): "ok" | "cut" | "rewritten" {
  if (!stored) return "ok";
  const head = log.head();
  if (stored.seq > head.seq) {
    log.recordTailCut({
      kind: "cut",
      from: head.seq + 1,
      to: stored.seq,
      anchorSha256: stored.hash,
      logEndsAt: head.seq,
    });
    return "cut";
  }
  const span = head.seq - stored.seq + 1;
  const at = log.read({ sinceSeq: stored.seq - 1, limit: span })[0];
  if (at && at.seq === stored.seq && at.hash !== stored.hash) {
    log.recordTailCut({
      kind: "rewritten",
      from: stored.seq,
      to: head.seq,
      anchorSha256: stored.hash,
      logEndsAt: head.seq,
    });
    return "rewritten";
  }
  return "ok";
}

export const TAIL_CUT_EVENT = "audit-tail-cut";

/** The verifier's sentence for an `audit-tail-cut` entry. */
export function tailCutProblem(fields: Record<string, unknown>): string {
  const { kind, from, to } = fields;
  if (kind === "rewritten") {
    return `the log was rewritten from seq ${String(from)} on: the anchor in the credential store holds another hash for seq ${String(from)}`;
  }
  return `entries seq ${String(from)} to ${String(to)} were cut from the end of the log while the daemon was not running (the anchor in the credential store says the log had reached seq ${String(to)})`;
}
