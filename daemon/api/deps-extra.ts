// What the email, forgot-password and backup routes need (issue 16). Kept apart from deps.ts so
// the branches that touch the other routes merge without conflicts.
import type { Principal } from "../services.js";
import type { Awaitable } from "./deps.js";

export interface MailApi {
  address(who: Principal): Awaitable<{ email: string | null; pendingEmail: string | null }>;
  setAddress(
    who: Principal,
    email: string,
    password: string,
  ): Promise<{ pendingEmail: string; expiresAt: string }>;
  verifyAddress(who: Principal, code: string): Awaitable<{ email: string }>;
  testMail(who: Principal): Awaitable<{ queued: number; to: string }>;
  /** Must return at once and the same way for every name (no enumeration). */
  forgot(username: string): void;
  confirm(username: string, code: string, newPassword: string): Promise<void>;
}

/** Exactly one of passphrase and recipient (export) or passphrase and identity (restore). */
export interface BackupKey {
  passphrase?: string | undefined;
  recipient?: string | undefined;
  identity?: string | undefined;
}

export interface BackupApi {
  export(key: BackupKey, to: string | undefined): Promise<{ file: string; manifest: unknown }>;
  restore(key: BackupKey, file: string): Promise<{ restored: string[]; manifest: unknown }>;
}
