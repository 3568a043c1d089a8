// Rotation keeps the log bounded and verifiable, and a crash at any step of a rotation leaves a
// directory that verifies and that the next open completes.
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { sealEntry, serializeEntry } from "../../daemon/audit/entry.js";
import { fileName, NEXT } from "../../daemon/audit/files.js";
import { HEADER_EVENT, headerFields } from "../../daemon/audit/header.js";
import { verifyAuditDir } from "../../daemon/audit/index.js";
import { planRotation } from "../../daemon/audit/rotate.js";
import { auditFiles, filePath, open, readLines, recordMix, seqOf, tempDir, totalBytes } from "./helpers.js";

describe("rotation", () => {
  it("keeps 10,000 events bounded and verifiable", () => {
    const dir = tempDir();
    const maxFileBytes = 4096;
    const keepFiles = 5;
    const { log, clock } = open(dir, { maxFileBytes, keepFiles, sync: "batched" });
    let maxTotal = 0;
    for (let i = 0; i < 100; i++) {
      recordMix(log, clock, 100);
      maxTotal = Math.max(maxTotal, totalBytes(dir));
      expect(auditFiles(dir).length).toBeLessThanOrEqual(keepFiles);
      for (const f of auditFiles(dir))
        expect(fs.statSync(filePath(dir, f)).size).toBeLessThanOrEqual(maxFileBytes);
    }
    expect(maxTotal).toBeLessThanOrEqual(keepFiles * maxFileBytes);
    const r = log.verify();
    expect(r.ok).toBe(true);
    const head = log.head();
    expect(head.seq).toBeGreaterThan(10_000); // events plus one header per file
    expect(r.head).toEqual(head);
    const last = log.read({ limit: 10 });
    expect(last.map((e) => e.seq)).toEqual(Array.from({ length: 10 }, (_, i) => head.seq - 9 + i));
    log.close();
    expect(verifyAuditDir(dir)).toMatchObject({ ok: true, entries: r.entries, head });
  });

  it("works with a single file (keepFiles 1)", () => {
    const dir = tempDir();
    const { log, clock } = open(dir, { maxFileBytes: 1024, keepFiles: 1 });
    recordMix(log, clock, 50);
    expect(auditFiles(dir)).toEqual(["audit.log"]);
    expect(log.verify().ok).toBe(true);
    log.close();
    expect(verifyAuditDir(dir).ok).toBe(true);
  });

  it("continues the chain across restarts", () => {
    const dir = tempDir();
    let { log, clock } = open(dir);
    recordMix(log, clock, 30);
    const head = log.head();
    log.close();
    ({ log, clock } = open(dir, { clock }));
    log.record("boot", { version: "0.1.0" });
    expect(log.head().seq).toBe(head.seq + 1);
    expect(log.read({ limit: 1 })[0]).toMatchObject({ seq: head.seq + 1, prev: head.hash, event: "boot" });
    expect(log.verify().ok).toBe(true);
    log.close();
  });

  it("follows a smaller keepFiles at the next rotation", () => {
    const dir = tempDir();
    let { log, clock } = open(dir, { keepFiles: 6 });
    recordMix(log, clock, 100);
    log.close();
    expect(auditFiles(dir).length).toBe(6);
    ({ log, clock } = open(dir, { keepFiles: 2, clock }));
    recordMix(log, clock, 30);
    expect(auditFiles(dir)).toEqual(["audit.1.log", "audit.log"]);
    expect(log.verify().ok).toBe(true);
    log.close();
  });

  it("verifies and recovers after a crash at every step of a rotation", () => {
    for (const keepFiles of [1, 2, 4]) {
      for (const files of [1, keepFiles]) {
        for (let crashAfter = 0; ; crashAfter++) {
          const dir = tempDir();
          let { log, clock } = open(dir, { keepFiles, maxFileBytes: 1024 });
          while (auditFiles(dir).length < files) recordMix(log, clock, 1);
          const before = log.head();
          log.close();

          // The writer's rotation, step by step, stopped after `crashAfter` steps.
          const { plan, anchor } = planRotation(dir, keepFiles);
          const seq = before.seq + 1;
          const header = sealEntry({
            seq,
            prev: before.hash,
            at: new Date(clock.now()).toISOString(),
            event: HEADER_EVENT,
            fields: { ...headerFields(before, anchor ?? { seq, prev: before.hash }) },
          });
          const steps: Array<() => void> = [
            () => fs.writeFileSync(filePath(dir, NEXT), `${serializeEntry(header)}\n`),
            ...plan.unlink.map((i) => () => fs.rmSync(filePath(dir, fileName(i)))),
            ...plan.renames.map(
              ([a, b]) =>
                () =>
                  fs.renameSync(filePath(dir, fileName(a)), filePath(dir, fileName(b))),
            ),
            () => fs.renameSync(filePath(dir, NEXT), filePath(dir, "audit.log")),
          ];
          if (crashAfter > steps.length) break;
          for (const step of steps.slice(0, crashAfter)) step();
          const label = `keep ${keepFiles}, ${files} files, crash after ${crashAfter} of ${steps.length} steps`;

          expect(verifyAuditDir(dir), label).toMatchObject({ ok: true });
          ({ log, clock } = open(dir, { keepFiles, maxFileBytes: 1024, clock }));
          expect(auditFiles(dir), label).not.toContain(NEXT);
          // The open finished the rotation, drop included.
          expect(auditFiles(dir).length, label).toBeLessThanOrEqual(keepFiles);
          recordMix(log, clock, 10);
          expect(log.verify(), label).toMatchObject({ ok: true });
          expect(auditFiles(dir).length, label).toBeLessThanOrEqual(keepFiles + 1);
          log.close();
        }
      }
    }
  });

  it("finishes the drop of an interrupted rotation, so repeated crashes never add up", () => {
    // The kill that failed crash.test.ts once: a rotation cut after step 1 (audit.next.log written,
    // nothing dropped yet) left keepFiles + 1 files after the open, and the next rotation cut at the
    // same point left keepFiles + 2.
    const keepFiles = 3;
    const dir = tempDir();
    let { log, clock } = open(dir, { keepFiles, maxFileBytes: 1024 });
    while (auditFiles(dir).length < keepFiles) recordMix(log, clock, 1);
    for (let round = 0; round < 4; round++) {
      recordMix(log, clock, 2);
      const before = log.head();
      log.close();
      const { anchor } = planRotation(dir, keepFiles);
      const seq = before.seq + 1;
      const header = sealEntry({
        seq,
        prev: before.hash,
        at: new Date(clock.now()).toISOString(),
        event: HEADER_EVENT,
        fields: { ...headerFields(before, anchor ?? { seq, prev: before.hash }) },
      });
      fs.writeFileSync(filePath(dir, NEXT), `${serializeEntry(header)}\n`); // step 1, then the kill
      const label = `round ${round}: ${auditFiles(dir).join(" ")}`;
      expect(auditFiles(dir).length, label).toBe(keepFiles + 1);
      expect(verifyAuditDir(dir), label).toMatchObject({ ok: true });
      ({ log, clock } = open(dir, { keepFiles, maxFileBytes: 1024, clock }));
      expect(auditFiles(dir), label).toEqual(["audit.1.log", "audit.2.log", "audit.log"]);
      expect(log.verify(), label).toMatchObject({ ok: true });
      expect(readLines(dir, "audit.log")).toHaveLength(1); // the header, now audit.log
    }
    log.close();
  });

  it("discards a half-written audit.next.log (the rotation had not started)", () => {
    const dir = tempDir();
    let { log, clock } = open(dir, { keepFiles: 3, maxFileBytes: 1024 });
    recordMix(log, clock, 5);
    const head = log.head();
    log.close();
    const partial = `{"seq":${head.seq + 1},"prev":"${head.hash}","at":"2026-01-01T00:`;
    fs.writeFileSync(filePath(dir, NEXT), partial);
    expect(verifyAuditDir(dir)).toMatchObject({ ok: true, tornTail: { file: NEXT, line: 1 } });
    ({ log, clock } = open(dir, { keepFiles: 3, maxFileBytes: 1024, clock }));
    expect(auditFiles(dir)).not.toContain(NEXT);
    log.record("boot");
    expect(log.verify().ok).toBe(true);
    expect(seqOf(readLines(dir, "audit.log").at(-1) as string)).toBe(head.seq + 1);
    log.close();
  });
});
