// Typed access to the mail tables of credentials.db (migration 004). Synchronous like the rest
// of the credential store: each method is atomic with respect to the event loop.
import type { Db } from "../store/db.js";

export interface EmailRow {
  username: string;
  email: string | null;
  pendingEmail: string | null;
  pendingCodeHash: Buffer | null;
  pendingExpiresAt: number | null;
  pendingTries: number;
}

export interface CodeRow {
  username: string;
  codeHash: Buffer;
  expiresAt: number;
  tries: number;
}

export interface OutboxRow {
  id: number;
  kind: string;
  recipient: string;
  subject: string;
  body: string;
  createdAt: number;
  attempts: number;
  nextAt: number;
}

export interface NewMail {
  kind: string;
  recipient: string;
  subject: string;
  body: string;
}

export class MailRepo {
  constructor(readonly db: Db) {}

  email(username: string): EmailRow | undefined {
    const r = this.db
      .prepare<[string], Record<string, unknown>>(
        `SELECT username, email, pending_email, pending_code_hash, pending_expires_at, pending_tries
         FROM account_emails WHERE username = ?`,
      )
      .get(username);
    if (!r) return undefined;
    return {
      username: r.username as string,
      email: (r.email as string | null) ?? null,
      pendingEmail: (r.pending_email as string | null) ?? null,
      pendingCodeHash: (r.pending_code_hash as Buffer | null) ?? null,
      pendingExpiresAt: (r.pending_expires_at as number | null) ?? null,
      pendingTries: r.pending_tries as number,
    };
  }

  setPending(username: string, email: string, codeHash: Buffer, expiresAt: number): void {
    this.db
      .prepare(
        `INSERT INTO account_emails (username, pending_email, pending_code_hash, pending_expires_at, pending_tries)
         VALUES (?, ?, ?, ?, 0)
         ON CONFLICT (username) DO UPDATE SET pending_email = excluded.pending_email,
           pending_code_hash = excluded.pending_code_hash, pending_expires_at = excluded.pending_expires_at,
           pending_tries = 0`,
      )
      .run(username, email, codeHash, expiresAt);
  }

  pendingFailed(username: string, maxTries: number): void {
    this.db
      .prepare(`UPDATE account_emails SET pending_tries = pending_tries + 1 WHERE username = ?`)
      .run(username);
    this.db
      .prepare(
        `UPDATE account_emails SET pending_email = NULL, pending_code_hash = NULL, pending_expires_at = NULL
         WHERE username = ? AND pending_tries >= ?`,
      )
      .run(username, maxTries);
  }

  confirmPending(username: string, now: number): void {
    this.db
      .prepare(
        `UPDATE account_emails SET email = pending_email, verified_at = ?, pending_email = NULL,
         pending_code_hash = NULL, pending_expires_at = NULL, pending_tries = 0 WHERE username = ?`,
      )
      .run(now, username);
  }

  /** Verified addresses of admins: where notices go. */
  adminAddresses(): string[] {
    return this.db
      .prepare<[], { email: string }>(
        `SELECT DISTINCT e.email AS email FROM account_emails e JOIN accounts a ON a.username = e.username
         WHERE a.role = 'admin' AND e.email IS NOT NULL ORDER BY e.email`,
      )
      .all()
      .map((r) => r.email);
  }

  code(username: string): CodeRow | undefined {
    const r = this.db
      .prepare<[string], { username: string; code_hash: Buffer; expires_at: number; tries: number }>(
        "SELECT username, code_hash, expires_at, tries FROM forgot_codes WHERE username = ?",
      )
      .get(username);
    return r && { username: r.username, codeHash: r.code_hash, expiresAt: r.expires_at, tries: r.tries };
  }

  /** One live code per account: a new one replaces the old. */
  putCode(username: string, codeHash: Buffer, now: number, expiresAt: number): void {
    this.db
      .prepare(
        `INSERT INTO forgot_codes (username, code_hash, created_at, expires_at, tries) VALUES (?, ?, ?, ?, 0)
         ON CONFLICT (username) DO UPDATE SET code_hash = excluded.code_hash,
           created_at = excluded.created_at, expires_at = excluded.expires_at, tries = 0`,
      )
      .run(username, codeHash, now, expiresAt);
  }

  /** Counts a wrong code; the code dies at `maxTries`. Returns the tries so far. */
  codeFailed(username: string, maxTries: number): number {
    return this.db.transaction(() => {
      this.db.prepare("UPDATE forgot_codes SET tries = tries + 1 WHERE username = ?").run(username);
      const tries = this.code(username)?.tries ?? maxTries;
      if (tries >= maxTries) this.deleteCode(username);
      return tries;
    })();
  }

  deleteCode(username: string): void {
    this.db.prepare("DELETE FROM forgot_codes WHERE username = ?").run(username);
  }

  sendsSince(username: string, since: number): number {
    return (
      this.db
        .prepare<[string, number], { n: number }>(
          "SELECT count(*) AS n FROM forgot_sends WHERE username = ? AND sent_at > ?",
        )
        .get(username, since)?.n ?? 0
    );
  }

  recordSend(username: string, now: number, pruneBefore: number): void {
    this.db.prepare("DELETE FROM forgot_sends WHERE sent_at <= ?").run(pruneBefore);
    this.db.prepare("INSERT INTO forgot_sends (username, sent_at) VALUES (?, ?)").run(username, now);
  }

  enqueue(mails: readonly NewMail[], now: number): number[] {
    const st = this.db.prepare(
      `INSERT INTO mail_outbox (kind, recipient, subject, body, created_at, next_at) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    return this.db.transaction(() =>
      mails.map((m) => Number(st.run(m.kind, m.recipient, m.subject, m.body, now, now).lastInsertRowid)),
    )();
  }

  nextDue(now: number): OutboxRow | undefined {
    const r = this.db
      .prepare<[number], Record<string, unknown>>(
        "SELECT * FROM mail_outbox WHERE next_at <= ? ORDER BY next_at, id LIMIT 1",
      )
      .get(now);
    return r && toOutbox(r);
  }

  /** When the earliest waiting mail is due; null when the outbox is empty. */
  earliest(): number | null {
    return (
      this.db.prepare<[], { t: number | null }>("SELECT min(next_at) AS t FROM mail_outbox").get()?.t ?? null
    );
  }

  pending(): number {
    return this.db.prepare<[], { n: number }>("SELECT count(*) AS n FROM mail_outbox").get()?.n ?? 0;
  }

  sent(id: number): void {
    this.db.prepare("DELETE FROM mail_outbox WHERE id = ?").run(id);
  }

  retryLater(id: number, nextAt: number, error: string): void {
    this.db
      .prepare("UPDATE mail_outbox SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?")
      .run(nextAt, error.slice(0, 200), id);
  }
}

function toOutbox(r: Record<string, unknown>): OutboxRow {
  return {
    id: r.id as number,
    kind: r.kind as string,
    recipient: r.recipient as string,
    subject: r.subject as string,
    body: r.body as string,
    createdAt: r.created_at as number,
    attempts: r.attempts as number,
    nextAt: r.next_at as number,
  };
}
