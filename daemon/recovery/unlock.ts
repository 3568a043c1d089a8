// Support unlock (SPEC 6, 8.2), after the Chromium Cr50 RMA unlock. Pure wire format and maths,
// shared by the daemon and the vendor tool (vendor/unlock-code.ts):
//
//   challenge bytes = 0x01 ‖ keyId(1) ‖ ephemeral X25519 public (32) ‖ len(1) ‖ deviceId (UTF-8, ≤ 64)
//   challenge       = base32(challenge bytes)
//   k               = SHA-256(X25519(ephemeral private, vendor public))   (device side)
//                   = SHA-256(X25519(vendor private, ephemeral public))   (vendor side)
//   code            = base32(HMAC-SHA256(k, challenge bytes)[0..5])        (8 characters)
import { createHash, createHmac, diffieHellman, type KeyObject, timingSafeEqual } from "node:crypto";
import { base32Decode, base32Encode, base32Normalize } from "./base32.js";
import { WireFormatError } from "./errors.js";
import { MAX_DEVICE_ID_BYTES } from "./factory-data.js";
import { x25519PublicFromRaw } from "./keys.js";

export const CHALLENGE_VERSION = 0x01;
export const UNLOCK_CODE_LENGTH = 8;
const HEADER_BYTES = 1 + 1 + 32 + 1;

export interface ChallengeFields {
  keyId: number;
  /** Raw 32-byte X25519 public key. */
  ephemeralPublic: Uint8Array;
  deviceId: string;
}

export interface DecodedChallenge extends ChallengeFields {
  /** The exact bytes the MAC covers. */
  bytes: Buffer;
}

export function encodeChallengeBytes(f: ChallengeFields): Buffer {
  if (!Number.isInteger(f.keyId) || f.keyId < 0 || f.keyId > 255)
    throw new WireFormatError("challenge", "key id must be 0-255");
  if (f.ephemeralPublic.length !== 32)
    throw new WireFormatError("challenge", "ephemeral public key must be 32 bytes");
  const id = Buffer.from(f.deviceId, "utf8");
  if (id.length === 0 || id.length > MAX_DEVICE_ID_BYTES)
    throw new WireFormatError("challenge", `device id must be 1-${MAX_DEVICE_ID_BYTES} bytes of UTF-8`);
  return Buffer.concat([
    Buffer.from([CHALLENGE_VERSION, f.keyId]),
    f.ephemeralPublic,
    Buffer.from([id.length]),
    id,
  ]);
}

export function encodeChallenge(f: ChallengeFields): string {
  return base32Encode(encodeChallengeBytes(f));
}

export function decodeChallenge(text: string): DecodedChallenge {
  const bytes = base32Decode(text);
  if (bytes.length < HEADER_BYTES + 1) throw new WireFormatError("challenge", "too short");
  if (bytes[0] !== CHALLENGE_VERSION)
    throw new WireFormatError("challenge", `version ${bytes[0]} is not supported (expected 1)`);
  const len = bytes[HEADER_BYTES - 1] ?? 0;
  if (len === 0 || len > MAX_DEVICE_ID_BYTES)
    throw new WireFormatError("challenge", `device id length ${len} is out of range`);
  if (bytes.length !== HEADER_BYTES + len)
    throw new WireFormatError("challenge", `is ${bytes.length} bytes, expected ${HEADER_BYTES + len}`);
  let deviceId: string;
  try {
    deviceId = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(HEADER_BYTES));
  } catch {
    throw new WireFormatError("challenge", "device id is not valid UTF-8");
  }
  return { keyId: bytes[1] ?? 0, ephemeralPublic: bytes.subarray(2, 34), deviceId, bytes };
}

/** The code from the X25519 shared secret; the same on both sides. */
export function unlockCodeFromSharedSecret(shared: Uint8Array, challengeBytes: Uint8Array): string {
  const k = createHash("sha256").update(shared).digest();
  const mac = createHmac("sha256", k).update(challengeBytes).digest();
  return base32Encode(mac.subarray(0, 5));
}

/** Device side: ephemeral private key × vendor unlock public key. */
export function deviceUnlockCode(
  ephemeralPrivate: KeyObject,
  vendorUnlockPublic: KeyObject,
  challengeBytes: Uint8Array,
): string {
  const shared = x25519(ephemeralPrivate, vendorUnlockPublic);
  return unlockCodeFromSharedSecret(shared, challengeBytes);
}

/** Vendor side: vendor unlock private key × the challenge's ephemeral public key. */
export function vendorUnlockCode(
  challenge: string,
  vendorUnlockPrivate: KeyObject,
): { code: string; keyId: number; deviceId: string } {
  const c = decodeChallenge(challenge);
  const shared = x25519(vendorUnlockPrivate, x25519PublicFromRaw(c.ephemeralPublic));
  return { code: unlockCodeFromSharedSecret(shared, c.bytes), keyId: c.keyId, deviceId: c.deviceId };
}

/** Upper case, no spaces or dashes, exactly 8 base32 characters; WireFormatError otherwise. */
export function normalizeUnlockCode(input: string): string {
  const code = base32Normalize(input);
  if (!/^[A-Z2-7]{8}$/.test(code))
    throw new WireFormatError("unlock code", "must be 8 base32 characters (A-Z, 2-7)");
  return code;
}

/** Constant-time comparison of two normalized codes. */
export function unlockCodesEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected, "ascii");
  const b = Buffer.from(given, "ascii");
  return a.length === b.length && timingSafeEqual(a, b);
}

function x25519(privateKey: KeyObject, publicKey: KeyObject): Buffer {
  try {
    return diffieHellman({ privateKey, publicKey });
  } catch {
    // OpenSSL refuses low-order points (an all-zero shared secret): a forged or corrupt challenge.
    throw new WireFormatError("challenge", "ephemeral public key is not usable for X25519");
  }
}
