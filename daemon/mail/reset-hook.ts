// Runs inside the credential reset's transaction (CredentialStore.resetAll): every registered
// address and live code dies with the credentials (SPEC 5), and, in the same commit, the
// registered admin addresses get the reset notice, so a reset is never without its notice nor
// a notice without its reset. Mails that carry a code (forgot, verification) are dropped from
// the outbox: their codes are dead and the plaintext must not wait on disk.
import type { ResetReason } from "../services.js";
import type { Db } from "../store/db.js";

/** Set on the store by the mail module when reset notices are on; the store knows nothing else of mail. */
export interface ResetNotice {
  subject: string;
  body: (reason: ResetReason, at: number, generation: number) => string;
}

export function wipeMailOnReset(
  db: Db,
  generation: number,
  lastReset: { at: number; reason: ResetReason } | null,
  resetNotice: ResetNotice | null,
): void {
  if (resetNotice && lastReset) {
    db.prepare(
      `INSERT INTO mail_outbox (kind, recipient, subject, body, created_at, next_at)
       SELECT DISTINCT 'notice-reset', e.email, ?, ?, ?, ? FROM account_emails e
       JOIN accounts a ON a.username = e.username WHERE a.role = 'admin' AND e.email IS NOT NULL`,
    ).run(
      resetNotice.subject,
      resetNotice.body(lastReset.reason, lastReset.at, generation),
      lastReset.at,
      lastReset.at,
    );
  }
  db.exec(
    "DELETE FROM forgot_codes; DELETE FROM forgot_sends; DELETE FROM account_emails; DELETE FROM mail_outbox WHERE kind IN ('forgot-code', 'verify-code');",
  );
}
