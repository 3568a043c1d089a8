// The recovery paths besides the button (SPEC 6) and the factory reset (SPEC 4), behind one
// object the API, recoveryctl and the button wiring call. The imperative shell around the pure
// cores in base32/unlock/grant/lockout: it owns the clock, randomness, files and the audit trail.
//
// Every attempt is audited with its outcome and reason, never with the secret. A refusal is a
// RecoveryRefusedError (or LockedError / TooManyRequestsError / a ValidationError for text that
// is not a code or grant at all) and changes no account state.

import { randomBytes } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { ConflictError, NotFoundError, RecoveryRefusedError, TooManyRequestsError } from "../errors.js";
import type { ResetOptions } from "../services.js";
import { writeFileAtomic } from "./atomic-file.js";
import { UnlockChallenges } from "./challenge.js";
import { UsbUnavailableError, WireFormatError } from "./errors.js";
import { findVendorKey } from "./factory-data.js";
import { FactoryReset } from "./factory-reset.js";
import {
  GRANT_TYPE,
  MAX_DOCUMENT_BYTES,
  makeResetRequest,
  NONCE_BYTES,
  parseGrant,
  verifyGrant,
} from "./grant.js";
import { RequestStore } from "./request-store.js";
import { createSecurityCodeVerifier } from "./security-code.js";
import type { RecoveryOptions, RecoveryPath, RecoveryService } from "./types.js";
import { type GrantFileOutcome, UsbGrantWatcher } from "./usb-watch.js";

export type {
  RecoveryOptions,
  RecoveryPath,
  RecoveryService,
  RecoveryStatus,
  ResetRequestView,
} from "./types.js";

/** Remote resets hand their caller a one-time setup token; they never open the window (SPEC 4). */
const REMOTE: ResetOptions = { openWindow: false, issueSetupToken: true };
const BUTTON: ResetOptions = { openWindow: true, issueSetupToken: false };

