// What the API needs from the recovery and audit modules. Kept narrow and owned by the API so
// the routes can be tested with small in-memory implementations; main.ts adapts the real
// modules to these shapes. Methods may answer synchronously or with a promise.

import type { EventBus } from "../events.js";
import type { AccountService, ResetOutcome } from "../services.js";
import type { BackupApi, MailApi } from "./deps-extra.js";

export type Awaitable<T> = T | Promise<T>;

/** An unlock challenge for support (SPEC 6, 8.2). Extra fields are passed through to the caller. */
export interface ChallengeView {
  /** base32 challenge string to read to support. */
  challenge: string;
  /** ISO-8601 UTC. */
  expiresAt: string;
  [extra: string]: unknown;
}

/** The reset request of SPEC 8.2 (`type: "recoveryd-reset-request"`), passed through as is. */
export type ResetRequestDoc = Record<string, unknown>;

export interface ResetRequestView {
  request: ResetRequestDoc;
  /** Where the request was written when the caller asked for the USB folder; null otherwise. */
  usbFile: string | null;
}

/** A signed reset grant (SPEC 8.2), already shape-checked by the API. */
export interface ResetGrantDoc {
  type: "recoveryd-reset-grant";
  v: 1;
  deviceId: string;
  nonce: string;
  action: "credential-reset" | "factory-reset";
  notAfter: string;
  keyId: number;
  signature: string;
}

/** The remote recovery paths. Every refusal is a RecoverydError (usually RecoveryRefusedError). */
export interface RecoveryApi {
  securityCodeReset(securityCode: string): Awaitable<ResetOutcome>;
  createChallenge(): Awaitable<ChallengeView>;
  unlock(code: string, challengeId?: string): Awaitable<ResetOutcome>;
  /** `usb: true` also writes the request to the configured USB folder. */
  /** Creates a request; ConflictError `request_pending` while one is live. */
  resetRequest(opts: { usb: boolean }): Awaitable<ResetRequestView>;
  /** The live request; NotFoundError `no_request` without one. Changes nothing. */
  liveResetRequest(opts: { usb: boolean }): Awaitable<ResetRequestView>;
  applyGrant(grant: ResetGrantDoc): Awaitable<ResetOutcome>;
  /** The sticker code's lockout (null without factory data): status shows it (issue 15). */
  securityCodeLockout?(): Awaitable<{
    locked: boolean;
    retryAfterSeconds: number;
    endsAt: string | null;
  } | null>;
  /** Which ways back in this device offers (e.g. "button", "security-code", "unlock", "grant"). */
  offeredPaths(): readonly string[];
}

/** One audit entry as stored; at least its sequence number. Passed through to the caller. */
export interface AuditEntryView {
  seq: number;
  [field: string]: unknown;
}

export interface AuditVerifyView {
  ok: boolean;
  entries: number;
  firstBad?: { seq: number | null; file: string; line: number; problem: string; log?: string } | undefined;
  /** Every log's first problem (the general and the security log). */
  problems?: readonly { seq: number | null; file: string; line: number; problem: string; log?: string }[];
  [extra: string]: unknown;
}

export type AuditLogChoice = "general" | "security" | "all";

export interface AuditApi {
  read(opts: {
    limit: number;
    sinceSeq?: number | undefined;
    log?: AuditLogChoice;
  }): Awaitable<readonly AuditEntryView[]>;
  verify(): Awaitable<AuditVerifyView>;
}

export interface ApiDeps {
  accounts: AccountService;
  /** Absent when the device has no factory data: recovery calls answer 503. */
  recovery?: RecoveryApi | undefined;
  /** Absent in tests that do not care: audit calls answer 503. */
  audit?: AuditApi | undefined;
  events: EventBus;
  /** The daemon's active faults (store, factory data, sockets), named in GET /v1/status. */
  faults?: () => readonly { code: string; message: string }[];
  /** Email address and forgot password (issue 16); absent: those calls answer 503 (forgot: 202). */
  mail?: MailApi | undefined;
  backup?: BackupApi | undefined;
}
