// The recovery service's public shapes, apart from its implementation (service.ts) so the API,
// the daemon wiring and the tests can name them without pulling in the machinery.
import type { KeyObject } from "node:crypto";
import type { Clock } from "../clock.js";
import type { Config } from "../config/schema.js";
import type { Logger } from "../log.js";
import type { AccountService, AuditSink, ResetOptions, ResetOutcome } from "../services.js";
import type { ChallengeView } from "./challenge.js";
import type { FactoryData } from "./factory-data.js";
import type { ResetRequest } from "./grant.js";
import type { SecurityCodeLockState, SecurityCodeVerifier } from "./security-code.js";

export type RecoveryPath = "button" | "security-code" | "support-unlock" | "signed-grant";

export interface ResetRequestView {
  request: ResetRequest;
  /** Where the request was written on the USB stick, when asked for; null otherwise. */
  usbFile: string | null;
}

export interface RecoveryStatus {
  factoryData: boolean;
  deviceId: string | null;
  model: string | null;
  brand: string | null;
  offeredPaths: RecoveryPath[];
  securityCode: SecurityCodeLockState | null;
  challenge: { expiresAt: string; keyId: number; triesLeft: number } | null;
  pendingRequests: number;
  factoryResetPending: boolean;
  usb: { dir: string | null; watching: boolean };
}

export interface RecoveryService {
  /** The security-code check, for AccountService setup outside the window. */
  readonly securityCode: SecurityCodeVerifier;
  /** Ways back in this recorder offers (for status when an account is locked). */
  offeredPaths(): RecoveryPath[];
  /** The sticker code's lockout, or null without factory data. */
  securityCodeLockout(): Promise<{
    locked: boolean;
    retryAfterSeconds: number;
    endsAt: string | null;
  } | null>;
  status(): Promise<RecoveryStatus>;
  /** Credential reset with the sticker's code; answers with a one-time setup token. */
  securityCodeReset(code: string): Promise<ResetOutcome>;
  /** A new support-unlock challenge, next to the live ones (see challenge.ts). */
  createChallenge(): ChallengeView;
  /** Credential reset with support's code for the live challenge; answers with a setup token. */
  /** `challengeId` names the caller's own challenge (see challenge.ts). */
  unlock(code: string, challengeId?: string): Promise<ResetOutcome>;
  /**
   * A new reset request (and, with `usb`/`writeToUsb`, a copy on the USB stick). ConflictError
   * `request_pending` while one is live.
   */
  resetRequest(opts?: { usb?: boolean; writeToUsb?: boolean }): Promise<ResetRequestView>;
  /** The live reset request (NotFoundError `no_request` without one); `usb` copies it to the stick. */
  liveResetRequest(opts?: { usb?: boolean }): Promise<ResetRequestView>;
  /** Verifies and applies a signed grant (JSON text or parsed object). */
  applyGrant(grant: unknown, source?: "api" | "usb"): Promise<ResetOutcome>;
  /** The whole factory reset (the button's factory tier). */
  factoryReset(reason?: string, opts?: ResetOptions): Promise<ResetOutcome>;
  /** Finishes an interrupted factory reset, then starts the USB grant watcher. Never throws. */
  resumeIfPending(): Promise<boolean>;
  /** Drops what a credential reset must drop (live challenge, pending requests, code lockout). */
  afterCredentialReset(): Promise<void>;
  /** Starts watching recovery.usbDir for grant files (idempotent; no-op without one). */
  watchUsb(): void;
  close(): void;
}

export interface RecoveryOptions {
  stateDir: string;
  config: Config;
  clock: Clock;
  log: Logger;
  audit: AuditSink;
  accounts: AccountService;
  factory: FactoryData | null;
  /** Each USB file considered, once decided: drives the LED/buzzer (accepted vs refused). */
  onUsbFile?: (accepted: boolean) => void;
  /** Test seams; the real thing when absent. */
  seams?: {
    randomBytes?: (n: number) => Buffer;
    generateEphemeral?: () => { privateKey: KeyObject; publicKey: KeyObject };
    verifyHash?: (hash: string, code: string) => Promise<boolean>;
    onFactoryStep?: (step: string) => void | Promise<void>;
    runCommand?: (argv: readonly string[]) => Promise<number | null>;
    afterCommandDelayMs?: number;
    usbRescanMs?: number;
    usbSettleMs?: number;
  };
}
