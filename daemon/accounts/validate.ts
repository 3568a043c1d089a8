// Input checks for the account operations: bad input is refused with a ValidationError before
// anything is read, hashed or written.
import { ValidationError } from "../errors.js";
import type { ResetReason, Role } from "../services.js";

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,31}$/;
const ROLES: readonly Role[] = ["admin", "operator", "viewer"];
const RESET_REASONS: readonly ResetReason[] = ["button", "factory", "security-code", "unlock", "grant"];
/** Passwords typed at login are bounded too, far above anything the policy accepts. */
export const MAX_LOGIN_PASSWORD_CHARS = 4096;

export function parseUsername(v: unknown): string {
  if (typeof v !== "string" || !USERNAME.test(v)) {
    throw new ValidationError(
      "username: 1 to 32 characters, letters, digits and . _ @ -, starting with a letter or digit",
      { field: "username" },
    );
  }
  return v;
}

/**
 * What login accepts as a name: the username form, any case (unknown names are judged like known
 * ones). Anything else (a passphrase typed into the wrong field, control characters) is refused
 * here, before it can reach a log, the audit or the lockout table (issue 12).
 */
export function parseLoginName(v: unknown): string {
  if (typeof v !== "string" || !USERNAME.test(v)) {
    throw new ValidationError(
      "username: 1 to 32 characters, letters, digits and . _ @ -, starting with a letter or digit",
      { field: "username" },
    );
  }
  return v;
}

export function parsePasswordInput(v: unknown, field = "password"): string {
  if (typeof v !== "string" || v.length === 0 || v.length > MAX_LOGIN_PASSWORD_CHARS) {
    throw new ValidationError(`${field}: a non-empty string`, { field });
  }
  return v;
}

export function parseRole(v: unknown): Role {
  if (typeof v !== "string" || !ROLES.includes(v as Role)) {
    throw new ValidationError(`role: one of ${ROLES.join(", ")}`, { field: "role" });
  }
  return v as Role;
}

export function parseResetReason(v: unknown): ResetReason {
  if (typeof v !== "string" || !RESET_REASONS.includes(v as ResetReason)) {
    throw new ValidationError(`reset reason: one of ${RESET_REASONS.join(", ")}`, { field: "reason" });
  }
  return v as ResetReason;
}

export function parseTokenName(v: unknown): string {
  if (typeof v !== "string" || v.trim().length === 0 || v.length > 64 || /\p{Cc}/u.test(v)) {
    throw new ValidationError("token name: 1 to 64 printable characters", { field: "name" });
  }
  return v.trim();
}

export function parseTtlDays(v: unknown, fallback: number, max = 3650): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > max) {
    throw new ValidationError(`ttlDays: a whole number of days from 1 to ${max}`, { field: "ttlDays" });
  }
  return v;
}

export function optionalString(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string" || v.length > 512) throw new ValidationError(`${field}: a string`, { field });
  return v;
}
