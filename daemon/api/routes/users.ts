// User and API-token management, for admins (SPEC 8).
import { ValidationError } from "../../errors.js";
import { authenticate, requireAdmin } from "../auth.js";
import type { Route } from "../router.js";
import { createTokenBody, createUserBody, usernameSchema } from "../schemas.js";

export function userRoutes(): Route[] {
  return [
    {
      path: "/v1/users",
      methods: {
        GET: async (ctx) => {
          const who = requireAdmin(ctx.deps.accounts, ctx.req);
          return { status: 200, body: { users: ctx.deps.accounts.listUsers(who) } };
        },
        POST: async (ctx) => {
          const who = requireAdmin(ctx.deps.accounts, ctx.req);
          const req = await ctx.body(createUserBody);
          const user = await ctx.deps.accounts.createUser(who, req);
          return { status: 201, body: user };
        },
      },
    },
    {
      path: "/v1/users/:name",
      methods: {
        DELETE: async (ctx) => {
          const who = requireAdmin(ctx.deps.accounts, ctx.req);
          const name = ctx.params.name ?? "";
          if (!usernameSchema.safeParse(name).success) throw new ValidationError("invalid username");
          ctx.deps.accounts.deleteUser(who, name);
          return { status: 200, body: { deleted: true, username: name } };
        },
      },
    },
    {
      path: "/v1/tokens",
      // ?user= filters the list; a token is always the caller's own.
      query: { GET: ["user"] },
      methods: {
        GET: async (ctx) => {
          const who = authenticate(ctx.deps.accounts, ctx.req);
          const user = ctx.query.get("user") ?? undefined;
          if (user !== undefined && !usernameSchema.safeParse(user).success) {
            throw new ValidationError("invalid username");
          }
          return { status: 200, body: { tokens: ctx.deps.accounts.listTokens(who, user) } };
        },
        POST: async (ctx) => {
          const who = requireAdmin(ctx.deps.accounts, ctx.req);
          const req = await ctx.body(createTokenBody);
          return { status: 201, body: ctx.deps.accounts.createToken(who, req) };
        },
      },
    },
    {
      path: "/v1/tokens/:id",
      methods: {
        DELETE: async (ctx) => {
          const who = authenticate(ctx.deps.accounts, ctx.req);
          await ctx.noBody();
          const id = ctx.params.id ?? "";
          ctx.deps.accounts.revokeToken(who, id);
          return { status: 200, body: { revoked: true, id } };
        },
      },
    },
  ];
}
