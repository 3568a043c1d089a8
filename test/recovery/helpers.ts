// Shared bits of the recovery tests: temp dirs, fixtures, an audit sink that remembers.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseConfig } from "../../daemon/config/load.js";
import type { Config } from "../../daemon/config/schema.js";
import type { AuditSink } from "../../daemon/services.js";

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/recovery");
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES, name), "utf8")) as T;
}

export function fixturePath(name: string): string {
  return path.join(FIXTURES, name);
}

export interface AuditEntry {
  event: string;
  fields: Record<string, unknown>;
}

export class MemoryAudit implements AuditSink {
  readonly entries: AuditEntry[] = [];
  record(event: string, fields: Record<string, unknown> = {}): void {
    this.entries.push({ event, fields });
  }
  last(): AuditEntry | undefined {
    return this.entries.at(-1);
  }
  of(event: string): AuditEntry[] {
    return this.entries.filter((e) => e.event === event);
  }
}

export function tempDir(prefix = "recoveryd-test-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function config(overrides: Record<string, unknown> = {}): Config {
  return parseConfig(overrides);
}
