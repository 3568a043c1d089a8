// Issue 4, must-show 4: editing, deleting or reordering an entry, and truncating or removing a
// rotated file, are each detected, and verification names the first bad entry (seq, file, line).

import { createHash } from "node:crypto";
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { verifyAuditDir, verifyAuditDirAsync } from "../../daemon/audit/index.js";
import { auditFiles, filePath, open, readLines, recordMix, seqOf, tempDir, writeLines } from "./helpers.js";

/** A closed log of `events` entries spread over several files. */
function build(events: number, keepFiles = 8): string {
  const dir = tempDir();
  const { log, clock } = open(dir, { keepFiles, maxFileBytes: 4096 });
  recordMix(log, clock, events);
  log.close();
  expect(verifyAuditDir(dir)).toMatchObject({ ok: true });
  return dir;
}

async function expectBad(
  dir: string,
  at: { seq: number | null; file: string; line: number },
  problem?: RegExp,
) {
  const r = verifyAuditDir(dir);
  expect(r.ok).toBe(false);
  expect(r.firstBad).toMatchObject(at);
  if (problem) expect(r.firstBad?.problem).toMatch(problem);
  expect(await verifyAuditDirAsync(dir)).toEqual(r);
  // The writer's own verify agrees after a restart (opening never "repairs" tampering away).
  const { log } = open(dir, { keepFiles: 8 });
  try {
    expect(log.verify()).toMatchObject({ ok: false, firstBad: at });
  } finally {
    log.close();
  }
}

