// How the reset's latency and the database's size grow with the number of accounts and sessions.
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { openAccounts } from "../daemon/accounts/open.js";
import { systemClock } from "../daemon/clock.js";
import { parseConfig } from "../daemon/config/load.js";
import { silentLogger } from "../daemon/log.js";
import type { BenchFigure } from "./figure.js";

const PASSWORD = "correct horse battery staple 42";

function dirBytes(dir: string): number {
  return readdirSync(dir)
    .filter((f) => f.startsWith("credentials.db"))
    .reduce((sum, f) => sum + statSync(path.join(dir, f)).size, 0);
}

async function oneCase(accounts: number, sessions: number): Promise<BenchFigure> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "recoveryd-growth-"));
  try {
    const svc = await openAccounts({
      stateDir: dir,
      config: parseConfig({}),
      clock: systemClock,
      log: silentLogger(),
      audit: { record: () => {} },
    });
    await svc.setup({ username: "admin", password: PASSWORD });
    const login = await svc.login("admin", PASSWORD);
    const admin = svc.authenticate(login.token);
    for (let i = 1; i < accounts; i++) {
      await svc.createUser(admin, { username: `viewer${i}`, password: PASSWORD, role: "viewer" });
    }
    // Sessions as API tokens: the same kind of row, without an argon2 verify per row.
    for (let i = 1; i < sessions; i++) svc.createToken(admin, { name: `t${i}` });
    const before = dirBytes(dir);
    const t0 = performance.now();
    await svc.credentialReset("button", { openWindow: true, issueSetupToken: false });
    const resetMs = performance.now() - t0;
    const after = dirBytes(dir);
    svc.close();
    return {
      figure: `reset with ${accounts} account(s), ${sessions} session(s)`,
      value: resetMs,
      unit: "ms",
      verdict: "info",
      extra: { dbBytesBefore: before, dbBytesAfter: after },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchGrowth(): Promise<BenchFigure[]> {
  const out: BenchFigure[] = [];
  for (const [a, s] of [
    [1, 1],
    [10, 1],
    [100, 1],
    [1, 1000],
  ] as const) {
    out.push(await oneCase(a, s));
  }
  return out;
}
