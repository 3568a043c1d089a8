// Wires the mail module into the daemon: the outbox worker, the service behind the email and
// forgot-password calls, the notices that follow audited events, and the weekly report.
import type { OpenedAccounts } from "../accounts/open.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config/schema.js";
import type { Logger } from "../log.js";
import type { AuditSink } from "../services.js";
import {
  type Device,
  noticeMail,
  resetNoticeBody,
  resetNoticeSubject,
  weeklyReportMail,
} from "./messages.js";
import { Outbox } from "./outbox.js";
import { MailRepo } from "./repo.js";
import { CODE_TTL_MS, MailService } from "./service.js";
import { createSmtpTransport, type MailTransport } from "./transport.js";

const WEEK = 7 * 24 * 3_600_000;
const REPORT_KEY = "mail.weeklyReportAt";

/** Audited events that send a notice, by the `mail.notify` switch that turns them off. */
const NOTICE_OF: Record<string, keyof NonNullable<Config["mail"]>["notify"]> = {
  setup: "setup",
  "password-changed": "passwordChange",
  lockout: "lockout",
};

/**
 * An AuditSink in front of the real one: the accounts audit what happened, and this turns the
 * events that concern the owner into notices. Bound late, because the mail service needs the
 * opened accounts that take this sink.
 */
export class NoticeTap implements AuditSink {
  private mail: DaemonMail | null = null;
  constructor(private readonly inner: AuditSink) {}

  attach(mail: DaemonMail): void {
    this.mail = mail;
  }

  record(event: string, fields?: Record<string, unknown>): void {
    this.inner.record(event, fields);
    try {
      this.mail?.onAudit(event, fields ?? {});
    } catch {
      // A notice must never turn a login or a reset into an error.
    }
  }
}

export interface DaemonMailOptions {
  config: Config;
  env: NodeJS.ProcessEnv;
  accounts: OpenedAccounts;
  clock: Clock;
  log: Logger;
  audit: AuditSink;
  device: Device;
  /** For the weekly report. */
  report: () => Promise<string[]>;
  /** Tests give a transport of their own; the daemon builds nodemailer's from the config. */
  transport?: MailTransport;
}

export class DaemonMail {
  readonly service: MailService;
  readonly outbox: Outbox | null;
  private reportTimer: NodeJS.Timeout | null = null;

  constructor(private readonly o: DaemonMailOptions) {
    const cfg = o.config.mail;
    const repo = new MailRepo(o.accounts.mailPort.store.db);
    this.outbox = cfg
      ? new Outbox({
          repo,
          transport: o.transport ?? createSmtpTransport(cfg, o.env),
          clock: o.clock,
          log: o.log,
          audit: o.audit,
          retryMs: cfg.retrySeconds * 1000,
          giveUpMs: cfg.giveUpHours * 3_600_000,
          lifetimeMs: { "forgot-code": CODE_TTL_MS, "verify-code": CODE_TTL_MS },
        })
      : null;
    this.service = new MailService({
      accounts: o.accounts.mailPort,
      repo,
      outbox: this.outbox,
      clock: o.clock,
      log: o.log,
      audit: o.audit,
      device: o.device,
    });
    const store = o.accounts.mailPort.store;
    store.resetNotice =
      cfg?.notify.reset !== false && cfg
        ? { subject: resetNoticeSubject(o.device), body: resetNoticeBody(o.device) }
        : null;
  }

  /** Delivers what a previous run left in the outbox, and starts the weekly report. */
  start(): void {
    if (!this.outbox) return;
    const pending = this.service.repo.pending();
    if (pending > 0) this.o.log.info({ pending }, "mail outbox: delivering mails left from before");
    this.outbox.kick();
    if (this.o.config.mail?.weeklyReport) {
      this.reportTimer = setInterval(() => void this.maybeReport(), 3_600_000);
      this.reportTimer.unref();
      void this.maybeReport();
    }
  }

  onAudit(event: string, fields: Record<string, unknown>): void {
    const cfg = this.o.config.mail;
    if (!this.outbox || !cfg) return;
    // The reset's notice was queued inside the reset's own transaction: deliver it now.
    if (event === "credential-reset") {
      this.outbox.kick();
      return;
    }
    const kind = NOTICE_OF[event];
    if (!kind || !cfg.notify[kind]) return;
    const mail = noticeMail(this.o.device, event, fields);
    this.outbox.enqueue(
      this.service.repo
        .adminAddresses()
        .map((recipient) => ({ kind: `notice-${event}`, recipient, ...mail })),
    );
  }

  private async maybeReport(): Promise<void> {
    try {
      const store = this.o.accounts.mailPort.store;
      const last = Number(store.getSetting(REPORT_KEY) ?? 0);
      const now = this.o.clock.now();
      if (now - last < WEEK) return;
      const to = this.service.repo.adminAddresses();
      store.setSetting(REPORT_KEY, String(now));
      if (to.length === 0) return;
      const mail = weeklyReportMail(this.o.device, await this.o.report());
      this.outbox?.enqueue(to.map((recipient) => ({ kind: "report", recipient, ...mail })));
    } catch (err) {
      this.o.log.error({ err }, "weekly report failed");
    }
  }

  close(): void {
    if (this.reportTimer) clearInterval(this.reportTimer);
    this.outbox?.close();
  }
}
