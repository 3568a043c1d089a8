// recoveryctl's command dispatch and the one place errors become messages and exit codes.
import type { Readable, Writable } from "node:stream";
import { parseArgs, stringFlag } from "./args.js";
import { ApiError, DaemonUnreachableError } from "./client.js";
import { auditCommand } from "./commands/audit.js";
import { backupCommand } from "./commands/backup.js";
import { emailCommand } from "./commands/email.js";
import { eventsCommand } from "./commands/events.js";
import { recoverCommand } from "./commands/recover.js";
import { loginCommand, logoutCommand, passwdCommand, setupCommand } from "./commands/session.js";
import { simCommand } from "./commands/sim.js";
import { statusCommand } from "./commands/status.js";
import { tokenCommand, usersCommand } from "./commands/users.js";
import { type Ctx, println } from "./context.js";
import { EXIT_OK, EXIT_REFUSED, EXIT_UNREACHABLE, EXIT_USAGE, RefusedError, UsageError } from "./exit.js";
import { COMMANDS, commandHelp, overview, usageOf } from "./help.js";
import { InterruptedError, SecretReader } from "./secrets.js";
import { findApiSocket } from "./socket-path.js";

export interface CtlIo {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdin: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: Writable;
  stderr: Writable;
  onInterrupt: Ctx["onInterrupt"];
}

const HANDLERS: Record<string, (ctx: Ctx) => Promise<number>> = {
  status: statusCommand,
  setup: setupCommand,
  login: loginCommand,
  logout: logoutCommand,
  passwd: passwdCommand,
  users: usersCommand,
  token: tokenCommand,
  recover: recoverCommand,
  audit: auditCommand,
  events: eventsCommand,
  sim: simCommand,
  email: emailCommand,
  backup: backupCommand,
};

export async function runCtl(io: CtlIo): Promise<number> {
  let json = io.argv.includes("--json");
  let command: string | undefined;
  try {
    const args = parseArgs(io.argv);
    json = args.flags.has("json");
    command = args.positionals[0];
    if (command === "help") {
      const topic = args.positionals[1];
      println(io.stdout, topic ? commandHelp(topic) : overview());
      return topic && !COMMANDS.includes(topic) ? EXIT_USAGE : EXIT_OK;
    }
    if (command === undefined) {
      if (args.flags.has("help")) {
        println(io.stdout, overview());
        return EXIT_OK;
      }
      throw new UsageError("no command given");
    }
    const handler = Object.hasOwn(HANDLERS, command) ? HANDLERS[command] : undefined;
    if (!handler) {
      const unknown = command;
      command = undefined;
      throw new UsageError(`unknown command "${unknown}"`);
    }
    if (args.flags.has("help")) {
      println(io.stdout, commandHelp(command));
      return EXIT_OK;
    }
    const ctx: Ctx = {
      args,
      json,
      socket: findApiSocket(stringFlag(args, "socket"), io.env, io.cwd),
      env: io.env,
      cwd: io.cwd,
      out: io.stdout,
      err: io.stderr,
      secrets: new SecretReader(io.stdin, io.stderr),
      onInterrupt: io.onInterrupt,
    };
    return await handler(ctx);
  } catch (err) {
    return report(io, json, err, command);
  }
}

function report(io: CtlIo, json: boolean, err: unknown, command: string | undefined): number {
  const fail = (code: number, errorCode: string, message: string, body?: unknown) => {
    if (json) println(io.stdout, JSON.stringify(body ?? { error: { code: errorCode, message } }));
    println(io.stderr, `recoveryctl: ${message}`);
    return code;
  };
  if (err instanceof UsageError) {
    const code = fail(EXIT_USAGE, "usage", err.message);
    println(io.stderr, usageOf(err.command ?? command));
    return code;
  }
  if (err instanceof InterruptedError) return fail(130, "interrupted", "interrupted");
  if (err instanceof DaemonUnreachableError) return fail(EXIT_UNREACHABLE, "unreachable", err.message);
  if (err instanceof ApiError) return fail(EXIT_REFUSED, err.code, refusal(err), { error: err.details });
  if (err instanceof RefusedError) return fail(EXIT_REFUSED, "refused", err.message);
  return fail(EXIT_REFUSED, "failed", (err as Error)?.message ?? String(err));
}

/** A refusal in words, with what to do about it when the daemon said so. */
function refusal(err: ApiError): string {
  const parts = [`refused: ${err.message}`];
  const issues = err.details.issues;
  if (Array.isArray(issues) && issues.length > 0) {
    const list = issues.map((i: { path?: string; message?: string }) => `${i.path || "body"}: ${i.message}`);
    parts[0] += ` (${list.join("; ")})`;
  }
  const reason = err.details.reason;
  if (typeof reason === "string" && !err.message.includes(reason)) parts.push(`(${reason})`);
  if (err.status === 401 && err.code === "unauthorized")
    parts.push("— log in first: recoveryctl login USERNAME");
  if (err.retryAfterSeconds !== undefined && !/try again in/.test(err.message)) {
    parts.push(`— try again in ${err.retryAfterSeconds} s`);
  }
  if (err.status >= 500) parts[0] = `daemon error: ${err.message}`;
  return parts.join(" ");
}
