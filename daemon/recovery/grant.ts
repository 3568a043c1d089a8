// Signed reset grant (SPEC 6, 8.2). Pure wire format, signing and verification, shared by the
// daemon and the vendor tool (vendor/sign-grant.ts). The device exports a request with a
// fresh nonce; the vendor signs a grant (Ed25519) over
//
//   "recoveryd-reset-grant/v1\n{deviceId}\n{nonce}\n{action}\n{notAfter}"
//
// and the device checks it against the vendor public key in factory data and its pending nonces.
import { type KeyObject, sign, verify } from "node:crypto";
import * as z from "zod";
import { WireFormatError } from "./errors.js";

export const REQUEST_TYPE = "recoveryd-reset-request";
export const GRANT_TYPE = "recoveryd-reset-grant";
export const GRANT_SIGNING_PREFIX = "recoveryd-reset-grant/v1";
export const GRANT_ACTIONS = ["credential-reset", "factory-reset"] as const;
export type GrantAction = (typeof GRANT_ACTIONS)[number];

/** Grants and requests are tiny; anything bigger is not one (and is not parsed). */
export const MAX_DOCUMENT_BYTES = 8192;
export const NONCE_BYTES = 16;

// Type aliases (not interfaces) so the documents fit index-signature shapes such as the API's.
export type ResetRequest = {
  type: typeof REQUEST_TYPE;
  v: 1;
  deviceId: string;
  /** base64url of 16 random bytes. */
  nonce: string;
  /** ISO-8601 UTC. */
  createdAt: string;
};

export type ResetGrant = {
  type: typeof GRANT_TYPE;
  v: 1;
  deviceId: string;
  nonce: string;
  action: GrantAction;
  /** ISO-8601 UTC, exactly as signed. */
  notAfter: string;
  keyId: number;
  /** base64url Ed25519 signature. */
  signature: string;
};

const isoUtc = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/, "must be an ISO-8601 UTC time")
  .refine((s) => Number.isFinite(Date.parse(s)), { message: "must be a real date" });
const nonce = z.string().regex(/^[A-Za-z0-9_-]{22}$/, "must be base64url of 16 bytes");
const deviceId = z.string().min(1).max(256);

const requestSchema = z
  .object({ type: z.literal(REQUEST_TYPE), v: z.literal(1), deviceId, nonce, createdAt: isoUtc })
  .strict();

const grantSchema = z
  .object({
    type: z.literal(GRANT_TYPE),
    v: z.literal(1),
    deviceId,
    nonce,
    action: z.enum(GRANT_ACTIONS),
    notAfter: isoUtc,
    keyId: z.number().int().min(0).max(255),
    signature: z
      .string()
      .regex(/^[A-Za-z0-9_-]{86}$/, "must be base64url of a 64-byte Ed25519 signature")
      // One text per signature: the last character's 4 spare bits must be zero (RFC 4648 3.5),
      // so a grant cannot be replayed or logged under a second spelling.
      .refine((v) => Buffer.from(v, "base64url").toString("base64url") === v, "must be canonical base64url"),
  })
  .strict();

/** Key order as in SPEC 8.2, so the JSON looks the same from every implementation. */
export function makeResetRequest(deviceIdValue: string, nonceBytes: Uint8Array, nowMs: number): ResetRequest {
  if (nonceBytes.length !== NONCE_BYTES) throw new WireFormatError("reset request", "nonce must be 16 bytes");
  return {
    type: REQUEST_TYPE,
    v: 1,
    deviceId: deviceIdValue,
    nonce: Buffer.from(nonceBytes).toString("base64url"),
    createdAt: new Date(nowMs).toISOString(),
  };
}

export function parseResetRequest(input: unknown): ResetRequest {
  return parseDocument(input, requestSchema, "reset request") as ResetRequest;
}

export function parseGrant(input: unknown): ResetGrant {
  return parseDocument(input, grantSchema, "reset grant") as ResetGrant;
}

