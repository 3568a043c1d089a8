// The durable outbox: every mail is a row in credentials.db first, then delivered in the
// background, one at a time. A send never runs on the path of a request, a press or a reset:
// they only insert a row and kick the worker. Failures retry with exponential backoff (from
// mail.retrySeconds, doubling, at most an hour apart); after mail.giveUpHours the mail is dropped.
// Every outcome is audited (never the body: it may hold a code).
import type { Clock } from "../clock.js";
import type { Logger } from "../log.js";
import type { AuditSink } from "../services.js";
import type { MailRepo, NewMail } from "./repo.js";
import type { MailTransport } from "./transport.js";

const HOUR = 3_600_000;

export interface OutboxOptions {
  repo: MailRepo;
  transport: MailTransport;
  clock: Clock;
  log: Logger;
  audit: AuditSink;
  retryMs: number;
  giveUpMs: number;
  /** Kinds whose content dies sooner (a code mail is useless once its code expired). */
  lifetimeMs?: Record<string, number>;
}

export class Outbox {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private again = false;
  private closed = false;

  constructor(private readonly o: OutboxOptions) {}

  /** Inserts (durably) and schedules delivery. Returns the outbox ids. */
  enqueue(mails: readonly NewMail[]): number[] {
    if (mails.length === 0) return [];
    const ids = this.o.repo.enqueue(mails, this.o.clock.now());
    for (const [i, m] of mails.entries()) this.o.audit.record("mail-queued", { id: ids[i], kind: m.kind });
    this.kick();
    return ids;
  }

  /** Deliver whatever is due, soon (never synchronously). */
  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.o.transport.close();
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = null;
        void this.drain();
      },
      Math.max(0, Math.min(delayMs, HOUR)),
    );
  }

  private async drain(): Promise<void> {
    if (this.running || this.closed) return;
    this.running = true;
    try {
      for (;;) {
        this.again = false;
        const row = this.o.repo.nextDue(this.o.clock.now());
        if (!row) break;
        await this.deliver(row);
        if (this.closed) return;
      }
    } catch (err) {
      this.o.log.error({ err }, "mail outbox failed");
    } finally {
      this.running = false;
    }
    if (this.closed) return;
    const next = this.o.repo.earliest();
    if (this.again) this.schedule(0);
    else if (next !== null) this.schedule(next - this.o.clock.now());
  }

  private async deliver(row: {
    id: number;
    kind: string;
    recipient: string;
    subject: string;
    body: string;
    createdAt: number;
    attempts: number;
  }): Promise<void> {
    const started = this.o.clock.now();
    const lifetime = this.o.lifetimeMs?.[row.kind];
    if (lifetime !== undefined && started - row.createdAt >= lifetime) {
      // Its code has expired: the plaintext need not wait on disk any longer, nor be sent.
      this.o.repo.sent(row.id);
      this.o.audit.record("mail-gave-up", {
        id: row.id,
        kind: row.kind,
        attempts: row.attempts,
        error: "expired",
      });
      return;
    }
    try {
      await this.o.transport.send({ to: row.recipient, subject: row.subject, text: row.body });
      this.o.repo.sent(row.id);
      const ms = this.o.clock.now() - started;
      this.o.audit.record("mail-sent", { id: row.id, kind: row.kind, attempts: row.attempts + 1, ms });
      this.o.log.info({ event: "mail-sent", id: row.id, kind: row.kind, ms }, "mail delivered");
    } catch (err) {
      const error = describe(err);
      const now = this.o.clock.now();
      if (now - row.createdAt >= this.o.giveUpMs) {
        this.o.repo.sent(row.id);
        this.o.audit.record("mail-gave-up", {
          id: row.id,
          kind: row.kind,
          attempts: row.attempts + 1,
          error,
        });
        this.o.log.error({ event: "mail-gave-up", id: row.id, kind: row.kind, error }, "mail dropped");
        return;
      }
      const delay = Math.min(HOUR, this.o.retryMs * 2 ** Math.min(row.attempts, 20));
      this.o.repo.retryLater(row.id, now + delay, error);
      this.o.audit.record("mail-failed", {
        id: row.id,
        kind: row.kind,
        attempt: row.attempts + 1,
        error,
        retryInMs: delay,
      });
      this.o.log.warn(
        { event: "mail-failed", id: row.id, kind: row.kind, error, retryInMs: delay },
        "mail not delivered",
      );
    }
  }
}

/** A short, secret-free description of a send failure (nodemailer codes and SMTP reply codes). */
function describe(err: unknown): string {
  const e = err as { code?: string; responseCode?: number; message?: string };
  const parts = [e.code, e.responseCode ? String(e.responseCode) : undefined].filter(Boolean);
  return (parts.length > 0 ? parts.join(" ") : (e.message ?? "error")).slice(0, 120);
}
