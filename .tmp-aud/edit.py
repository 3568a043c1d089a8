import re
p='test/audit/tamper.test.ts'
s=open(p).read()
s=s.replace('import { verifyAuditDir } from "../../daemon/audit/index.js";','import { verifyAuditDir, verifyAuditDirAsync } from "../../daemon/audit/index.js";')
s=s.replace('''function expectBad(dir: string, at: { seq: number | null; file: string; line: number }, problem?: RegExp) {
  const r = verifyAuditDir(dir);
  expect(r.ok).toBe(false);
  expect(r.firstBad).toMatchObject(at);
  if (problem) expect(r.firstBad?.problem).toMatch(problem);''','''async function expectBad(dir: string, at: { seq: number | null; file: string; line: number }, problem?: RegExp) {
  const r = verifyAuditDir(dir);
  expect(r.ok).toBe(false);
  expect(r.firstBad).toMatchObject(at);
  if (problem) expect(r.firstBad?.problem).toMatch(problem);
  expect(await verifyAuditDirAsync(dir)).toEqual(r);''')
s=s.replace("    expectBad(dir,","    await expectBad(dir,")
def repl(m):
    body_start = m.end()
    return m.group(0)
# make every test containing 'await expectBad' async
parts = re.split(r'(\n  it\()', s)
out = parts[0]
for i in range(1, len(parts), 2):
    chunk = parts[i] + parts[i+1]
    if 'await expectBad' in chunk:
        chunk = chunk.replace('", () => {', '", async () => {', 1)
    out += chunk
open(p,'w').write(out)

p='test/audit/audit-log.test.ts'
s=open(p).read()
s=s.replace('''  it("keeps its files apart''','''  it("verifies without holding the event loop", async () => {
    const dir = tempDir();
    const { log, clock } = open(dir, { maxFileBytes: 65_536, keepFiles: 8 });
    recordMix(log, clock, 3000);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const pending = log.verifyAsync();
    log.record("boot", { during: "verify" }); // the writer goes on; the snapshot was taken already
    const r = await pending;
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
    expect(r).toMatchObject({ ok: true, entries: log.head().seq - 1 });
    expect(await log.verifyAsync()).toEqual(log.verify());
    log.close();
  });

  it("keeps its files apart''')
open(p,'w').write(s)
