// The AuditLog API the daemon, the local API and recoveryctl use.
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { openAuditLog, readAuditDir, verifyAuditDir } from "../../daemon/audit/index.js";
import { FakeClock } from "../../daemon/clock.js";
import { auditFiles, filePath, open, readLines, recordMix, tempDir } from "./helpers.js";

describe("AuditLog", () => {
  it("records entries with seq, UTC time, event, fields and the hash chain", () => {
    const dir = tempDir();
    const clock = new FakeClock(Date.UTC(2026, 2, 1, 12, 0, 0));
    const { log } = open(dir, { clock });
    log.record("boot", { version: "0.1.0" });
    clock.advance(1500);
    log.record("press", { tier: "credential", durationMs: 5012, boot: false });
    log.record("setup");
    const [header, boot, press, setup] = log.read({});
    expect(header).toMatchObject({ seq: 1, event: "audit-header", prev: "0".repeat(64) });
    expect(boot).toMatchObject({ seq: 2, at: "2026-03-01T12:00:00.000Z", event: "boot", prev: header?.hash });
    expect(press).toMatchObject({
      seq: 3,
      at: "2026-03-01T12:00:01.500Z",
      fields: { tier: "credential", durationMs: 5012, boot: false },
      prev: boot?.hash,
    });
    expect(setup).toMatchObject({ seq: 4, fields: {} });
    expect(log.head()).toEqual({ seq: 4, hash: setup?.hash });
    expect(log.verify()).toEqual({ ok: true, entries: 4, head: log.head() });
    log.close();
  });

  it("reads newest last, with limit and sinceSeq, across rotated files", () => {
    const dir = tempDir();
    const { log, clock } = open(dir, { maxFileBytes: 1024, keepFiles: 100 });
    recordMix(log, clock, 40);
    expect(auditFiles(dir).length).toBeGreaterThan(3);
    const head = log.head().seq;
    const all = log.read({ limit: 10_000 });
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    expect(log.read({ limit: 3 }).map((e) => e.seq)).toEqual([head - 2, head - 1, head]);
    expect(log.read({ sinceSeq: head - 5 }).map((e) => e.seq)).toEqual([
      head - 4,
      head - 3,
      head - 2,
      head - 1,
      head,
    ]);
    expect(log.read({ sinceSeq: 10, limit: 2 }).map((e) => e.seq)).toEqual([head - 1, head]);
    expect(log.read({ sinceSeq: head })).toEqual([]);
    expect(log.read({ limit: 0 })).toEqual([]);
    expect(log.read({})).toHaveLength(Math.min(100, head));
    expect(readAuditDir(dir, { limit: 3 })).toEqual(log.read({ limit: 3 }));
    log.close();
  });

  it("never stores a secret, whatever the caller passes", () => {
    const dir = tempDir();
    const { log } = open(dir);
    const secrets = {
      password: "Correct-Horse-Battery-9",
      setupToken: "setup_Q1W2E3R4T5Y6U7I8",
      securityCode: "ABCDEFGHIJKLMNOP",
      unlockCode: "K7M2P9QX",
      pepper: "cGVwcGVyLXNlY3JldA",
      phc: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
    };
    log.record("login-failed", { username: "alice", password: secrets.password });
    log.record("setup", { username: "alice", request: { setupToken: secrets.setupToken } });
    log.record("recovery", {
      path: "security-code",
      outcome: "ok",
      attempts: [{ securityCode: secrets.securityCode }],
    });
    log.record("recovery", {
      path: "unlock",
      outcome: "refused",
      reason: "bad_code",
      unlockCode: secrets.unlockCode,
    });
    log.record("reset", {
      reason: "button",
      generation: 2,
      pepper: Buffer.from(secrets.pepper),
      stored: secrets.phc,
    });
    log.record("login-failed", {
      username: "bob",
      error: Object.assign(new Error("nope"), { token: "t0k3n-s3cr3t" }),
    });
    log.close();
    const text = auditFiles(dir)
      .map((n) => fs.readFileSync(filePath(dir, n), "utf8"))
      .join("");
    for (const s of [...Object.values(secrets), "t0k3n-s3cr3t", "c2FsdHNhbHQ"]) expect(text).not.toContain(s);
    for (const s of ['"username":"alice"', '"path":"unlock"', '"reason":"bad_code"', '"generation":2']) {
      expect(text).toContain(s);
    }
    expect(verifyAuditDir(dir).ok).toBe(true);
  });

  it("refuses bad and reserved event names, and writes after close", () => {
    const dir = tempDir();
    const { log } = open(dir);
    for (const name of ["", "Boot", "two words", "x".repeat(65), "audit-header", "audit-torn-tail", "a\nb"]) {
      expect(() => log.record(name), name).toThrow(TypeError);
    }
    log.close();
    log.close(); // idempotent
    expect(() => log.record("boot")).toThrow(/closed/);
    expect(verifyAuditDir(dir)).toMatchObject({ ok: true, entries: 1 });
  });

  it("bounds an oversized entry instead of writing it", () => {
    const dir = tempDir();
    const { log } = open(dir, { maxFileBytes: 4096 });
    log.record("factory-reset", { step: "restore", detail: "x".repeat(100_000) });
    const e = log.read({ limit: 1 })[0];
    expect(e?.fields).toMatchObject({ truncated: true, keys: ["step", "detail"] });
    expect(fs.statSync(filePath(dir, "audit.log")).size).toBeLessThan(4096);
    log.close();
  });

  it("validates its options and needs no directory to exist beforehand", () => {
    const clock = new FakeClock();
    expect(() => openAuditLog(tempDir(), { maxFileBytes: 100, keepFiles: 2, clock })).toThrow(RangeError);
    expect(() => openAuditLog(tempDir(), { maxFileBytes: 4096, keepFiles: 0, clock })).toThrow(RangeError);
    const dir = `${tempDir()}/nested/audit`;
    const log = openAuditLog(dir, { maxFileBytes: 4096, keepFiles: 2, clock });
    expect(auditFiles(dir)).toEqual(["audit.log"]);
    log.close();
  });

  it("verifies a missing directory as an error and an empty one as an empty log", () => {
    expect(() => verifyAuditDir(`${tempDir()}/absent`)).toThrow();
    const dir = tempDir();
    fs.mkdirSync(dir, { recursive: true });
    expect(verifyAuditDir(dir)).toEqual({ ok: true, entries: 0 });
  });

  it("is durable in every sync mode and flush() waits for the flash", async () => {
    for (const sync of ["batched", "every", "none"] as const) {
      const dir = tempDir();
      const { log, clock } = open(dir, { sync, maxFileBytes: 2048 });
      recordMix(log, clock, 30);
      await log.flush();
      expect(log.verify().ok, sync).toBe(true);
      log.close();
      await log.flush(); // after close: nothing to do
    }
  });

  it("reports a write failure to onError and goes on once the disk is back", () => {
    const dir = tempDir();
    const errors: Error[] = [];
    const { log, clock } = open(dir, { maxFileBytes: 1024, onError: (e) => errors.push(e) });
    log.record("boot");
    fs.rmSync(dir, { recursive: true }); // the state directory vanishes under the daemon
    recordMix(log, clock, 10); // the next rotation fails
    expect(errors.length).toBeGreaterThan(0);
    fs.mkdirSync(dir);
    log.record("boot", { after: "restore" });
    expect(log.read({ limit: 1 })[0]).toMatchObject({ event: "boot", fields: { after: "restore" } });
    expect(log.verify().ok).toBe(true);
    log.close();
  });

  it("throws a write failure when no onError is given", () => {
    const dir = tempDir();
    const { log, clock } = open(dir, { maxFileBytes: 1024 });
    fs.rmSync(dir, { recursive: true });
    expect(() => recordMix(log, clock, 10)).toThrow(/ENOENT/);
    log.close();
  });

  it("verifies without holding the event loop", async () => {
    const dir = tempDir();
    const { log, clock } = open(dir, { maxFileBytes: 65_536, keepFiles: 8 });
    recordMix(log, clock, 3000);
    const before = log.verify();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const pending = log.verifyAsync();
    log.record("boot", { during: "verify" }); // the writer goes on; the snapshot was taken already
    const r = await pending;
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
    expect(r).toEqual(before);
    expect(before.ok).toBe(true);
    expect(await log.verifyAsync()).toEqual(log.verify());
    log.close();
  });

  it("keeps its files apart: other files in the directory are ignored", () => {
    const dir = tempDir();
    const { log, clock } = open(dir);
    recordMix(log, clock, 5);
    fs.writeFileSync(filePath(dir, "notes.txt"), "not ours");
    expect(log.verify().ok).toBe(true);
    expect(readLines(dir, "audit.log")).toHaveLength(6);
    log.close();
  });
});
