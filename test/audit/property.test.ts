// Properties: (1) any single-byte modification anywhere in the audit files is detected; (2) any
// fields a caller records (whatever keys, strings, numbers, nesting) read back as recorded and the
// log verifies.
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { prepareFields } from "../../daemon/audit/fields.js";
import { verifyAuditDir } from "../../daemon/audit/index.js";
import { auditFiles, open, recordMix, tempDir } from "./helpers.js";

/** Several rotated files with a dropped prefix, and a vouched torn line in the current file. */
function fixture(): Map<string, Buffer> {
  const dir = tempDir();
  let { log, clock } = open(dir, { maxFileBytes: 1024, keepFiles: 4 });
  recordMix(log, clock, 30);
  log.record("setup", { username: "admin", note: "non-ASCII: é ✓ 日本" });
  log.close();
  const current = path.join(dir, "audit.log");
  fs.truncateSync(current, fs.statSync(current).size - 25); // torn tail
  ({ log, clock } = open(dir, { maxFileBytes: 1024, keepFiles: 4, clock }));
  log.record("boot");
  log.close();
  const all = auditFiles(dir).map((n) => fs.readFileSync(path.join(dir, n), "utf8"));
  expect(all.join("")).toContain("audit-torn-tail");
  expect(verifyAuditDir(dir)).toMatchObject({ ok: true });
  return new Map(auditFiles(dir).map((n) => [n, fs.readFileSync(path.join(dir, n))]));
}

describe("audit properties", () => {
  it("detects any single-byte modification inside the files", () => {
    const files = fixture();
    const names = [...files.keys()];
    expect(names.length).toBeGreaterThanOrEqual(4);
    const total = [...files.values()].reduce((n, b) => n + b.length, 0);
    const work = tempDir();
    fs.mkdirSync(work, { recursive: true });
    for (const [n, b] of files) fs.writeFileSync(path.join(work, n), b);
    expect(verifyAuditDir(work).ok).toBe(true);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: total - 1 }), fc.integer({ min: 1, max: 255 }), (pos, delta) => {
        let offset = pos;
        for (const [n, b] of files) {
          if (offset < b.length) {
            const changed = Buffer.from(b);
            changed[offset] = ((changed[offset] as number) + delta) % 256;
            fs.writeFileSync(path.join(work, n), changed);
            const detected = !verifyAuditDir(work).ok;
            fs.writeFileSync(path.join(work, n), b);
            return detected;
          }
          offset -= b.length;
        }
        return false;
      }),
      { numRuns: 1500 },
    );
  });

  it("detects a modification at every byte of the current file (exhaustive)", () => {
    const files = fixture();
    const work = tempDir();
    fs.mkdirSync(work, { recursive: true });
    for (const [n, b] of files) fs.writeFileSync(path.join(work, n), b);
    const current = files.get("audit.log") as Buffer;
    for (let i = 0; i < current.length; i++) {
      const changed = Buffer.from(current);
      changed[i] = (current[i] as number) ^ 0x01;
      fs.writeFileSync(path.join(work, "audit.log"), changed);
      expect(verifyAuditDir(work).ok, `byte ${i}`).toBe(false);
    }
  });

  it("reads back any recorded fields and verifies", () => {
    const key = fc.string({ unit: "binary", maxLength: 12 });
    const fields = fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });
    fc.assert(
      fc.property(fc.array(fields, { minLength: 1, maxLength: 8 }), (batch) => {
        const dir = tempDir();
        const { log, clock } = open(dir, { maxFileBytes: 2048, keepFiles: 100 }); // rotates, drops nothing
        for (const f of batch) {
          clock.advance(1);
          log.record("event", f);
        }
        const back = log.read({ limit: 10_000 }).filter((e) => e.event === "event");
        expect(back.map((e) => e.fields)).toEqual(batch.map((f) => prepareFields(f)));
        expect(log.verify().ok).toBe(true);
        log.close();
        return verifyAuditDir(dir).ok;
      }),
      { numRuns: 100 },
    );
  });
});
