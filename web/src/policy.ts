// The daemon's password policy (daemon/policy/password-policy.ts), run in the browser as the
// user types. The word-list rules are the daemon's alone (daemon-only-rules.ts); the length
// minimum is the configuration default, since the API does not publish the configured one: a
// recorder configured differently refuses on submit with its own reason, which the page shows.
import { PasswordPolicyError } from "../../daemon/errors.js";
import { checkPassword } from "../../daemon/policy/password-policy.js";

/** `password.minLength`'s default in daemon/config/schema.ts. */
export const DEFAULT_MIN_LENGTH = 15;

/** The refusal's message, or null when the browser finds nothing against the password. */
export function passwordProblem(password: string, username: string): string | null {
  try {
    checkPassword(password, { minLength: DEFAULT_MIN_LENGTH }, { username });
    return null;
  } catch (err) {
    if (err instanceof PasswordPolicyError) return err.message;
    return err instanceof Error ? err.message : String(err);
  }
}
