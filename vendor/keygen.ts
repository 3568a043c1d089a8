// Vendor tool: makes a vendor key pair for recoveryd (SPEC 6, 8.2).
//
//   tsx vendor/keygen.ts --id 7 [--out-dir DIR]
//
// writes DIR/vendor-key-7.private.json (mode 0600; keep it offline: it unlocks every recorder
// provisioned with it) and DIR/vendor-key-7.public.json (a factory-data `vendorKeys` entry, for
// vendor/provision.ts --vendor-key).
import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { writeFileAtomic } from "../daemon/recovery/atomic-file.js";
import { EXIT_OK, type Io, isMain, runCli, UsageError } from "./cli.js";
import { generateVendorKey } from "./key-file.js";

export const USAGE = "usage: keygen --id <0-255> [--out-dir <dir>] [--force]";

export async function main(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      id: { type: "string" },
      "out-dir": { type: "string", default: "." },
      force: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.id === undefined || !/^\d{1,3}$/.test(values.id) || Number(values.id) > 255)
    throw new UsageError("--id must be a number from 0 to 255");
  const id = Number(values.id);
  const dir = values["out-dir"];
  const privFile = path.join(dir, `vendor-key-${id}.private.json`);
  const pubFile = path.join(dir, `vendor-key-${id}.public.json`);
  if (!values.force && (existsSync(privFile) || existsSync(pubFile)))
    throw new Error(`${privFile} or ${pubFile} exists; pass --force to replace it`);
  const { privateFile, publicEntry } = generateVendorKey(id);
  await writeFileAtomic(privFile, `${JSON.stringify(privateFile, null, 2)}\n`, 0o600);
  await writeFileAtomic(pubFile, `${JSON.stringify(publicEntry, null, 2)}\n`, 0o644);
  io.out(`private key: ${privFile}`);
  io.out(`public key:  ${pubFile}`);
  return EXIT_OK;
}

if (isMain(import.meta.url)) void runCli(USAGE, main);
