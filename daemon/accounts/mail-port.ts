// What the mail module (daemon/mail/) needs from the accounts, without reaching into them: the
// key its codes are hashed under, a password check under the lockout rules, and the password
// reset a confirmed forgot-password code allows.
import { createHmac } from "node:crypto";
import { ConflictError, InvalidCredentialsError } from "../errors.js";
import { checkPassword } from "../policy/password-policy.js";
import { normalizePassword } from "../policy/text.js";
import type { Principal } from "../services.js";
import type { AccountRow, CredentialStore } from "../store/credential-store.js";
import type { AccountCore } from "./core.js";
import { loginKey } from "./login-guard.js";
import { parsePasswordInput } from "./validate.js";
import { verifyGuarded } from "./verify.js";

export interface MailAccountPort {
  readonly store: CredentialStore;
  /** HMAC key for one-time codes; derived from the generation's pepper, so it dies with a reset. */
  codeKey(): Buffer;
  account(username: string): AccountRow | undefined;
  /** The caller's account after checking its current password (lockout rules apply). */
  verifyPassword(who: Principal, password: string): Promise<AccountRow>;
  /** Checks the policy only (before a code is spent). */
  checkPolicy(username: string, newPassword: string): void;
  /** Sets a new password and ends every session and API token of the account. */
  resetPassword(username: string, newPassword: string): Promise<void>;
}

export function mailAccountPort(core: AccountCore): MailAccountPort {
  const d = core.d;
  return {
    store: d.store,
    codeKey() {
      return createHmac("sha256", core.keyring.pepper).update("recoveryd-mail-code/v1").digest();
    },
    account(username) {
      core.ensureOpen();
      return d.store.getAccount(username);
    },
    async verifyPassword(who, password) {
      core.ensureOpen();
      const account = core.requireAdmin(who);
      const pw = normalizePassword(parsePasswordInput(password));
      return verifyGuarded(core, loginKey(account.username), account.username, pw, "password-change");
    },
    checkPolicy(username, newPassword) {
      checkPassword(
        parsePasswordInput(newPassword, "newPassword"),
        core.policyOptions(),
        core.policyContext(username),
      );
    },
    async resetPassword(username, newPassword) {
      core.ensureOpen();
      const account = d.store.getAccount(username);
      if (!account) throw new InvalidCredentialsError();
      const next = parsePasswordInput(newPassword, "newPassword");
      checkPassword(next, core.policyOptions(), core.policyContext(account.username));
      const { generation, pepper } = core.keyring;
      const hash = await d.hasher.hash(normalizePassword(next), pepper);
      core.ensureCurrent(generation);
      const now = d.clock.now();
      d.store.transaction(() => {
        if (!d.store.replaceHash(account.username, account.hash, hash, generation, now)) {
          throw new ConflictError(
            "the password was changed meanwhile; nothing was changed",
            "password_changed",
          );
        }
        // Whoever made the owner forget (or took) the password may hold a session or a token.
        d.store.deleteSessionsOf(account.username, null);
        d.store.deleteTokensOf(account.username, null);
      });
      // Checkpoint + state marker: the old hash leaves the WAL before the answer (issue 11).
      core.committed();
      // The owner proved control of the address: the lockout that brought them here ends.
      d.guard.success(loginKey(account.username));
      d.audit.record("password-changed", { username: account.username, by: "forgot-code" });
    },
  };
}
