// recoveryctl setup | login | logout | passwd: one user's own credentials.
import { checkFlags, stringFlag } from "../args.js";
import { ApiError } from "../client.js";
import { api, authedApi, type Ctx, emit } from "../context.js";
import { UsageError } from "../exit.js";
import {
  findSessionToken,
  readTokenFile,
  removeTokenFile,
  tokenFilePath,
  writeTokenFile,
} from "../token-file.js";

const USERNAME = /^[a-z0-9._-]{1,32}$/;

function username(ctx: Ctx, command: string): string {
  const [, name, extra] = ctx.args.positionals;
  if (!name) throw new UsageError(`${command} needs a USERNAME`, command);
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`, command);
  if (!USERNAME.test(name)) {
    throw new UsageError("a username is 1-32 characters: a-z, 0-9, dot, underscore, dash", command);
  }
  return name;
}

export async function setupCommand(ctx: Ctx): Promise<number> {
  checkFlags(ctx.args, ["security-code", "setup-token"], "setup");
  const name = username(ctx, "setup");
  const body: Record<string, string> = { username: name };
  // Secrets are asked in this order, which is also the line order on stdin.
  if (ctx.args.flags.has("security-code")) body.securityCode = await ctx.secrets.read("Security code");
  const setupTokenFile = tokenFilePath(ctx.env, ctx.socket, "setup");
  let savedToken = false;
  if (ctx.args.flags.has("setup-token")) body.setupToken = await ctx.secrets.read("Setup token");
  else if (!body.securityCode) {
    // A remote recovery saved its one-time token here; use it without making the user copy it.
    const fromFile = ctx.env.RECOVERYD_SETUP_TOKEN ? undefined : await readTokenFile(setupTokenFile);
    const saved = ctx.env.RECOVERYD_SETUP_TOKEN ?? fromFile;
    if (saved) body.setupToken = saved;
    savedToken = fromFile !== undefined;
  }
  body.password = await ctx.secrets.read(`New password for ${name}`, { confirm: true });
  let user: Record<string, unknown>;
  try {
    user = await api(ctx, { method: "POST", path: "/v1/setup", body });
  } catch (err) {
    // A saved token the daemon no longer knows (used, expired, daemon restarted) is useless.
    if (savedToken && err instanceof ApiError && err.code === "setup_window_closed") {
      await removeTokenFile(setupTokenFile);
    }
    throw err;
  }
  if (body.setupToken) await removeTokenFile(setupTokenFile);
  emit(
    ctx,
    user,
    () => `Set up: ${user.username} (${user.role}). Log in with: recoveryctl login ${user.username}`,
  );
  return 0;
}

export async function loginCommand(ctx: Ctx): Promise<number> {
  checkFlags(ctx.args, ["no-save"], "login");
  const name = username(ctx, "login");
  const password = await ctx.secrets.read(`Password for ${name}`);
  const result = await api<{ token: string; expiresAt: string; role: string }>(ctx, {
    method: "POST",
    path: "/v1/login",
    body: { username: name, password },
  });
  const save = !ctx.args.flags.has("no-save");
  const file = tokenFilePath(ctx.env, ctx.socket);
  if (save) await writeTokenFile(file, result.token);
  emit(ctx, result, () =>
    save
      ? `Logged in as ${name} (${result.role}) until ${result.expiresAt}; session saved to ${file}`
      : `Logged in as ${name} (${result.role}) until ${result.expiresAt}. Token:\n${result.token}`,
  );
  return 0;
}

export async function logoutCommand(ctx: Ctx): Promise<number> {
  checkFlags(ctx.args, [], "logout");
  if (ctx.args.positionals.length > 1) throw new UsageError("logout takes no arguments", "logout");
  const found = await findSessionToken(stringFlag(ctx.args, "token"), ctx.env, ctx.socket);
  const file = tokenFilePath(ctx.env, ctx.socket);
  try {
    const body = await api(ctx, { method: "POST", path: "/v1/logout", token: found?.token });
    emit(ctx, body, () => "Logged out.");
    return 0;
  } finally {
    // Also when the daemon says the session is already gone: the file is useless either way.
    if (found?.source === "file") await removeTokenFile(file);
  }
}

export async function passwdCommand(ctx: Ctx): Promise<number> {
  checkFlags(ctx.args, [], "passwd");
  if (ctx.args.positionals.length > 1) throw new UsageError("passwd takes no arguments", "passwd");
  // Check the session before asking for passwords the user would type for nothing.
  const who = await authedApi<{ username: string }>(ctx, { path: "/v1/session" });
  const currentPassword = await ctx.secrets.read(`Current password for ${who.username}`);
  const newPassword = await ctx.secrets.read("New password", { confirm: true });
  const body = await authedApi(ctx, {
    method: "POST",
    path: "/v1/password",
    body: { currentPassword, newPassword },
  });
  emit(ctx, body, () => `Password changed for ${who.username}.`);
  return 0;
}
