import fc from "fast-check";
import fs from "node:fs"; import os from "node:os"; import path from "node:path";
import { openAuditLog, verifyAuditDir } from "/work/main/daemon/audit/index.js";
import { FakeClock } from "/work/main/daemon/clock.js";
const key = fc.string({ unit: "binary", maxLength: 12 });
const fields = fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });
const samples = fc.sample(fc.array(fields, { minLength: 1, maxLength: 8 }), 20);
for (const [i, batch] of samples.entries()) {
  const t0 = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "p3-"));
  const clock = new FakeClock();
  const log = openAuditLog(dir, { maxFileBytes: 2048, keepFiles: 3, clock, sync: "none" });
  for (const f of batch) { clock.advance(1); log.record("event", f); }
  const t1 = Date.now();
  log.read({ limit: 10000 }); const t2 = Date.now();
  const ok = log.verify().ok; log.close(); const t3 = Date.now();
  console.log(i, batch.length, JSON.stringify(batch).length, t1 - t0, t2 - t1, t3 - t2, ok);
  fs.rmSync(dir, { recursive: true });
}
