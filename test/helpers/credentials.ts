// Shared helpers for the credential-store tests: temp state dirs, a config at the argon2 floor,
// an audit sink that remembers, and an opened AccountService.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type OpenAccountsOptions, type OpenedAccounts, openAccounts } from "../../daemon/accounts/open.js";
import { FakeClock } from "../../daemon/clock.js";
import { type Config, configSchema } from "../../daemon/config/schema.js";
import { silentLogger } from "../../daemon/log.js";
import type { AuditSink } from "../../daemon/services.js";

export const STRONG_PASSWORD = "quiet-harbor-lantern-57";
export const OTHER_STRONG_PASSWORD = "violet-canyon-drum-9283";
export const DEVICE = {
  deviceId: "DS-7608NI-K2-20240101AAWRJ12345678",
  model: "DS-7608NI-K2",
  brand: "Hikvision",
};

/** A fresh directory under the OS temp dir; remove it with the returned function. */
export function makeTempDir(prefix = "recoveryd-cred-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The schema's defaults, except that a fresh store opens its setup window at start (opt-in). */
export function testConfig(overrides: Record<string, unknown> = {}): Config {
  const window = (overrides.setupWindow ?? {}) as Record<string, unknown>;
  return configSchema.parse({ ...overrides, setupWindow: { openAtBoot: true, ...window } });
}

export class MemoryAudit implements AuditSink {
  readonly events: { event: string; fields: Record<string, unknown> }[] = [];
  record(event: string, fields: Record<string, unknown> = {}): void {
    this.events.push({ event, fields });
  }
  count(event: string): number {
    return this.events.filter((e) => e.event === event).length;
  }
}

export interface TestAccounts {
  accounts: OpenedAccounts;
  clock: FakeClock;
  audit: MemoryAudit;
  config: Config;
}

export async function openTest(
  dir: string,
  opts: Partial<OpenAccountsOptions> & { configOverrides?: Record<string, unknown>; clock?: FakeClock } = {},
): Promise<TestAccounts> {
  const clock = opts.clock ?? new FakeClock();
  const audit = new MemoryAudit();
  const config = opts.config ?? testConfig(opts.configOverrides);
  const accounts = await openAccounts({
    stateDir: dir,
    config,
    clock,
    log: opts.log ?? silentLogger(),
    audit: opts.audit ?? audit,
    context: opts.context ?? DEVICE,
    ...(opts.securityCode ? { securityCode: opts.securityCode } : {}),
    ...(opts.onStateChange ? { onStateChange: opts.onStateChange } : {}),
  });
  return { accounts, clock, audit, config };
}
