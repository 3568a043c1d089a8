// A RecoveryService on the fixture factory data with an in-memory AccountService, a memory audit,
// a fake clock and a log capture, for the refusal and round-trip tests.
import path from "node:path";
import { FakeClock } from "../../daemon/clock.js";
import type { Config } from "../../daemon/config/schema.js";
import { createLogger } from "../../daemon/log.js";
import { type FactoryData, loadFactoryData } from "../../daemon/recovery/factory-data.js";
import { createRecovery, type RecoveryOptions, type RecoveryService } from "../../daemon/recovery/service.js";
import { loadVendorPrivateKey } from "../../vendor/key-file.js";
import { config, fixture, fixturePath, MemoryAudit } from "./helpers.js";
import { MemoryAccounts } from "./memory-accounts.js";

export const SECURITY_CODE = fixture<{ stickerText: string; normalized: string }>("security-code-kat.json");
export const VENDOR = loadVendorPrivateKey(fixturePath("vendor-key-7.private.json"));

export function fixtureFactory(): FactoryData {
  const f = loadFactoryData(fixturePath("factory-data.json"));
  if (!f) throw new Error("fixture factory data missing");
  return f;
}

export interface Harness {
  service: RecoveryService;
  accounts: MemoryAccounts;
  audit: MemoryAudit;
  clock: FakeClock;
  logs: string[];
  stateDir: string;
  /** A second service on the same state directory: the daemon after a restart. */
  restart(): Harness;
}

export function harness(
  stateDir: string,
  opts: {
    factory?: FactoryData | null;
    config?: Config;
    clock?: FakeClock;
    seams?: RecoveryOptions["seams"];
    accounts?: MemoryAccounts;
    audit?: MemoryAudit;
  } = {},
): Harness {
  const clock = opts.clock ?? new FakeClock();
  const accounts = opts.accounts ?? new MemoryAccounts();
  const audit = opts.audit ?? new MemoryAudit();
  const logs: string[] = [];
  const log = createLogger({ level: "debug", destination: { write: (s: string) => void logs.push(s) } });
  const factory = opts.factory === undefined ? fixtureFactory() : opts.factory;
  const service = createRecovery({
    stateDir,
    config: opts.config ?? config(),
    clock,
    log,
    audit,
    accounts,
    factory,
    seams: {
      // The argon2 path is covered in security-code.test.ts; here a plain compare keeps it fast.
      verifyHash: async (_h, code) => code === SECURITY_CODE.normalized,
      ...opts.seams,
    },
  });
  return {
    service,
    accounts,
    audit,
    clock,
    logs,
    stateDir,
    restart: () => {
      service.close();
      return harness(stateDir, {
        ...opts,
        clock,
        factory,
        accounts: new MemoryAccounts(),
        audit: new MemoryAudit(),
      });
    },
  };
}

export function stateDirOf(root: string, name: string): string {
  return path.join(root, name);
}
