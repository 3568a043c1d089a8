// Shared by the credential benchmarks: a bare store to measure, and number formatting.
import { openAccounts } from "../daemon/accounts/open.js";
import { FakeClock } from "../daemon/clock.js";
import type { Config } from "../daemon/config/schema.js";
import { silentLogger } from "../daemon/log.js";

export const PASSWORD = "quiet-harbor-lantern-57";

export const round = (x: number, digits = 2): number => Number(x.toFixed(digits));
export const mb = (bytes: number): number => round(bytes / 1048576, 1);

/** A credential store in `dir` with a fake clock, no logs and no audit: just the costs. */
export function openBenchAccounts(dir: string, config: Config) {
  return openAccounts({
    stateDir: dir,
    config,
    clock: new FakeClock(),
    log: silentLogger(),
    audit: { record: () => {} },
  });
}
