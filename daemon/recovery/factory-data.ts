// Factory data (SPEC 8.2): the read-only file written at manufacturing by vendor/provision.ts.
// It holds the device id, the argon2id hash of the sticker's security code and the vendor's public
// keys. recoveryd never writes it. A recorder without one still runs, just without the security
// code, support unlock and signed grant paths.
import type { KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import * as z from "zod";
import { FactoryDataError } from "../errors.js";
import { importPublicJwk, type OkpCurve } from "./keys.js";

/** At most 64 UTF-8 bytes (one length byte in the challenge, SPEC 8.2). */
export const MAX_DEVICE_ID_BYTES = 64;

const ARGON2ID_PHC = /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{16,}$/;

const deviceIdSchema = z
  .string()
  .min(1, "must not be empty")
  .refine((s) => Buffer.byteLength(s, "utf8") <= MAX_DEVICE_ID_BYTES, {
    message: `must be at most ${MAX_DEVICE_ID_BYTES} bytes of UTF-8`,
  })
  // The id sits between newlines in the signed grant text and in file names on the USB stick.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), { message: "must not contain control characters" });

function publicJwk(crv: OkpCurve) {
  return (
    z
      .object({
        kty: z.literal("OKP"),
        crv: z.literal(crv),
        x: z.string().regex(/^[A-Za-z0-9_-]{43}$/, "must be 32 bytes of base64url"),
      })
      .loose()
      // A private half here would hand the vendor key to whoever reads the flash.
      .refine((jwk) => !("d" in jwk), {
        message: "must be a public key (a private key has no place in factory data)",
        path: ["d"],
      })
  );
}

const vendorKeySchema = z
  .object({
    id: z.number().int().min(0).max(255),
    unlock: publicJwk("X25519"),
    grant: publicJwk("Ed25519"),
  })
  .loose();

export const factoryDataSchema = z
  .object({
    deviceId: deviceIdSchema,
    model: z.string().min(1).max(128),
    brand: z.string().min(1).max(128).optional(),
    securityCodeHash: z.string().regex(ARGON2ID_PHC, "must be an argon2id PHC string ($argon2id$v=19$...)"),
    vendorKeys: z.array(vendorKeySchema).max(16),
  })
  .loose();

/** The JSON on disk. */
export type FactoryDataFile = z.infer<typeof factoryDataSchema>;

export interface VendorKey {
  /** The 1-byte key id carried in challenges and grants. */
  id: number;
  /** X25519 public key: support unlock codes. */
  unlock: KeyObject;
  /** Ed25519 public key: signed reset grants. */
  grant: KeyObject;
}

/** Validated factory data with the vendor keys already imported. */
export interface FactoryData {
  deviceId: string;
  model: string;
  brand?: string;
  securityCodeHash: string;
  vendorKeys: readonly VendorKey[];
}

/** Validates already-parsed JSON. `source` names the file in error messages. */
export function parseFactoryData(raw: unknown, source = "factory data"): FactoryData {
  const res = factoryDataSchema.safeParse(raw);
  if (!res.success) {
    const issue = res.error.issues[0];
    const field = issue ? fieldName(issue.path) : "(root)";
    throw new FactoryDataError(`${source}: field "${field}" ${issue?.message ?? "is invalid"}`);
  }
  const d = res.data;
  const seen = new Set<number>();
  const vendorKeys: VendorKey[] = d.vendorKeys.map((k, i) => {
    if (seen.has(k.id))
      throw new FactoryDataError(`${source}: field "vendorKeys[${i}].id" repeats key id ${k.id}`);
    seen.add(k.id);
    return {
      id: k.id,
      unlock: importKey(k.unlock, "X25519", `${source}: field "vendorKeys[${i}].unlock"`),
      grant: importKey(k.grant, "Ed25519", `${source}: field "vendorKeys[${i}].grant"`),
    };
  });
  return {
    deviceId: d.deviceId,
    model: d.model,
    ...(d.brand === undefined ? {} : { brand: d.brand }),
    securityCodeHash: d.securityCodeHash,
    vendorKeys,
  };
}

/**
 * Reads the factory file. No path configured, or no file at that path, means a device without
 * factory data (null). A file that exists but is unreadable or invalid is a FactoryDataError.
 */
export function loadFactoryData(file: string | undefined): FactoryData | null {
  if (!file) return null;
  let text: string;
  try {
    // Synchronous on purpose: read once at start, before anything else needs it.
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new FactoryDataError(`factory data ${file} cannot be read: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new FactoryDataError(`factory data ${file} is not valid JSON: ${(err as Error).message}`);
  }
  return parseFactoryData(raw, `factory data ${file}`);
}

export function findVendorKey(factory: FactoryData, id: number): VendorKey | undefined {
  return factory.vendorKeys.find((k) => k.id === id);
}

function importKey(jwk: { kty: "OKP"; crv: OkpCurve; x: string }, crv: OkpCurve, what: string): KeyObject {
  try {
    return importPublicJwk(jwk, crv);
  } catch (err) {
    throw new FactoryDataError(`${what} is not a usable ${crv} public key: ${(err as Error).message}`);
  }
}

function fieldName(segs: readonly PropertyKey[]): string {
  if (segs.length === 0) return "(root)";
  return segs
    .map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? String(s) : `.${String(s)}`))
    .join("");
}
