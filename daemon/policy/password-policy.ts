// Password policy per SPEC 5 (NIST SP 800-63B rev 4, OWASP ASVS 5): a minimum length, a generous
// maximum, no truncation and no composition rules; refused when it is a vendor default, built
// from the account's or the device's own names, or common. Each refusal names its reason.
//
// The blocklist checks come before the length check on purpose: "1234 is a factory default"
// tells the user more than "too short".
import { PasswordPolicyError, ValidationError } from "../errors.js";
import { isCommonPassword } from "./blocklist.js";
import { hasControlCharacter, isKeyboardWalk, repeatedDigits, skeletons } from "./derived.js";
import { passwordRefusal, type RefusalFacts } from "./refusals.js";
import { guessesLog10 } from "./strength.js";
import {
  alnumOf,
  builtFrom,
  codePoints,
  deleet,
  digitsOf,
  isSequence,
  lettersOf,
  normalizePassword,
  repeatedUnit,
} from "./text.js";
import { VENDOR_DEFAULTS, VENDOR_WORDS } from "./vendor-defaults.js";

export type PolicyReason =
  | "too_short"
  | "too_long"
  | "control_character"
  | "vendor_default"
  | "context"
  | "keyboard_walk"
  | "common"
  | "weak";

/** Words the password must not be built from: the account's and the recorder's own names. */
export interface PolicyContext {
  username?: string | undefined;
  deviceId?: string | undefined;
  model?: string | undefined;
  brand?: string | undefined;
}

export interface PolicyOptions {
  minLength: number;
  maxLength?: number;
  /**
   * The strength estimator's minimum, as log10 of the guesses it estimates (10 = 10^10 guesses,
   * zxcvbn's top score). 0 turns the estimator off.
   */
  minGuessesLog10?: number;
}

/** Far above the 64 NIST asks to accept; only there to bound the work per request. */
export const MAX_PASSWORD_LENGTH = 256;
/**
 * Letters a "built from" password may have besides its words: "admin@4k" (admin + k) is built
 * from "admin", "camel" (cam + el) is not built from "cam".
 */
function spare(letters: string): number {
  return Math.min(2, Math.floor(letters.length / 4));
}

function built(pw: string, words: ReadonlySet<string>): boolean {
  const plain = lettersOf(pw);
  const unleet = deleet(pw);
  return builtFrom(plain, words, spare(plain)) || builtFrom(unleet, words, spare(unleet));
}

const vendorWords: ReadonlySet<string> = new Set(VENDOR_WORDS);

/** Throws PasswordPolicyError (or ValidationError for a non-string); returns when acceptable. */
export function checkPassword(password: unknown, opts: PolicyOptions, ctx: PolicyContext = {}): void {
  if (typeof password !== "string") throw new ValidationError("password must be a string");
  const pw = normalizePassword(password);
  const length = codePoints(pw);
  const max = opts.maxLength ?? MAX_PASSWORD_LENGTH;
  if (length > max) refuse("too_long", { limit: max, length });
  if (hasControlCharacter(pw)) refuse("control_character");
  if (isVendorDefault(pw)) refuse("vendor_default");
  if (isFromContext(pw, ctx)) refuse("context");
  if (length < opts.minLength) refuse("too_short", { limit: opts.minLength, length });
  if (isKeyboardWalk(pw)) refuse("keyboard_walk");
  if (isCommon(pw)) refuse("common");
  const min = opts.minGuessesLog10 ?? 0;
  if (min > 0 && guessesLog10(pw) < min) refuse("weak");
}

/** The check as a value, for callers that want the reason without an exception. */
export function passwordProblem(
  password: string,
  opts: PolicyOptions,
  ctx: PolicyContext = {},
): PolicyReason | null {
  try {
    checkPassword(password, opts, ctx);
    return null;
  } catch (err) {
    if (err instanceof PasswordPolicyError) return err.reason as PolicyReason;
    throw err;
  }
}

/** The wording comes from the one table every path shares. */
function refuse(reason: PolicyReason, facts: RefusalFacts = {}): never {
  throw new PasswordPolicyError(reason, passwordRefusal(reason, facts));
}

function isVendorDefault(pw: string): boolean {
  const lower = pw.toLowerCase().trim();
  if (VENDOR_DEFAULTS.has(lower)) return true;
  const unit = repeatedUnit(lower);
  if (unit !== null && VENDOR_DEFAULTS.has(unit)) return true;
  // A default repeated with separators or a suffix: "admin-admin-admin-1", "Adm1nAdm1n!!".
  if (skeletons(pw).some((s) => VENDOR_DEFAULTS.has(s) || vendorWords.has(s))) return true;
  const digits = digitsOf(pw);
  if (lettersOf(pw) === "" && digits.length >= 8) {
    const dUnit = repeatedUnit(digits);
    if (dUnit !== null && VENDOR_DEFAULTS.has(dUnit)) return true;
    // "1234512345123451": a default repeated and cut anywhere.
    for (const d of VENDOR_DEFAULTS) {
      const repeats = /^\d{4,}$/.test(d) && digits.length >= 2 * d.length;
      if (repeats && d.repeat(Math.ceil(digits.length / d.length)).startsWith(digits)) return true;
    }
  }
  return built(pw, vendorWords);
}

function isFromContext(pw: string, ctx: PolicyContext): boolean {
  const values = [ctx.username, ctx.deviceId, ctx.model, ctx.brand]
    .filter((v): v is string => typeof v === "string")
    .map((v) => normalizePassword(v).trim())
    .filter((v) => v.length > 0);
  if (values.length === 0) return false;
  const lower = pw.toLowerCase();
  const alnum = alnumOf(pw);
  const words = new Set<string>(vendorWords);
  for (const v of values) {
    const vAlnum = alnumOf(v);
    if (lower === v.toLowerCase() || (vAlnum.length > 0 && alnum === vAlnum)) return true;
    // The whole name inside the password: "MyRecorderDS7608NI!" contains the model.
    if (vAlnum.length >= 4 && alnum.includes(vAlnum)) return true;
    // Long digit runs of a serial ("20240101") used as the password's numbers.
    if (lettersOf(pw) === "") {
      const pwDigits = digitsOf(pw);
      for (const run of v.match(/\d{4,}/g) ?? []) if (pwDigits.includes(run)) return true;
    }
    // The names and their parts ("DS-7608NI-K2" → "ds", "ni") become words to build from.
    const letters = lettersOf(v);
    if (letters.length > 0) words.add(letters);
    for (const piece of v.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
      const pieceLetters = lettersOf(piece);
      if (pieceLetters.length >= 2) words.add(pieceLetters);
    }
  }
  // Letters only from those words (plus digits and symbols): "alice1999alice!", "Ali(e2024".
  return built(pw, words);
}

function isCommon(pw: string): boolean {
  const lower = pw.toLowerCase();
  if (isCommonPassword(lower)) return true;
  if (repeatedDigits(pw)) return true;
  // Disguised: "Dragon2024Dragon2024", "Football#1Football", "m0nkey!!!!!!".
  if (skeletons(pw).some((s) => s.length >= 4 && isCommonPassword(s))) return true;
  // Common core with digits or symbols around it: "sunshine2024!!!!!", "!!iloveyou123456".
  const core = lower.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, "");
  if (core.length >= 8 && core !== lower && isCommonPassword(core)) return true;
  const unit = repeatedUnit(lower);
  if (unit !== null && (codePoints(unit) <= 4 || isCommonPassword(unit))) return true;
  return isSequence(lower);
}
