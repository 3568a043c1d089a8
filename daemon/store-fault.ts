// When the credential store cannot be used (lost or behind what it acknowledged, corrupt, on a
// read-only or failing disk), the daemon still comes up: the LED shows the fault pattern,
// GET /v1/status answers with state "store-fault" and what is wrong, every other account call
// answers 503 with a stable code, and a technician's credential-reset hold rebuilds the store.
import { readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { RecoverydError, StoreFaultError } from "./errors.js";
import type { AccountService } from "./services.js";

export { EXIT_RESTART } from "./exit-codes.js";

export interface StoreFault {
  /** "store-fault": provisioned once and now lost or damaged; "store-unavailable": cannot open. */
  code: "store-fault" | "store-unavailable";
  message: string;
}

export function storeFaultOf(err: unknown): StoreFault {
  const message = (err as Error).message ?? String(err);
  return { code: err instanceof StoreFaultError ? "store-fault" : "store-unavailable", message };
}

export function faultedAccounts(fault: StoreFault): AccountService {
  const fail = (): never => {
    const message = `credential store unusable (${fault.message}): hold the reset button 5-15 s to rebuild it`;
    throw new RecoverydError(fault.code.replace("-", "_"), 503, message);
  };
  return {
    status: () => ({
      state: "store-fault",
      fault: {
        code: fault.code,
        message: `${fault.message}; hold the reset button 5-15 s to rebuild the store`,
      },
      generation: 0,
      accounts: 0,
      setupWindow: { open: false, closesAt: null },
      lockout: { lockedCount: 0, lockedAccounts: [] },
      lastReset: null,
    }),
    setup: async () => fail(),
    login: async () => fail(),
    logout: fail,
    authenticate: fail,
    changePassword: async () => fail(),
    listUsers: fail,
    createUser: async () => fail(),
    deleteUser: fail,
    createToken: fail,
    listTokens: fail,
    revokeToken: fail,
    openSetupWindow: () => {},
    credentialReset: async () => fail(),
  };
}

/**
 * Removes the credential database, its WAL/SHM/journal, every pepper file and the state marker,
 * whatever they are (a directory where a file belongs is removed recursively), and only inside
 * the state directory. Without their pepper, whatever old hashes the removed files held can never
 * verify again.
 */
export function removeCredentialStore(stateDir: string): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(stateDir)) {
    if (
      name.startsWith("credentials.db") ||
      name.startsWith("credentials.pepper-") ||
      name === "credentials.state" ||
      name.startsWith(".credentials.state.")
    ) {
      const target = path.join(stateDir, name);
      // readdir names have no separators, so target is always directly inside stateDir.
      rmSync(target, { force: true, recursive: true });
      removed.push(name);
    }
  }
  return removed;
}
