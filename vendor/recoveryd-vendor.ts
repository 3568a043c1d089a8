#!/usr/bin/env node
import { EXIT_USAGE, isMain, processIo, runCli } from "./cli.js";
import * as keygen from "./keygen.js";
// The `recoveryd-vendor` bin: one command for the support desk and the factory, so the README
// can give copy-paste lines that work from an installed package, not only from a checkout.
// Each subcommand is the same tool as its vendor/*.ts file, with the same flags.
import * as provision from "./provision.js";
import * as signGrant from "./sign-grant.js";
import * as unlockCode from "./unlock-code.js";

interface Tool {
  readonly USAGE: string;
  main: (argv: string[], io: typeof processIo) => Promise<number>;
}

const TOOLS: Record<string, { tool: Tool; what: string }> = {
  keygen: { tool: keygen, what: "make a vendor key pair (private file 0600 + public entry)" },
  provision: {
    tool: provision,
    what: "write a recorder's factory data and print its sticker (device id, security code)",
  },
  "unlock-code": { tool: unlockCode, what: "the 8-character code for a recorder's unlock challenge" },
  "sign-grant": { tool: signGrant, what: "sign a reset grant for a recorder's request (file or stdin)" },
};

export const USAGE = [
  "usage: recoveryd-vendor <command> [options]   (recoveryd-vendor <command> --help for its options)",
  "",
  "commands:",
  ...Object.entries(TOOLS).map(([name, t]) => `  ${name.padEnd(12)} ${t.what}`),
].join("\n");

export async function dispatch(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === "--help" || command === "-h" || command === "help") {
    processIo.out(USAGE);
    process.exitCode = 0;
    return;
  }
  const entry = command === undefined ? undefined : TOOLS[command];
  if (!entry) {
    processIo.err(
      `error: ${command === undefined ? "a command is required" : `unknown command "${command}"`}\n\n${USAGE}`,
    );
    process.exitCode = EXIT_USAGE;
    return;
  }
  await runCli(entry.tool.USAGE, entry.tool.main, rest);
}

if (isMain(import.meta.url)) void dispatch(process.argv.slice(2));
