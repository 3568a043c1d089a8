// When the credential store cannot be opened (a corrupt database, a failing flash), the daemon
// still comes up: the LED shows the fault pattern, every API call answers 503 store_unavailable,
// and a technician's credential-reset hold rebuilds the store from nothing.
import { readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { StoreUnavailableError } from "./errors.js";
import type { AccountService } from "./services.js";

/** Exit code asking the service manager for a restart (sysexits EX_TEMPFAIL). */
export const EXIT_RESTART = 75;

export function unavailableAccounts(reason: string): AccountService {
  const fail = (): never => {
    throw new StoreUnavailableError(
      `credential store unavailable (${reason}): hold the reset button 5-15 s to rebuild it`,
    );
  };
  return {
    status: fail,
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
 * Removes the credential database, its WAL/SHM/journal and every pepper file. Without their
 * pepper, whatever old hashes the removed files held can never verify again.
 */
export function removeCredentialStore(stateDir: string): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(stateDir)) {
    if (name.startsWith("credentials.db") || name.startsWith("credentials.pepper-")) {
      rmSync(path.join(stateDir, name), { force: true });
      removed.push(name);
    }
  }
  return removed;
}
