// Vendor tool: signs a reset grant for a recorder's reset request (SPEC 6, 8.2).
//
//   tsx scripts/vendor/sign-grant.ts --request recoveryd-X.request.json --key vendor-key-7.private.json \
//       --action credential-reset|factory-reset --hours 24 [--out file.grant.json]
//
// The grant is valid for --hours from now, and never more than 48 h after the request was made
// (recorders refuse longer ones). The output goes next to the request as *.grant.json unless --out
// says otherwise; copy it to the USB stick or post it to /v1/recovery/grant.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { writeFileAtomic } from "../../daemon/recovery/atomic-file.js";
import {
  GRANT_ACTIONS,
  type GrantAction,
  parseResetRequest,
  signGrant,
} from "../../daemon/recovery/grant.js";
import { EXIT_OK, type Io, isMain, runCli, UsageError } from "./cli.js";
import { loadVendorPrivateKey } from "./key-file.js";

export const USAGE =
  "usage: sign-grant --request <request.json> --key <vendor private key file> " +
  "--action credential-reset|factory-reset --hours <1-48> [--out <grant.json>] [--json]";

export const MAX_HOURS = 48;

export async function main(argv: string[], io: Io, nowMs = Date.now()): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      request: { type: "string" },
      key: { type: "string" },
      action: { type: "string" },
      hours: { type: "string" },
      out: { type: "string" },
      json: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (!values.request) throw new UsageError("--request is required");
  if (!values.key) throw new UsageError("--key is required");
  if (!GRANT_ACTIONS.includes(values.action as GrantAction))
    throw new UsageError(`--action must be one of ${GRANT_ACTIONS.join(", ")}`);
  const hours = Number(values.hours);
  if (!values.hours || !Number.isFinite(hours) || hours <= 0 || hours > MAX_HOURS)
    throw new UsageError(`--hours must be a number above 0 and at most ${MAX_HOURS}`);

  const request = parseResetRequest(readFileSync(values.request, "utf8"));
  const key = loadVendorPrivateKey(values.key);
  const notAfterMs = Math.floor(nowMs + hours * 3_600_000);
  const latest = Date.parse(request.createdAt) + MAX_HOURS * 3_600_000;
  if (notAfterMs > latest)
    throw new Error(
      `a grant for this request can be valid until ${new Date(latest).toISOString()} at most; lower --hours`,
    );
  if (notAfterMs <= nowMs) throw new Error("the grant would already be expired");
  const notAfter = new Date(notAfterMs).toISOString();
  const grant = signGrant(request, values.action as GrantAction, notAfter, key.id, key.grant);
  const out = values.out ?? defaultOut(values.request);
  await writeFileAtomic(out, `${JSON.stringify(grant, null, 2)}\n`, 0o644);
  if (values.json)
    io.out(JSON.stringify({ file: out, deviceId: grant.deviceId, action: grant.action, notAfter }));
  else io.out(`${grant.action} grant for ${grant.deviceId}, valid until ${notAfter}: ${out}`);
  return EXIT_OK;
}

function defaultOut(requestFile: string): string {
  return requestFile.endsWith(".request.json")
    ? `${requestFile.slice(0, -".request.json".length)}.grant.json`
    : `${requestFile}.grant.json`;
}

if (isMain(import.meta.url)) void runCli(USAGE, main);
