// Vendor tool: the support-unlock code for a recorder's challenge (SPEC 6, 8.2).
//
//   tsx vendor/unlock-code.ts --key vendor-key-7.private.json <challenge> [--json]
//
// The challenge may be pasted bare (with spaces or dashes) or in the groups recoveryctl prints,
// whose check characters are verified: a misheard group is named. Prints the 8-character code to read back to
// the owner; device and key id go to stderr (or into --json) so support can check them.
import { parseArgs } from "node:util";
import { looksGrouped, ungroupChallenge } from "../daemon/recovery/challenge-groups.js";
import { vendorUnlockCode } from "../daemon/recovery/unlock.js";
import { EXIT_OK, type Io, isMain, runCli, UsageError } from "./cli.js";
import { loadVendorPrivateKey } from "./key-file.js";

export const USAGE = "usage: unlock-code --key <vendor private key file> <challenge> [--json]";

export async function main(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { key: { type: "string" }, json: { type: "boolean", default: false } },
    strict: true,
    allowPositionals: true,
  });
  if (!values.key) throw new UsageError("--key is required");
  const typed = positionals.join(" ");
  if (!typed.trim()) throw new UsageError("the challenge is required");
  // The grouped form `recoveryctl recover challenge` prints (a check character per group) or the
  // bare base32 string (--json, the API).
  const challenge = looksGrouped(typed) ? ungroupChallenge(typed) : typed.replace(/[\s-]+/g, "");
  const key = loadVendorPrivateKey(values.key);
  const result = vendorUnlockCode(challenge, key.unlock);
  if (result.keyId !== key.id)
    throw new Error(`the challenge is for vendor key id ${result.keyId}, this key file is id ${key.id}`);
  if (values.json) {
    io.out(JSON.stringify({ code: result.code, deviceId: result.deviceId, keyId: result.keyId }));
  } else {
    io.err(`device ${result.deviceId}, vendor key ${result.keyId}`);
    io.out(result.code);
  }
  return EXIT_OK;
}

if (isMain(import.meta.url)) void runCli(USAGE, main);
