// What every command gets: where the daemon is, how to print, how to read secrets, the token.
import type { Writable } from "node:stream";
import type { ParsedArgs } from "./args.js";
import { call, type RequestOptions } from "./client.js";
import type { SecretReader } from "./secrets.js";
import { findSessionToken } from "./token-file.js";

export interface Ctx {
  args: ParsedArgs;
  json: boolean;
  socket: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  out: Writable;
  err: Writable;
  secrets: SecretReader;
  /**
   * Long-running commands take over Ctrl-C to stop cleanly (release a held button, close a
   * stream). Returns the function that gives it back; without a handler Ctrl-C exits at once.
   */
  onInterrupt(fn: () => void): () => void;
}

export function println(stream: Writable, text = ""): void {
  stream.write(`${text}\n`);
}

/** `--json` prints the API's JSON; otherwise the human text. */
export function emit(ctx: Ctx, value: unknown, human: () => string): void {
  println(ctx.out, ctx.json ? JSON.stringify(value) : human());
}

export function api<T = Record<string, unknown>>(ctx: Ctx, opts: RequestOptions): Promise<T> {
  return call<T>(ctx.socket, opts);
}

/** An API call with the session token, if there is one (the daemon answers 401 otherwise). */
export async function authedApi<T = Record<string, unknown>>(ctx: Ctx, opts: RequestOptions): Promise<T> {
  const found = await findSessionToken(
    ctx.args.flags.get("token") as string | undefined,
    ctx.env,
    ctx.socket,
  );
  return call<T>(ctx.socket, { ...opts, token: found?.token });
}
