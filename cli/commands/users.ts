// recoveryctl users [list|add NAME --role R|delete NAME] and token create NAME|list|revoke ID.
import { checkFlags, intFlag, stringFlag } from "../args.js";
import { authedApi, type Ctx, emit } from "../context.js";
import { UsageError } from "../exit.js";

const ROLES = ["admin", "operator", "viewer"];
const USERNAME = /^[a-z0-9._-]{1,32}$/;

interface UserView {
  username: string;
  role: string;
  createdAt: string;
}

export async function usersCommand(ctx: Ctx): Promise<number> {
  const [, sub = "list", name, extra] = ctx.args.positionals;
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`, "users");
  switch (sub) {
    case "list": {
      checkFlags(ctx.args, [], "users");
      if (name !== undefined) throw new UsageError(`unexpected argument "${name}"`, "users");
      const body = await authedApi<{ users: UserView[] }>(ctx, { path: "/v1/users" });
      emit(ctx, body, () => table(body.users));
      return 0;
    }
    case "add": {
      checkFlags(ctx.args, ["role"], "users");
      const username = checkName(name);
      const role = stringFlag(ctx.args, "role");
      if (!role || !ROLES.includes(role))
        throw new UsageError(`users add needs --role ${ROLES.join("|")}`, "users");
      const password = await ctx.secrets.read(`Password for ${username}`, { confirm: true });
      const user = await authedApi<UserView>(ctx, {
        method: "POST",
        path: "/v1/users",
        body: { username, password, role },
      });
      emit(ctx, user, () => `Added ${user.username} (${user.role}).`);
      return 0;
    }
    case "delete": {
      checkFlags(ctx.args, [], "users");
      const username = checkName(name);
      const body = await authedApi(ctx, {
        method: "DELETE",
        path: `/v1/users/${encodeURIComponent(username)}`,
      });
      emit(ctx, body, () => `Deleted ${username}.`);
      return 0;
    }
    default:
      throw new UsageError(`unknown users command "${sub}"`, "users");
  }
}

function checkName(name: string | undefined): string {
  if (!name) throw new UsageError("a USERNAME is needed", "users");
  if (!USERNAME.test(name)) {
    throw new UsageError("a username is 1-32 characters: a-z, 0-9, dot, underscore, dash", "users");
  }
  return name;
}

function table(users: UserView[]): string {
  if (users.length === 0) return "(no users)";
  const w = Math.max(8, ...users.map((u) => u.username.length));
  const rows = users.map((u) => `${u.username.padEnd(w)}  ${u.role.padEnd(8)}  ${u.createdAt}`);
  return [`${"USERNAME".padEnd(w)}  ${"ROLE".padEnd(8)}  CREATED`, ...rows].join("\n");
}

export async function tokenCommand(ctx: Ctx): Promise<number> {
  checkFlags(ctx.args, ["ttl-days", "user"], "token");
  const [, sub, arg, extra] = ctx.args.positionals;
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`, "token");
  if (sub === "list") return tokenList(ctx, arg);
  if (sub === "revoke") return tokenRevoke(ctx, arg);
  if (sub !== "create")
    throw new UsageError(sub ? `unknown token command "${sub}"` : "token needs a command", "token");
  const name = arg;
  if (!name || !/^[A-Za-z0-9._-]{1,64}$/.test(name)) {
    throw new UsageError("token create needs a NAME (1-64 letters, digits, dot, underscore, dash)", "token");
  }
  const ttlDays = intFlag(ctx.args, "ttl-days", 1, 3650);
  const body = await authedApi<{ token: string; id: string; name: string; expiresAt: string }>(ctx, {
    method: "POST",
    path: "/v1/tokens",
    body: ttlDays === undefined ? { name } : { name, ttlDays },
  });
  emit(
    ctx,
    body,
    () =>
      `API token "${body.name}" id ${body.id} (expires ${body.expiresAt}); shown only once:\n${body.token}`,
  );
  return 0;
}

interface TokenRow {
  id: string;
  name: string;
  username: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string;
}

async function tokenList(ctx: Ctx, extra: string | undefined): Promise<number> {
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`, "token");
  const user = ctx.args.flags.get("user");
  const q = typeof user === "string" ? `?user=${encodeURIComponent(user)}` : "";
  const body = await authedApi<{ tokens: TokenRow[] }>(ctx, { path: `/v1/tokens${q}` });
  emit(ctx, body, () => {
    if (body.tokens.length === 0) return "(no API tokens)";
    const w = Math.max(4, ...body.tokens.map((t) => t.name.length));
    const rows = body.tokens.map(
      (t) =>
        `${t.id}  ${t.name.padEnd(w)}  ${t.createdAt}  ${(t.lastUsedAt ?? "never").padEnd(24)}  ${t.expiresAt}`,
    );
    return [
      `${"ID".padEnd(16)}  ${"NAME".padEnd(w)}  ${"CREATED".padEnd(24)}  ${"LAST USED".padEnd(24)}  EXPIRES`,
      ...rows,
    ].join("\n");
  });
  return 0;
}

async function tokenRevoke(ctx: Ctx, id: string | undefined): Promise<number> {
  if (!id || !/^[0-9a-f]{16}$/.test(id)) {
    throw new UsageError(
      "token revoke needs an ID (16 hex characters, from `recoveryctl token list`)",
      "token",
    );
  }
  const body = await authedApi<{ revoked: boolean; id: string }>(ctx, {
    method: "DELETE",
    path: `/v1/tokens/${id}`,
  });
  emit(ctx, body, () => `API token ${body.id} revoked.`);
  return 0;
}
