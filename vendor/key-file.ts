// The vendor's key pair files. The private file (keep it offline, mode 0600) holds both halves:
// X25519 for support-unlock codes and Ed25519 for signing reset grants, under a 1-byte key id.
// The public file is exactly one `vendorKeys` entry of factory data (SPEC 8.2).
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import * as z from "zod";
import {
  exportPrivateJwk,
  exportPublicJwk,
  importPrivateJwk,
  type OkpPrivateJwk,
  type OkpPublicJwk,
} from "../daemon/recovery/keys.js";

export const PRIVATE_KEY_TYPE = "recoveryd-vendor-key";

export interface VendorPrivateKeyFile {
  type: typeof PRIVATE_KEY_TYPE;
  v: 1;
  id: number;
  unlock: OkpPrivateJwk;
  grant: OkpPrivateJwk;
}

export interface VendorPublicKeyEntry {
  id: number;
  unlock: OkpPublicJwk;
  grant: OkpPublicJwk;
}

export interface VendorPrivateKey {
  id: number;
  unlock: KeyObject;
  grant: KeyObject;
}

const b64 = z.string().regex(/^[A-Za-z0-9_-]{43}$/);
const privJwk = (crv: "X25519" | "Ed25519") =>
  z.object({ kty: z.literal("OKP"), crv: z.literal(crv), x: b64, d: b64 });

const privateFileSchema = z.object({
  type: z.literal(PRIVATE_KEY_TYPE),
  v: z.literal(1),
  id: z.number().int().min(0).max(255),
  unlock: privJwk("X25519"),
  grant: privJwk("Ed25519"),
});

export function generateVendorKey(id: number): {
  privateFile: VendorPrivateKeyFile;
  publicEntry: VendorPublicKeyEntry;
} {
  if (!Number.isInteger(id) || id < 0 || id > 255) throw new Error("key id must be an integer 0-255");
  const unlock = generateKeyPairSync("x25519");
  const grant = generateKeyPairSync("ed25519");
  return {
    privateFile: {
      type: PRIVATE_KEY_TYPE,
      v: 1,
      id,
      unlock: exportPrivateJwk(unlock.privateKey),
      grant: exportPrivateJwk(grant.privateKey),
    },
    publicEntry: { id, unlock: exportPublicJwk(unlock.publicKey), grant: exportPublicJwk(grant.publicKey) },
  };
}

export function parseVendorPrivateKey(raw: unknown, source = "vendor key"): VendorPrivateKey {
  const res = privateFileSchema.safeParse(raw);
  if (!res.success) {
    const issue = res.error.issues[0];
    throw new Error(`${source}: field "${issue?.path.map(String).join(".") || "(root)"}" ${issue?.message}`);
  }
  return {
    id: res.data.id,
    unlock: importPrivateJwk(res.data.unlock, "X25519"),
    grant: importPrivateJwk(res.data.grant, "Ed25519"),
  };
}

export function loadVendorPrivateKey(file: string): VendorPrivateKey {
  return parseVendorPrivateKey(JSON.parse(readFileSync(file, "utf8")), file);
}
