// Command-line parsing: positionals and long flags (`--flag`, `--flag value`, `--flag=value`),
// in any order, `--` ends the flags. Every flag is declared here; unknown ones are usage errors.
import { UsageError } from "./exit.js";

type FlagKind = "boolean" | "string";

export const FLAGS: Record<string, FlagKind> = {
  // global
  json: "boolean",
  socket: "string",
  token: "string",
  help: "boolean",
  // per command
  role: "string",
  "ttl-days": "string",
  verify: "boolean",
  limit: "string",
  since: "string",
  usb: "boolean",
  out: "string",
  count: "string",
  interval: "string",
  settle: "string",
  "security-code": "boolean",
  "setup-token": "boolean",
  "no-save": "boolean",
  // email and backup (issue 16)
  to: "string",
  "passphrase-file": "string",
  recipient: "string",
  identity: "string",
};

export const GLOBAL_FLAGS = ["json", "socket", "token", "help"] as const;

export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === "-h") {
      flags.set("help", true);
      continue;
    }
    if (!arg.startsWith("--") || arg === "-") {
      if (arg.startsWith("-") && arg !== "-") throw new UsageError(`unknown option ${arg}`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const kind = Object.hasOwn(FLAGS, name) ? FLAGS[name] : undefined;
    if (!kind) throw new UsageError(`unknown option --${name}`);
    if (flags.has(name)) throw new UsageError(`--${name} given twice`);
    if (kind === "boolean") {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      flags.set(name, true);
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined || value === "") throw new UsageError(`--${name} needs a value`);
    flags.set(name, value);
  }
  return { positionals, flags };
}

/** Refuses flags that mean nothing to the command (a typo must not be silently ignored). */
export function checkFlags(args: ParsedArgs, allowed: readonly string[], command: string): void {
  for (const name of args.flags.keys()) {
    if (!(GLOBAL_FLAGS as readonly string[]).includes(name) && !allowed.includes(name)) {
      throw new UsageError(`--${name} does not apply to "${command}"`, command);
    }
  }
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === "string" ? v : undefined;
}

export function intFlag(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const v = stringFlag(args, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  }
  return Number(v);
}