export function createRecovery(opts: RecoveryOptions): RecoveryService {
  const { config, clock, log, audit, accounts, factory } = opts;
  const seams = opts.seams ?? {};
  const random = seams.randomBytes ?? randomBytes;
  const dir = path.join(opts.stateDir, "recovery");
  const rc = config.recovery;
  const vendorKey = factory?.vendorKeys[0];

  const securityCode = createSecurityCodeVerifier({
    hash: factory?.securityCodeHash ?? null,
    stateFile: path.join(dir, "security-code-attempts.json"),
    policy: config.lockout,
    clock,
    audit,
    log,
    ...(seams.verifyHash ? { verifyHash: seams.verifyHash } : {}),
  });

  // The first vendor key signs challenges; grants may use any key in factory data.
  const challenges =
    factory && vendorKey
      ? new UnlockChallenges({
          deviceId: factory.deviceId,
          vendorKey,
          clock,
          ttlMs: rc.challengeTtlSeconds * 1000,
          minIntervalMs: rc.challengeMinIntervalSeconds * 1000,
          tries: rc.challengeTries,
          ...(seams.generateEphemeral ? { generateEphemeral: seams.generateEphemeral } : {}),
        })
      : null;

  const requests = new RequestStore({
    file: path.join(dir, "reset-requests.json"),
    maxHours: rc.grantMaxHours,
    log,
  });

  const resetter = new FactoryReset({
    stateDir: dir,
    restore: config.factoryReset.restore,
    preserve: config.factoryReset.preserve,
    afterCommand: config.factoryReset.afterCommand,
    credentialReset: (o) => accounts.credentialReset("factory", o),
    generation: () => accounts.status().generation,
    clock,
    log,
    audit,
    ...(seams.onFactoryStep ? { onStep: seams.onFactoryStep } : {}),
    ...(seams.runCommand ? { runCommand: seams.runCommand } : {}),
    ...(seams.afterCommandDelayMs !== undefined ? { afterCommandDelayMs: seams.afterCommandDelayMs } : {}),
  });

  let usbWatcher: UsbGrantWatcher | null = null;

  // Resets run one at a time: a grant arriving from USB while the API runs an unlock waits.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };

  const refuse = (event: string, reason: string, message: string, fields: Record<string, unknown> = {}) => {
    audit.record(event, { outcome: "refused", reason, ...fields });
    log.info({ event, reason }, "recovery attempt refused");
    return new RecoveryRefusedError(reason, message, reason === "unavailable" ? 409 : 403);
  };

  const requireVendor = (event: string) => {
    if (!factory || !vendorKey)
      throw refuse(
        event,
        "unavailable",
        "this recorder has no vendor keys in factory data for this recovery path",
      );
    return factory;
  };

  async function afterCredentialReset(): Promise<void> {
    challenges?.drop();
    await requests.dropPending(clock.now());
    await securityCode.clearLockout();
  }

  async function remoteCredentialReset(
    event: string,
    reason: "security-code" | "unlock" | "grant",
    fields: Record<string, unknown>,
  ) {
    const outcome = await accounts.credentialReset(reason, REMOTE);
    await afterCredentialReset();
    audit.record(event, {
      outcome: "ok",
      action: "credential-reset",
      generation: outcome.generation,
      ...fields,
    });
    log.warn({ path: reason, generation: outcome.generation }, "credentials reset by a remote recovery path");
    return outcome;
  }

  async function usbFolder(wanted: boolean): Promise<string | null> {
    if (!wanted) return null;
    const usbDir = rc.usbDir;
    if (!usbDir) throw new UsbUnavailableError("no USB folder is configured (recovery.usbDir)");
    const st = await stat(usbDir).catch(() => null);
    if (!st?.isDirectory()) throw new UsbUnavailableError(`no USB stick is mounted at ${usbDir}`);
    return usbDir;
  }

  async function writeRequestToUsb(usbDir: string, deviceId: string, request: unknown): Promise<string> {
    const usbFile = path.join(usbDir, requestFileName(deviceId));
    await writeFileAtomic(usbFile, `${JSON.stringify(request, null, 2)}\n`, 0o644);
    return usbFile;
  }

  // Every file considered is logged and audited with why (issue 15): a technician with a wrong
  // file on the stick reads the reason in the audit log instead of guessing.
  async function readGrantFile(file: string): Promise<GrantFileOutcome> {
    const name = path.basename(file);
    const decided = (accepted: boolean, reason: string): GrantFileOutcome => {
      audit.record("usb-grant-file", { file: name, outcome: accepted ? "ok" : "refused", reason });
      log.info({ file: name, accepted, reason }, "USB file considered");
      opts.onUsbFile?.(accepted);
      return accepted ? "applied" : "refused";
    };
    let text: string;
    try {
      const buf = await readFile(file);
      if (buf.length > MAX_DOCUMENT_BYTES) throw new WireFormatError("reset grant", "file is too large");
      text = buf.toString("utf8");
    } catch (err) {
      log.warn({ err, file }, "USB grant file unreadable");
      return decided(false, "unreadable");
    }
    const kind = usbFileKind(text);
    if (kind !== "grant") return decided(false, kind);
    try {
      await service.applyGrant(text, "usb");
      return decided(true, "accepted");
    } catch (err) {
      // applyGrant audited the attempt itself; this names the file it came from.
      return decided(false, err instanceof RecoveryRefusedError ? err.reason : "malformed");
    }
  }

  const service: RecoveryService = {
    securityCode,

    offeredPaths() {
      const paths: RecoveryPath[] = ["button"];
      if (factory) paths.push("security-code");
      if (factory && vendorKey) paths.push("support-unlock", "signed-grant");
      return paths;
    },

    async securityCodeLockout() {
      if (!factory) return null;
      const s = await securityCode.lockState();
      return { locked: s.locked, retryAfterSeconds: s.retryAfterSeconds, endsAt: s.lockedUntil };
    },

    async status() {
      const now = clock.now();
      return {
        factoryData: factory !== null,
        deviceId: factory?.deviceId ?? null,
        model: factory?.model ?? null,
        brand: factory?.brand ?? null,
        offeredPaths: service.offeredPaths(),
        securityCode: factory ? await securityCode.lockState() : null,
        challenge: challenges?.status() ?? null,
        pendingRequests: factory ? await requests.pendingCount(now) : 0,
        factoryResetPending: await resetter.isPending(),
        usb: { dir: rc.usbDir ?? null, watching: usbWatcher?.watching ?? false },
      };
    },

    securityCodeReset(code: string) {
      return exclusive(async () => {
        // verify() audits the attempt itself (outcome, reason, lockout), and throws when locked.
        const ok = await securityCode.verify(code, "credential-reset");
        if (!ok) throw new RecoveryRefusedError("wrong_code", "wrong security code");
        return remoteCredentialReset("recovery.security-code", "security-code", {
          purpose: "credential-reset",
        });
      });
    },

    createChallenge() {
      requireVendor("recovery.challenge");
      if (!challenges) throw new Error("unreachable: vendor key without challenges");
      try {
        const view = challenges.create();
        audit.record("recovery.challenge", { outcome: "ok", keyId: view.keyId, expiresAt: view.expiresAt });
        log.info({ keyId: view.keyId, expiresAt: view.expiresAt }, "support-unlock challenge created");
        return view;
      } catch (err) {
        if (err instanceof TooManyRequestsError)
          audit.record("recovery.challenge", {
            outcome: "refused",
            reason: "rate_limited",
            retryAfterSeconds: err.retryAfterSeconds,
          });
        throw err;
      }
    },

    unlock(code: string, challengeId?: string) {
      return exclusive(async () => {
        requireVendor("recovery.unlock");
        if (!challenges) throw new Error("unreachable: vendor key without challenges");
        let result: ReturnType<UnlockChallenges["attempt"]>;
        try {
          result = challenges.attempt(code, challengeId);
        } catch (err) {
          audit.record("recovery.unlock", { outcome: "refused", reason: "malformed" });
          throw err;
        }
        if (!result.ok && result.reason === "anonymous_rate_limited") {
          audit.record("recovery.unlock", { outcome: "refused", reason: result.reason });
          throw new TooManyRequestsError(
            rc.challengeMinIntervalSeconds,
            "an unlock code without challengeId can be tried once per interval; give the challengeId",
            "unlock_rate_limited",
          );
        }
        if (!result.ok) {
          throw refuse("recovery.unlock", result.reason, unlockMessage(result.reason, result.triesLeft), {
            triesLeft: result.triesLeft,
            withId: challengeId !== undefined,
          });
        }
        return remoteCredentialReset("recovery.unlock", "unlock", { keyId: result.keyId });
      });
    },

    async resetRequest(reqOpts = {}) {
      const f = requireVendor("recovery.request");
      const toUsb = reqOpts.usb === true || reqOpts.writeToUsb === true;
      const usbDir = await usbFolder(toUsb);
      const now = clock.now();
      // A new request never pushes out a live one (issue 12): whoever asks, the live request is
      // the device's, readable by GET, and the one support signs.
      const live = await requests.live(now);
      if (live) {
        const expires = live.at + rc.grantMaxHours * 3_600_000;
        audit.record("recovery.request", { outcome: "refused", reason: "request_pending" });
        throw new ConflictError(
          "a reset request is pending: read it with GET /v1/recovery/request",
          "request_pending",
          {
            expiresAt: new Date(expires).toISOString(),
            retryAfterSeconds: Math.ceil((expires - now) / 1000),
          },
        );
      }
      const nonce = random(NONCE_BYTES);
      const request = makeResetRequest(f.deviceId, nonce, now);
      await requests.add(request.nonce, now);
      const usbFile = usbDir ? await writeRequestToUsb(usbDir, f.deviceId, request) : null;
      audit.record("recovery.request", {
        outcome: "ok",
        createdAt: request.createdAt,
        usb: usbFile !== null,
      });
      log.info({ createdAt: request.createdAt, usbFile }, "reset request created");
      return { request, usbFile };
    },

    async liveResetRequest(reqOpts = {}) {
      const f = requireVendor("recovery.request");
      const usbDir = await usbFolder(reqOpts.usb === true);
      const live = await requests.live(clock.now());
      if (!live) throw new NotFoundError("no reset request is pending: create one with POST", "no_request");
      const request = {
        ...makeResetRequest(f.deviceId, Buffer.from(live.nonce, "base64url"), live.at),
        nonce: live.nonce,
      };
      // Copying it to the stick changes nothing in the daemon: a read may do it.
      const usbFile = usbDir ? await writeRequestToUsb(usbDir, f.deviceId, request) : null;
      return { request, usbFile };
    },

    applyGrant(input: unknown, source: "api" | "usb" = "api") {
      return exclusive(async () => {
        const f = requireVendor("recovery.grant");
        let grant: ReturnType<typeof parseGrant>;
        try {
          grant = parseGrant(input);
        } catch (err) {
          audit.record("recovery.grant", { outcome: "refused", reason: "malformed", source });
          throw err;
        }
        const now = clock.now();
        const createdAt = await requests.pendingCreatedAt(grant.nonce, now);
        const consumed = await requests.isConsumed(grant.nonce);
        const verdict = verifyGrant(grant, {
          deviceId: f.deviceId,
          grantKey: (id) => findVendorKey(f, id)?.grant,
          pendingCreatedAt: () => createdAt,
          consumed: () => consumed,
          nowMs: now,
          maxHours: rc.grantMaxHours,
        });
        const fields = { source, keyId: grant.keyId, action: grant.action };
        if (!verdict.ok) throw refuse("recovery.grant", verdict.reason, verdict.message, fields);
        // A factory reset that cannot run (preserve overlap, missing defaults) must not use the grant up.
        if (verdict.action === "factory-reset") {
          try {
            await resetter.check();
          } catch (err) {
            audit.record("recovery.grant", {
              outcome: "failed",
              reason: "factory_reset_unavailable",
              ...fields,
            });
            throw err;
          }
        }
        // Consumed before the reset runs: a crash now loses the grant, it can never replay it.
        await requests.consume(grant.nonce, now);
        if (verdict.action === "credential-reset")
          return remoteCredentialReset("recovery.grant", "grant", fields);
        const outcome = await resetter.run("grant", REMOTE);
        await afterCredentialReset();
        audit.record("recovery.grant", { outcome: "ok", generation: outcome.generation, ...fields });
        return outcome;
      });
    },

    factoryReset(reason = "button", resetOpts?: ResetOptions) {
      return exclusive(async () => {
        const outcome = await resetter.run(reason, resetOpts ?? (reason === "button" ? BUTTON : REMOTE));
        await afterCredentialReset();
        return outcome;
      });
    },

    async resumeIfPending() {
      let finished = false;
      try {
        finished = await exclusive(() => resetter.resumeIfPending());
        if (finished) await afterCredentialReset();
      } catch (err) {
        // Audited by the resetter. The daemon must still start: the other paths stay usable and
        // the marker makes the next start try again.
        log.error({ err }, "could not finish the interrupted factory reset");
      }
      service.watchUsb();
      return finished;
    },

    afterCredentialReset,

    watchUsb() {
      if (usbWatcher || !rc.usbDir || !factory || !vendorKey) return;
      usbWatcher = new UsbGrantWatcher({
        dir: rc.usbDir,
        onGrantFile: readGrantFile,
        log,
        ...(seams.usbRescanMs ? { rescanMs: seams.usbRescanMs } : {}),
        ...(seams.usbSettleMs ? { settleMs: seams.usbSettleMs } : {}),
      });
      usbWatcher.start();
    },

    close() {
      usbWatcher?.close();
      usbWatcher = null;
      challenges?.drop();
      resetter.close();
    },
  };
  return service;
}

/** "grant" when the text is a reset grant document (valid or not), else why it is not one. */
function usbFileKind(text: string): "grant" | "not_json" | "not_a_grant" {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return "not_json";
  }
  const type = typeof doc === "object" && doc !== null ? (doc as { type?: unknown }).type : undefined;
  return type === GRANT_TYPE ? "grant" : "not_a_grant";
}

/** One request file per recorder on a stick shared between recorders. */
export function requestFileName(deviceId: string): string {
  return `recoveryd-${deviceId.replace(/[^A-Za-z0-9._-]/g, "_")}.request.json`;
}

function unlockMessage(reason: string, triesLeft: number): string {
  switch (reason) {
    case "wrong_code":
      return triesLeft > 0
        ? `wrong unlock code; ${triesLeft} ${triesLeft === 1 ? "try" : "tries"} left`
        : "wrong unlock code; the challenge is used up, ask for a new one";
    case "challenge_used":
      return "this challenge was already used; ask for a new one";
    case "challenge_expired":
      return "the challenge expired; ask for a new one";
    case "challenge_exhausted":
      return "the challenge is used up after too many wrong codes; ask for a new one";
    default:
      return "no challenge is pending (challenges die with a restart); ask for a new one";
  }
}
