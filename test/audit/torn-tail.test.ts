// A power cut while an entry is written can leave part of it at the end of audit.log. That is not
// tampering: verify() reports it as `tornTail` and stays ok; the next open appends a newline and
// an `audit-torn-tail` entry vouching for exactly those bytes (the file is never cut), and from
// then on any change to them is detected like any other edit.
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { verifyAuditDir } from "../../daemon/audit/index.js";
import { filePath, open as openAt, readLines, recordMix, tempDir, writeLines } from "./helpers.js";

/** One big file, so that every line stays in audit.log. */
const open: typeof openAt = (dir, opts = {}) => openAt(dir, { maxFileBytes: 1 << 20, ...opts });

/** A log whose last entry was only partly written: `keep` bytes of it, then `zeros` NUL bytes. */
function tornLog(keep: number, zeros = 0): { dir: string; lostSeq: number } {
  const dir = tempDir();
  const { log, clock } = open(dir);
  recordMix(log, clock, 12);
  log.record("reset", { reason: "button", generation: 4 });
  const lostSeq = log.head().seq;
  log.close();
  const p = filePath(dir, "audit.log");
  const data = fs.readFileSync(p);
  const lastStart = data.lastIndexOf(0x0a, data.length - 2) + 1;
  fs.writeFileSync(p, Buffer.concat([data.subarray(0, lastStart + keep), Buffer.alloc(zeros)]));
  return { dir, lostSeq };
}

describe("torn tail", () => {
  for (const [keep, zeros] of [
    [1, 0],
    [30, 0],
    [150, 0],
    [40, 200],
    [0, 4096],
  ] as const) {
    it(`is reported, not treated as tampering (${keep} bytes kept, ${zeros} zero bytes)`, () => {
      const { dir, lostSeq } = tornLog(keep, zeros);
      const lines = readLines(dir, "audit.log");
      const r = verifyAuditDir(dir);
      expect(r).toMatchObject({
        ok: true,
        head: { seq: lostSeq - 1 },
        tornTail: { file: "audit.log", line: lines.length + 1, bytes: keep + zeros },
      });

      const { log, clock } = open(dir);
      // The lost entry's seq is reused: it never became part of the chain.
      expect(log.read({ limit: 1 })[0]).toMatchObject({
        seq: lostSeq,
        event: "audit-torn-tail",
        fields: { bytes: keep + zeros, line: lines.length + 1 },
      });
      recordMix(log, clock, 5);
      expect(log.verify()).toEqual(expect.objectContaining({ ok: true }));
      expect(log.verify().tornTail).toBeUndefined();
      log.close();
      // Nothing was cut away: the torn bytes are still there, vouched for.
      expect(readLines(dir, "audit.log")).toHaveLength(lines.length + 1 + 1 + 5);
    });
  }

  it("keeps a complete last entry that only lost its newline", () => {
    const dir = tempDir();
    let { log, clock } = open(dir);
    recordMix(log, clock, 8);
    const head = log.head();
    log.close();
    const p = filePath(dir, "audit.log");
    fs.truncateSync(p, fs.statSync(p).size - 1);
    expect(verifyAuditDir(dir)).toMatchObject({ ok: true, head });
    expect(verifyAuditDir(dir).tornTail).toBeUndefined();
    ({ log, clock } = open(dir, { clock }));
    log.record("boot");
    expect(log.read({ limit: 2 })).toMatchObject([head, { event: "boot", prev: head.hash }]);
    expect(log.verify().ok).toBe(true);
    log.close();
  });

  it("treats bytes that are not the start of the next entry as tampering, and never vouches for them", () => {
    const dir = tempDir();
    let { log, clock } = open(dir);
    recordMix(log, clock, 8);
    log.close();
    const lines = readLines(dir, "audit.log");
    fs.appendFileSync(filePath(dir, "audit.log"), '{"seq":1,"forged":');
    const bad = { file: "audit.log", line: lines.length + 1 };
    expect(verifyAuditDir(dir)).toMatchObject({ ok: false, firstBad: bad });
    ({ log, clock } = open(dir, { clock }));
    log.record("boot");
    expect(log.verify()).toMatchObject({ ok: false, firstBad: bad });
    log.close();
  });

  it("treats a changed final newline as tampering", () => {
    const dir = tempDir();
    const { log, clock } = open(dir);
    recordMix(log, clock, 8);
    log.close();
    const p = filePath(dir, "audit.log");
    const data = fs.readFileSync(p);
    for (const b of [0x78, 0x20, 0x00, 0x7d]) {
      data[data.length - 1] = b;
      fs.writeFileSync(p, data);
      expect(verifyAuditDir(dir).ok, `newline -> ${b}`).toBe(false);
    }
  });

  it("detects a change to, or the removal of, a vouched torn line", () => {
    const { dir } = tornLog(60);
    const { log, clock } = open(dir);
    recordMix(log, clock, 3);
    log.close();
    const lines = readLines(dir, "audit.log");
    const tornAt = lines.findIndex((l) => !l.endsWith("}"));
    expect(tornAt).toBeGreaterThan(0);

    const edited = [...lines];
    edited[tornAt] = (edited[tornAt] as string).replace(/.$/, (c) => (c === "a" ? "b" : "a"));
    writeLines(dir, "audit.log", edited);
    expect(verifyAuditDir(dir)).toMatchObject({
      ok: false,
      firstBad: { file: "audit.log", line: tornAt + 1 },
    });

    const removed = lines.filter((_, i) => i !== tornAt);
    writeLines(dir, "audit.log", removed);
    expect(verifyAuditDir(dir)).toMatchObject({
      ok: false,
      firstBad: { file: "audit.log", line: tornAt + 1, problem: expect.stringMatching(/torn/) },
    });
  });

  it("is tampering in a rotated file (only the newest file can be torn)", () => {
    const dir = tempDir();
    const { log, clock } = open(dir, { maxFileBytes: 1024 });
    recordMix(log, clock, 20);
    log.close();
    const p = filePath(dir, "audit.1.log");
    fs.truncateSync(p, fs.statSync(p).size - 20);
    expect(verifyAuditDir(dir)).toMatchObject({ ok: false, firstBad: { file: "audit.1.log" } });
  });
});
