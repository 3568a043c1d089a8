// In-memory recovery paths and audit log with the refusals of the real ones, for API tests.
import type {
  AuditApi,
  AuditEntryView,
  AuditVerifyView,
  ChallengeView,
  RecoveryApi,
  ResetGrantDoc,
} from "../../../daemon/api/deps.js";
import {
  ConflictError,
  LockedError,
  NotFoundError,
  RecoveryRefusedError,
  TooManyRequestsError,
} from "../../../daemon/errors.js";
import type { AccountService, ResetOutcome } from "../../../daemon/services.js";
import { SECURITY_CODE } from "./fake-accounts.js";

export const UNLOCK_CODE = "K7QX2MZP";
export const GOOD_SIGNATURE = "A".repeat(86);

export class FakeRecovery implements RecoveryApi {
  private codeFailures = 0;
  private challengeAt: number | null = null;
  private nonce: string | null = null;

  constructor(
    private readonly accounts: AccountService,
    private readonly now: () => number = Date.now,
  ) {}

  async securityCodeReset(securityCode: string): Promise<ResetOutcome> {
    if (this.codeFailures >= 3) throw new LockedError(60);
    if (securityCode !== SECURITY_CODE) {
      this.codeFailures++;
      throw new RecoveryRefusedError("wrong_code", "the security code is wrong");
    }
    return this.accounts.credentialReset("security-code", { openWindow: false, issueSetupToken: true });
  }

  createChallenge(): ChallengeView {
    const now = this.now();
    if (this.challengeAt !== null && now - this.challengeAt < 10_000) throw new TooManyRequestsError(10);
    this.challengeAt = now;
    return {
      challenge: "AEAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      expiresAt: new Date(now + 3600_000).toISOString(),
      keyId: 1,
    };
  }

  async unlock(code: string): Promise<ResetOutcome> {
    if (this.challengeAt === null)
      throw new RecoveryRefusedError("no_challenge", "ask for a challenge first", 409);
    if (code !== UNLOCK_CODE) throw new RecoveryRefusedError("wrong_code", "the unlock code is wrong");
    this.challengeAt = null;
    return this.accounts.credentialReset("unlock", { openWindow: false, issueSetupToken: true });
  }

  resetRequest(opts: { usb: boolean }) {
    if (this.nonce !== null) throw new ConflictError("a reset request is pending", "request_pending");
    this.nonce = "n".repeat(22);
    return this.liveResetRequest(opts);
  }

  liveResetRequest(opts: { usb: boolean }) {
    if (this.nonce === null) throw new NotFoundError("no reset request is pending", "no_request");
    return {
      request: {
        type: "recoveryd-reset-request",
        v: 1,
        deviceId: "DVR-TEST-1",
        nonce: this.nonce,
        createdAt: new Date(this.now()).toISOString(),
      },
      usbFile: opts.usb ? "/media/usb/recoveryd-request.json" : null,
    };
  }

  async applyGrant(grant: ResetGrantDoc): Promise<ResetOutcome> {
    if (grant.deviceId !== "DVR-TEST-1")
      throw new RecoveryRefusedError("other_device", "grant is for another device");
    if (grant.nonce !== this.nonce)
      throw new RecoveryRefusedError("unknown_nonce", "grant does not answer a request");
    if (grant.signature !== GOOD_SIGNATURE) throw new RecoveryRefusedError("bad_signature", "bad signature");
    this.nonce = null;
    return this.accounts.credentialReset("grant", { openWindow: false, issueSetupToken: true });
  }

  offeredPaths(): readonly string[] {
    return ["button", "security-code", "unlock", "grant"];
  }
}

export class FakeAudit implements AuditApi {
  readonly entries: AuditEntryView[] = [];
  tampered: AuditVerifyView["firstBad"] = undefined;

  record(event: string, fields: Record<string, unknown> = {}): void {
    this.entries.push({ seq: this.entries.length + 1, at: new Date().toISOString(), event, ...fields });
  }

  read(opts: { limit: number; sinceSeq?: number | undefined }): AuditEntryView[] {
    return this.entries.filter((e) => e.seq > (opts.sinceSeq ?? 0)).slice(-opts.limit);
  }

  verify(): AuditVerifyView {
    return this.tampered
      ? { ok: false, entries: this.entries.length, firstBad: this.tampered }
      : { ok: true, entries: this.entries.length };
  }
}
