// Registered addresses and forgot-password codes (SPEC 5, issue 16).
//
// No enumeration: `forgot` answers before it looks anything up. The lookup, the code and the
// mail happen afterwards, on a later turn of the event loop, so the 202 leaves at the same time
// whether the name exists, has an address, or is rate-limited.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { MailAccountPort } from "../accounts/mail-port.js";
import type { Clock } from "../clock.js";
import { InvalidCodeError, MailUnavailableError, NotFoundError, ValidationError } from "../errors.js";
import type { Logger } from "../log.js";
import { base32Encode, base32Normalize } from "../recovery/base32.js";
import type { AuditSink, Principal } from "../services.js";
import { addressChangeMail, type Device, forgotCodeMail, noticeMail, verifyCodeMail } from "./messages.js";
import type { Outbox } from "./outbox.js";
import type { MailRepo } from "./repo.js";

export const CODE_TTL_MS = 15 * 60_000;
export const CODE_TRIES = 5;
export const MAILS_PER_HOUR = 3;
const HOUR = 3_600_000;
const EMAIL =
  /^[^\s@<>()",;:\\[\]]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$/;

export interface MailServiceOptions {
  accounts: MailAccountPort;
  repo: MailRepo;
  /** Null when no relay is configured: addresses cannot be registered, forgot does nothing. */
  outbox: Outbox | null;
  clock: Clock;
  log: Logger;
  audit: AuditSink;
  device: Device;
}

/** 8 base32 characters: 40 random bits. */
export function newCode(): string {
  return base32Encode(randomBytes(5));
}

export class MailService {
  readonly repo: MailRepo;

  constructor(private readonly o: MailServiceOptions) {
    this.repo = o.repo;
  }

  get enabled(): boolean {
    return this.o.outbox !== null;
  }

  private hash(code: string): Buffer {
    return createHmac("sha256", this.o.accounts.codeKey()).update(base32Normalize(code)).digest();
  }

  private outbox(): Outbox {
    if (!this.o.outbox) throw new MailUnavailableError();
    return this.o.outbox;
  }

  address(who: Principal): { email: string | null; pendingEmail: string | null } {
    const row = this.repo.email(who.username);
    return { email: row?.email ?? null, pendingEmail: row?.pendingEmail ?? null };
  }

  async setAddress(
    who: Principal,
    email: unknown,
    password: unknown,
  ): Promise<{ pendingEmail: string; expiresAt: string }> {
    const outbox = this.outbox();
    if (typeof email !== "string" || email.length > 254 || !EMAIL.test(email))
      throw new ValidationError("email: a plain address such as owner@example.com");
    const account = await this.o.accounts.verifyPassword(who, typeof password === "string" ? password : "");
    const code = newCode();
    const now = this.o.clock.now();
    const old = this.repo.email(account.username)?.email ?? null;
    this.repo.setPending(account.username, email, this.hash(code), now + CODE_TTL_MS);
    const mails = [
      { kind: "verify-code", recipient: email, ...verifyCodeMail(this.o.device, account.username, code, 15) },
    ];
    if (old && old.toLowerCase() !== email.toLowerCase())
      mails.push({
        kind: "notice-email",
        recipient: old,
        ...addressChangeMail(this.o.device, account.username, email),
      });
    outbox.enqueue(mails);
    this.o.audit.record("email-pending", { username: account.username, replacing: old !== null });
    return { pendingEmail: email, expiresAt: new Date(now + CODE_TTL_MS).toISOString() };
  }

  verifyAddress(who: Principal, code: unknown): { email: string } {
    const account = this.o.accounts.account(who.username);
    if (!account) throw new NotFoundError("no such account");
    const row = this.repo.email(account.username);
    const now = this.o.clock.now();
    if (!row?.pendingEmail || !row.pendingCodeHash || (row.pendingExpiresAt ?? 0) <= now)
      throw new InvalidCodeError();
    if (typeof code !== "string" || !same(this.hash(code), row.pendingCodeHash)) {
      this.repo.pendingFailed(account.username, CODE_TRIES);
      this.o.audit.record("email-verify-failed", { username: account.username });
      throw new InvalidCodeError();
    }
    this.repo.confirmPending(account.username, now);
    this.o.audit.record("email-verified", { username: account.username });
    this.o.outbox?.enqueue([
      {
        kind: "notice-email",
        recipient: row.pendingEmail,
        ...noticeMail(this.o.device, "email-verified", { username: account.username }),
      },
    ]);
    return { email: row.pendingEmail };
  }

  testMail(who: Principal): { queued: number; to: string } {
    const outbox = this.outbox();
    const to = this.repo.email(who.username)?.email;
    if (!to) throw new NotFoundError("this account has no verified email address");
    const [id] = outbox.enqueue([{ kind: "test", recipient: to, ...noticeMail(this.o.device, "test", {}) }]);
    return { queued: id as number, to };
  }

  /** Always returns at once; the work happens on a later turn of the event loop. */
  forgot(username: string): void {
    setImmediate(() => {
      try {
        this.forgotNow(username);
      } catch (err) {
        this.o.log.error({ err }, "forgot-password request failed");
      }
    });
  }

  private forgotNow(username: string): void {
    const account = this.o.accounts.account(username);
    const email = account ? this.repo.email(account.username)?.email : null;
    const now = this.o.clock.now();
    let outcome: string;
    if (!this.o.outbox) outcome = "no-relay";
    else if (!account || !email) outcome = "no-address";
    else if (this.repo.sendsSince(account.username, now - HOUR) >= MAILS_PER_HOUR) outcome = "rate-limited";
    else {
      const code = newCode();
      this.repo.putCode(account.username, this.hash(code), now, now + CODE_TTL_MS);
      this.repo.recordSend(account.username, now, now - HOUR);
      this.o.outbox.enqueue([
        {
          kind: "forgot-code",
          recipient: email,
          ...forgotCodeMail(this.o.device, account.username, code, 15),
        },
      ]);
      outcome = "mailed";
    }
    this.o.audit.record("recovery.forgot", { username: username.slice(0, 64), outcome });
  }

  async confirm(username: string, code: string, newPassword: string): Promise<void> {
    const account = this.o.accounts.account(username);
    const row = account ? this.repo.code(account.username) : undefined;
    const now = this.o.clock.now();
    if (!account || !row || row.expiresAt <= now || row.tries >= CODE_TRIES) {
      this.o.audit.record("recovery.forgot-confirm", {
        username: username.slice(0, 64),
        outcome: "no-live-code",
      });
      throw new InvalidCodeError();
    }
    if (!same(this.hash(code), row.codeHash)) {
      const tries = this.repo.codeFailed(account.username, CODE_TRIES);
      this.o.audit.record("recovery.forgot-confirm", {
        username: account.username,
        outcome: tries >= CODE_TRIES ? "code-locked" : "wrong-code",
        tries,
      });
      throw new InvalidCodeError();
    }
    // A refused password does not spend the code: the owner picks a better one and retries.
    this.o.accounts.checkPolicy(account.username, newPassword);
    // Spent before hashing, so two confirmations racing with the right code cannot both win.
    this.repo.deleteCode(account.username);
    await this.o.accounts.resetPassword(account.username, newPassword);
    this.o.audit.record("recovery.forgot-confirm", { username: account.username, outcome: "password-set" });
  }
}

function same(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