describe("tamper detection", () => {
  it("builds a multi-file log that verifies", () => {
    const dir = build(60);
    expect(auditFiles(dir)).toEqual([
      "audit.1.log",
      "audit.2.log",
      "audit.3.log",
      "audit.4.log",
      "audit.log",
    ]);
    expect(verifyAuditDir(dir)).toMatchObject({ ok: true, entries: 65 });
  });

  it("detects a changed field value that keeps the JSON valid", async () => {
    const dir = build(60);
    const lines = readLines(dir, "audit.2.log");
    const target = lines.findIndex((l) => l.includes('"tier":"credential"'));
    expect(target).toBeGreaterThan(0);
    lines[target] = (lines[target] as string).replace('"tier":"credential"', '"tier":"short"');
    writeLines(dir, "audit.2.log", lines);
    await expectBad(
      dir,
      { seq: seqOf(lines[target] as string), file: "audit.2.log", line: target + 1 },
      /hash/,
    );
  });

  it("detects an edit whose hash was recomputed, at the next entry", async () => {
    const dir = build(60);
    const lines = readLines(dir, "audit.2.log");
    const e = JSON.parse(lines[4] as string);
    e.fields = { ...e.fields, forged: true };
    const { hash: _old, ...body } = e;
    const bodyText = `{"seq":${e.seq},"prev":"${e.prev}","at":"${e.at}","event":"${e.event}","fields":${JSON.stringify(
      Object.fromEntries(Object.entries(body.fields).sort(([a], [b]) => (a < b ? -1 : 1))),
    )}}`;
    const hash = createHash("sha256").update(bodyText).digest("hex");
    lines[4] = `${bodyText.slice(0, -1)},"hash":"${hash}"}`;
    writeLines(dir, "audit.2.log", lines);
    await expectBad(dir, { seq: e.seq + 1, file: "audit.2.log", line: 6 }, /prev/);
  });

  it("detects a deleted entry", async () => {
    const dir = build(60);
    const lines = readLines(dir, "audit.1.log");
    const deletedSeq = seqOf(lines[5] as string);
    lines.splice(5, 1);
    writeLines(dir, "audit.1.log", lines);
    await expectBad(dir, { seq: deletedSeq + 1, file: "audit.1.log", line: 6 }, /expected seq/);
  });

  it("detects reordered entries", async () => {
    const dir = build(60);
    const lines = readLines(dir, "audit.log");
    const [a, b] = [lines[2] as string, lines[3] as string];
    lines[2] = b;
    lines[3] = a;
    writeLines(dir, "audit.log", lines);
    await expectBad(dir, { seq: seqOf(b), file: "audit.log", line: 3 }, /out of order/);
  });

  it("detects a rotated file truncated at its end", async () => {
    const dir = build(60);
    const lines = readLines(dir, "audit.2.log");
    writeLines(dir, "audit.2.log", lines.slice(0, -3));
    const header = readLines(dir, "audit.1.log")[0] as string;
    await expectBad(dir, { seq: seqOf(header), file: "audit.1.log", line: 1 }, /missing|prev/);
  });

  it("detects a rotated file cut in the middle of a line", async () => {
    const dir = build(60);
    const p = filePath(dir, "audit.2.log");
    const size = fs.statSync(p).size;
    fs.truncateSync(p, size - 30);
    const lines = readLines(dir, "audit.2.log");
    await expectBad(dir, { seq: null, file: "audit.2.log", line: lines.length + 1 }, /newline/);
  });

  it("detects a removed rotated file in the middle", async () => {
    const dir = build(60);
    fs.rmSync(filePath(dir, "audit.2.log"));
    const header = readLines(dir, "audit.1.log")[0] as string;
    await expectBad(dir, { seq: seqOf(header), file: "audit.1.log", line: 1 }, /expected seq/);
  });

  it("detects the removed oldest file before any rotation dropped one (anchor = seq 1)", async () => {
    const dir = build(60);
    expect(seqOf(readLines(dir, "audit.4.log")[0] as string)).toBe(1);
    fs.rmSync(filePath(dir, "audit.4.log"));
    const first = readLines(dir, "audit.3.log")[0] as string;
    await expectBad(dir, { seq: seqOf(first), file: "audit.3.log", line: 1 }, /anchor/);
  });

  it("tells legitimately rotated-away files from a removed oldest file", async () => {
    const dir = build(200, 3);
    expect(auditFiles(dir)).toEqual(["audit.1.log", "audit.2.log", "audit.log"]);
    const r = verifyAuditDir(dir);
    expect(r.ok).toBe(true);
    expect(seqOf(readLines(dir, "audit.2.log")[0] as string)).toBeGreaterThan(1); // the prefix is gone, legitimately
    fs.rmSync(filePath(dir, "audit.2.log"));
    const first = readLines(dir, "audit.1.log")[0] as string;
    await expectBad(dir, { seq: seqOf(first), file: "audit.1.log", line: 1 }, /anchor/);
  });

  it("detects entries cut from the start of the oldest file", async () => {
    const dir = build(200, 3);
    const lines = readLines(dir, "audit.2.log");
    writeLines(dir, "audit.2.log", lines.slice(2));
    await expectBad(dir, { seq: seqOf(lines[2] as string), file: "audit.2.log", line: 1 }, /anchor/);
  });

  it("detects a removed file header", async () => {
    const dir = build(60);
    const lines = readLines(dir, "audit.1.log");
    writeLines(dir, "audit.1.log", lines.slice(1));
    await expectBad(dir, { seq: seqOf(lines[1] as string), file: "audit.1.log", line: 1 });
  });

  it("detects an edited anchor", async () => {
    const dir = build(200, 3);
    const lines = readLines(dir, "audit.log");
    lines[0] = (lines[0] as string).replace(/"retainedFrom":\{"prev":"[0-9a-f]{64}","seq":\d+\}/, (m) =>
      m.replace(/"seq":(\d+)/, (_s, n: string) => `"seq":${Number(n) + 5}`),
    );
    writeLines(dir, "audit.log", lines);
    await expectBad(dir, { seq: seqOf(lines[0] as string), file: "audit.log", line: 1 }, /hash/);
  });

  it("detects swapped file names", () => {
    const dir = build(60);
    fs.renameSync(filePath(dir, "audit.1.log"), filePath(dir, "tmp"));
    fs.renameSync(filePath(dir, "audit.2.log"), filePath(dir, "audit.1.log"));
    fs.renameSync(filePath(dir, "tmp"), filePath(dir, "audit.2.log"));
    expect(verifyAuditDir(dir)).toMatchObject({ ok: false, firstBad: { file: "audit.2.log", line: 1 } });
  });

  it("detects a forged entry appended to the end", async () => {
    const dir = build(60);
    const lines = readLines(dir, "audit.log");
    const last = JSON.parse(lines.at(-1) as string);
    lines.push(
      JSON.stringify({
        seq: last.seq + 1,
        prev: last.hash,
        at: last.at,
        event: "reset",
        fields: {},
        hash: "0".repeat(64),
      }),
    );
    writeLines(dir, "audit.log", lines);
    await expectBad(dir, { seq: last.seq + 1, file: "audit.log", line: lines.length });
  });

  it("catches entries cut from the end of the live file while the daemon runs", () => {
    const dir = tempDir();
    const { log, clock } = open(dir);
    recordMix(log, clock, 10);
    const lines = readLines(dir, "audit.log");
    writeLines(dir, "audit.log", lines.slice(0, -2));
    // A tail cut leaves a valid prefix: nothing on disk can tell (documented limit)...
    expect(verifyAuditDir(dir).ok).toBe(true);
    // ...but the writer knows what it wrote.
    expect(log.verify()).toMatchObject({
      ok: false,
      firstBad: { seq: seqOf(lines.at(-2) as string), file: "audit.log", line: lines.length - 1 },
    });
    log.close();
  });
});
