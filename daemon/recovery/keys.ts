// Key plumbing shared by the device and the vendor tools: JWKs (RFC 8037, OKP) in and out of
// node:crypto KeyObjects, and the raw 32-byte X25519 public key that travels in a challenge.
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { WireFormatError } from "./errors.js";

export type OkpCurve = "X25519" | "Ed25519";

export interface OkpPublicJwk {
  kty: "OKP";
  crv: OkpCurve;
  x: string;
}

export interface OkpPrivateJwk extends OkpPublicJwk {
  d: string;
}

const KEY_TYPE: Record<OkpCurve, string> = { X25519: "x25519", Ed25519: "ed25519" };

export function importPublicJwk(jwk: OkpPublicJwk, crv: OkpCurve): KeyObject {
  const key = createPublicKey({ key: { kty: "OKP", crv: jwk.crv, x: jwk.x }, format: "jwk" });
  if (key.asymmetricKeyType !== KEY_TYPE[crv]) throw new WireFormatError("key", `is not an ${crv} key`);
  return key;
}

export function importPrivateJwk(jwk: OkpPrivateJwk, crv: OkpCurve): KeyObject {
  const key = createPrivateKey({ key: { kty: "OKP", crv: jwk.crv, x: jwk.x, d: jwk.d }, format: "jwk" });
  if (key.asymmetricKeyType !== KEY_TYPE[crv]) throw new WireFormatError("key", `is not an ${crv} key`);
  return key;
}

export function exportPublicJwk(key: KeyObject): OkpPublicJwk {
  const jwk = key.export({ format: "jwk" });
  return { kty: "OKP", crv: jwk.crv as OkpCurve, x: String(jwk.x) };
}

export function exportPrivateJwk(key: KeyObject): OkpPrivateJwk {
  const jwk = key.export({ format: "jwk" });
  return { kty: "OKP", crv: jwk.crv as OkpCurve, x: String(jwk.x), d: String(jwk.d) };
}

/** The 32 raw bytes of an X25519 public key (a private key gives its public half). */
export function x25519RawPublic(key: KeyObject): Buffer {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  const raw = Buffer.from(String(pub.export({ format: "jwk" }).x), "base64url");
  if (raw.length !== 32) throw new WireFormatError("key", "X25519 public key is not 32 bytes");
  return raw;
}

export function x25519PublicFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new WireFormatError("key", "X25519 public key must be 32 bytes");
  return createPublicKey({
    key: { kty: "OKP", crv: "X25519", x: Buffer.from(raw).toString("base64url") },
    format: "jwk",
  });
}
