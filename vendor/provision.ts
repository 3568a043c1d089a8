// Manufacturing tool: provisions one recorder's factory data (SPEC 6, 8.2).
//
//   tsx vendor/provision.ts --model NVR-8 [--brand Acme] [--device-id ID] \
//       --vendor-key vendor-key-7.public.json [--vendor-key ...] --out factory.json [--json] [--force]
//
// Makes a device id (unless given) and a random 80-bit security code, prints the sticker text,
// and writes factory data holding only the argon2id hash of the code (no pepper: factory data has
// to verify on any firmware) plus the vendor public keys. The code itself is shown once, here,
// for the sticker printer, and stored nowhere.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import argon2 from "argon2";
import { writeFileAtomic } from "../daemon/recovery/atomic-file.js";
import { base32Encode, groupsOf } from "../daemon/recovery/base32.js";
import { parseFactoryData } from "../daemon/recovery/factory-data.js";
import { normalizeSecurityCode } from "../daemon/recovery/security-code.js";
import { EXIT_OK, type Io, isMain, runCli, UsageError } from "./cli.js";

export const USAGE =
  "usage: provision --model <model> [--brand <brand>] [--device-id <id>] " +
  "--vendor-key <public key file> [--vendor-key ...] --out <factory.json> [--json] [--force]";

/** SPEC 5's floor; the code has 80 bits of entropy, so this is about uniformity, not strength. */
export const SECURITY_CODE_ARGON2 = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export function newSecurityCode(random: (n: number) => Buffer = randomBytes): string {
  return base32Encode(random(10)); // 80 bits → exactly 16 characters
}

export function newDeviceId(random: (n: number) => Buffer = randomBytes): string {
  return `REC-${base32Encode(random(10))}`;
}

export function stickerText(deviceId: string, code: string): string {
  return `Device ID:     ${deviceId}\nSecurity code: ${groupsOf(code, 4, " ")}`;
}

export async function main(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: "string" },
      brand: { type: "string" },
      "device-id": { type: "string" },
      "vendor-key": { type: "string", multiple: true, default: [] },
      out: { type: "string" },
      json: { type: "boolean", default: false },
      force: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (!values.model) throw new UsageError("--model is required");
  if (!values.out) throw new UsageError("--out is required");
  if (values["vendor-key"].length === 0) throw new UsageError("at least one --vendor-key is required");
  if (!values.force && existsSync(values.out))
    throw new Error(`${values.out} exists; pass --force to replace it`);

  const vendorKeys = values["vendor-key"].flatMap((file) => {
    const raw: unknown = JSON.parse(readFileSync(file, "utf8"));
    return Array.isArray(raw) ? raw : [raw];
  });
  const deviceId = values["device-id"] ?? newDeviceId();
  const code = newSecurityCode();
  const securityCodeHash = await argon2.hash(normalizeSecurityCode(code), SECURITY_CODE_ARGON2);
  const doc = {
    deviceId,
    model: values.model,
    ...(values.brand ? { brand: values.brand } : {}),
    securityCodeHash,
    vendorKeys,
  };
  // The daemon's own validation, before anything is written: a bad key file fails here.
  parseFactoryData(doc, "new factory data");
  await writeFileAtomic(values.out, `${JSON.stringify(doc, null, 2)}\n`, 0o444);

  if (values.json) {
    io.out(JSON.stringify({ deviceId, securityCode: groupsOf(code, 4), factoryFile: values.out }));
  } else {
    io.out(stickerText(deviceId, code));
    io.err(`factory data written to ${values.out}`);
  }
  return EXIT_OK;
}

if (isMain(import.meta.url)) void runCli(USAGE, main);
