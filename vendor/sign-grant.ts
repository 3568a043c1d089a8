// Vendor tool: signs a reset grant for a recorder's reset request (SPEC 6, 8.2).
//
//   tsx vendor/sign-grant.ts --request recoveryd-X.request.json --key vendor-key-7.private.json \
//       --action credential-reset|factory-reset --hours 24 [--out file.grant.json]
//
// --request - reads stdin. The input is the bare request or what `recoveryctl recover request
// --json` prints ({ request, usbFile }): support gets whichever the technician pasted.
//
// The grant is valid for --hours from now, and never more than 48 h after the request was made
// (recorders refuse longer ones). The output goes next to the request as *.grant.json unless --out
// says otherwise; copy it to the USB stick or post it to /v1/recovery/grant.
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { writeFileAtomic } from "../daemon/recovery/atomic-file.js";
import {
  GRANT_ACTIONS,
  type GrantAction,
  MAX_DOCUMENT_BYTES,
  parseResetRequest,
  signGrant,
} from "../daemon/recovery/grant.js";
import { EXIT_OK, type Io, isMain, runCli, UsageError } from "./cli.js";
import { loadVendorPrivateKey } from "./key-file.js";

export const USAGE =
  "usage: sign-grant --request <request.json | -> --key <vendor private key file> " +
  "--action credential-reset|factory-reset --hours <1-48> [--out <grant.json>] [--json]\n" +
  "  --request - reads stdin; the bare request and `recoveryctl recover request --json` output both work";

export const MAX_HOURS = 48;

export async function main(
  argv: string[],
  io: Io,
  nowMs = Date.now(),
  stdin: () => Promise<string> = readStdin,
): Promise<number> {
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

  if (values.request === "-" && !values.out) throw new UsageError("--request - (stdin) needs --out");
  const text = values.request === "-" ? await stdin() : await readFile(values.request, "utf8");
  const request = parseResetRequest(unwrapRequest(text, values.request));
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

/** The request document, out of `recoveryctl recover request --json`'s { request, usbFile } if wrapped. */
export function unwrapRequest(text: string, source: string): unknown {
  // The wrapper adds a file path to the request: twice the daemon's document cap covers it, and
  // a huge or hostile input is refused before JSON.parse rather than after.
  if (Buffer.byteLength(text, "utf8") > 2 * MAX_DOCUMENT_BYTES)
    throw new Error(`${source === "-" ? "stdin" : source} is larger than a reset request can be`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error(`${source === "-" ? "stdin" : source} is not JSON (expected a reset request)`);
  }
  if (doc && typeof doc === "object" && "request" in doc && typeof doc.request === "object") {
    return doc.request;
  }
  return doc;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function defaultOut(requestFile: string): string {
  return requestFile.endsWith(".request.json")
    ? `${requestFile.slice(0, -".request.json".length)}.grant.json`
    : `${requestFile}.grant.json`;
}

if (isMain(import.meta.url)) void runCli(USAGE, main);
