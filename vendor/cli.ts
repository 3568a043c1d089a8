// Bits shared by the provisioning and vendor command-line tools.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {}

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** True when the module at `url` is the script node was started with (not merely imported). */
export function isMain(url: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(url));
  } catch {
    return false;
  }
}

/** Runs a tool's main, maps errors to exit codes, and sets process.exitCode. */
export async function runCli(
  usage: string,
  main: (argv: string[], io: Io) => Promise<number>,
  argv: string[] = process.argv.slice(2),
): Promise<void> {
  // Asking for help is not a mistake: usage on stdout, exit 0 (before strict flag parsing refuses it).
  if (argv.includes("--help") || argv.includes("-h")) {
    processIo.out(usage);
    process.exitCode = EXIT_OK;
    return;
  }
  try {
    process.exitCode = await main(argv, processIo);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      processIo.err(`error: ${(err as Error).message}\n\n${usage}`);
      process.exitCode = EXIT_USAGE;
    } else {
      processIo.err(`error: ${(err as Error).message}`);
      process.exitCode = EXIT_FAILED;
    }
  }
}
