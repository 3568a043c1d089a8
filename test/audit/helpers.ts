// Shared fixtures for the audit tests: fresh temp directories and a realistic event mix.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach } from "vitest";
import { type AuditLog, type AuditLogOptions, openAuditLog } from "../../daemon/audit/index.js";
import { FakeClock } from "../../daemon/clock.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

export function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "recoveryd-audit-"));
  dirs.push(d);
  return path.join(d, "audit");
}

export function open(dir: string, opts: Partial<AuditLogOptions> = {}): { log: AuditLog; clock: FakeClock } {
  const clock = (opts.clock as FakeClock | undefined) ?? new FakeClock();
  const log = openAuditLog(dir, { maxFileBytes: 4096, keepFiles: 4, sync: "none", ...opts, clock });
  return { log, clock };
}

/** The events the daemon records (SPEC 7), cycled. */
export function recordMix(log: AuditLog, clock: FakeClock, n: number): void {
  for (let i = 0; i < n; i++) {
    clock.advance(1000);
    switch (i % 7) {
      case 0:
        log.record("boot", { version: "0.1.0", board: "sim" });
        break;
      case 1:
        log.record("press", { tier: "credential", durationMs: 5000 + i, boot: false });
        break;
      case 2:
        log.record("reset", { reason: "button", generation: i });
        break;
      case 3:
        log.record("setup", { username: "admin", via: "window" });
        break;
      case 4:
        log.record("login-failed", { username: "admin", failures: i % 5 });
        break;
      case 5:
        log.record("recovery", { path: "security-code", outcome: "refused", reason: "wrong_code" });
        break;
      default:
        log.record("factory-reset", { step: "restore", path: "/etc/recorder/net.json" });
    }
  }
}

export function filePath(dir: string, name: string): string {
  return path.join(dir, name);
}

export function readLines(dir: string, name: string): string[] {
  const text = fs.readFileSync(path.join(dir, name), "utf8");
  const lines = text.split("\n");
  lines.pop(); // text after the last newline (empty for a clean file)
  return lines;
}

export function writeLines(dir: string, name: string, lines: string[]): void {
  fs.writeFileSync(path.join(dir, name), lines.map((l) => `${l}\n`).join(""));
}

export function auditFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((n) => n.startsWith("audit"))
    .sort();
}

export function totalBytes(dir: string): number {
  return auditFiles(dir).reduce((sum, n) => sum + fs.statSync(path.join(dir, n)).size, 0);
}

export function seqOf(line: string): number {
  return (JSON.parse(line) as { seq: number }).seq;
}
