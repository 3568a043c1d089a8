// The one table of password-refusal wording. Every path that sets a password (first setup, a new
// account, a password change, forgot-password by email; through the API, recoveryctl or the web
// pages) refuses through checkPassword with these words, so the same password gets the same
// answer everywhere (test/integration/password-refusals.test.ts holds every path to it).
import type { PolicyReason } from "./password-policy.js";

export interface RefusalFacts {
  /** The policy's limit (minimum or maximum length) where the reason has one. */
  limit?: number;
  /** The refused password's length in characters (code points). */
  length?: number;
}

export const PASSWORD_REFUSALS: Readonly<Record<PolicyReason, (f: RefusalFacts) => string>> = {
  too_long: (f) => `use at most ${f.limit} characters (this one has ${f.length})`,
  control_character: () =>
    "a password may not contain control characters (tab, newline, NUL and the like): letters, digits, spaces and symbols only",
  vendor_default: () => "this is a well-known factory default password, or built from one: choose another",
  context: () =>
    "this password is built from the user name or the recorder's own name, model or serial number",
  too_short: (f) =>
    `use at least ${f.limit} characters (this one has ${f.length}); a few unrelated words are long and easy to remember`,
  keyboard_walk: () => "this password is a walk along the keyboard (like qwerty or 1qaz2wsx): choose another",
  common: () =>
    "this is one of the most common passwords, or built from one, or only repeats or counts characters: choose another",
  weak: () =>
    "this password follows a pattern that is quick to guess (words with digits, dates, repeats): a few unrelated words are stronger",
};

export function passwordRefusal(reason: PolicyReason, facts: RefusalFacts = {}): string {
  return PASSWORD_REFUSALS[reason](facts);
}
