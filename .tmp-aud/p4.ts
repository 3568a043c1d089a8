import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import fs from "node:fs"; import os from "node:os"; import path from "node:path";
import { openAuditLog } from "/work/main/daemon/audit/index.js";
import { prepareFields } from "/work/main/daemon/audit/fields.js";
import { FakeClock } from "/work/main/daemon/clock.js";
const key = fc.string({ unit: "binary", maxLength: 12 });
const fields = fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });
for (const batch of fc.sample(fc.array(fields, { minLength: 1, maxLength: 8 }), 300)) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "p3-"));
  const clock = new FakeClock();
  const log = openAuditLog(dir, { maxFileBytes: 2048, keepFiles: 3, clock, sync: "none" });
  for (const f of batch) { clock.advance(1); log.record("event", f); }
  const back = log.read({ limit: 10000 }).filter((e) => e.event === "event").map(e => e.fields);
  const exp = batch.map((f) => prepareFields(f));
  if (!isDeepStrictEqual(back, exp) || !log.verify().ok) { console.log("FAIL", back.length, exp.length, JSON.stringify(back).slice(0,300), JSON.stringify(exp).slice(0,300), log.verify()); break; }
  log.close(); fs.rmSync(dir, { recursive: true });
}
console.log("done");