export function grantSigningText(g: Pick<ResetGrant, "deviceId" | "nonce" | "action" | "notAfter">): string {
  return `${GRANT_SIGNING_PREFIX}\n${g.deviceId}\n${g.nonce}\n${g.action}\n${g.notAfter}`;
}

/** Vendor side. `notAfter` is used verbatim (it is what gets signed). */
export function signGrant(
  request: Pick<ResetRequest, "deviceId" | "nonce">,
  action: GrantAction,
  notAfter: string,
  keyId: number,
  grantPrivateKey: KeyObject,
): ResetGrant {
  const fields = { deviceId: request.deviceId, nonce: request.nonce, action, notAfter };
  const signature = sign(null, Buffer.from(grantSigningText(fields), "utf8"), grantPrivateKey);
  return {
    type: GRANT_TYPE,
    v: 1,
    ...fields,
    keyId,
    signature: signature.toString("base64url"),
  };
}

export type GrantRefusal =
  | "wrong_device"
  | "unknown_key"
  | "bad_signature"
  | "unknown_nonce"
  | "nonce_consumed"
  | "expired"
  | "expiry_too_far";

export type GrantVerdict =
  | { ok: true; action: GrantAction; keyId: number }
  | { ok: false; reason: GrantRefusal; message: string };

export interface GrantContext {
  deviceId: string;
  /** The vendor's Ed25519 public key for a key id. */
  grantKey(keyId: number): KeyObject | undefined;
  /** When the request carrying this nonce was made (wall ms), if it is still pending. */
  pendingCreatedAt(nonce: string): number | undefined;
  /** True when this nonce was already used by an accepted grant. */
  consumed(nonce: string): boolean;
  nowMs: number;
  maxHours: number;
}

/** Every check of SPEC 6; the first failure wins. Pure: consuming the nonce is the caller's job. */
export function verifyGrant(g: ResetGrant, ctx: GrantContext): GrantVerdict {
  const refuse = (reason: GrantRefusal, message: string): GrantVerdict => ({ ok: false, reason, message });
  if (g.deviceId !== ctx.deviceId) return refuse("wrong_device", "the grant is for another device");
  const key = ctx.grantKey(g.keyId);
  if (!key) return refuse("unknown_key", `vendor key id ${g.keyId} is not in this recorder's factory data`);
  const signed = verify(
    null,
    Buffer.from(grantSigningText(g), "utf8"),
    key,
    Buffer.from(g.signature, "base64url"),
  );
  if (!signed) return refuse("bad_signature", "the grant's signature does not verify");
  if (ctx.consumed(g.nonce)) return refuse("nonce_consumed", "this grant's request was already used");
  const createdAt = ctx.pendingCreatedAt(g.nonce);
  if (createdAt === undefined)
    return refuse("unknown_nonce", "no pending reset request matches this grant (expired, or not from here)");
  const notAfter = Date.parse(g.notAfter);
  if (ctx.nowMs > notAfter) return refuse("expired", `the grant expired at ${g.notAfter}`);
  if (notAfter - createdAt > ctx.maxHours * 3_600_000)
    return refuse("expiry_too_far", `the grant is valid for more than ${ctx.maxHours} h after its request`);
  return { ok: true, action: g.action, keyId: g.keyId };
}

function parseDocument(input: unknown, schema: z.ZodType, what: string): unknown {
  let raw = input;
  if (typeof input === "string" || Buffer.isBuffer(input)) {
    const text = input.toString();
    if (Buffer.byteLength(text) > MAX_DOCUMENT_BYTES)
      throw new WireFormatError(what, `is larger than ${MAX_DOCUMENT_BYTES} bytes`);
    try {
      raw = JSON.parse(text);
    } catch {
      throw new WireFormatError(what, "is not valid JSON");
    }
  }
  const res = schema.safeParse(raw);
  if (!res.success) {
    const issue = res.error.issues[0];
    const field = issue?.path.length ? issue.path.map(String).join(".") : "(document)";
    throw new WireFormatError(what, `field "${field}" ${issue?.message ?? "is invalid"}`);
  }
  return res.data;
}
