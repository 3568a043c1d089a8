// Setup, login, logout, session check and password change: the calls of a single user.
import { authenticate, bearerToken } from "../auth.js";
import type { Route } from "../router.js";
import { loginBody, passwordChangeBody, setupBody } from "../schemas.js";

export function sessionRoutes(): Route[] {
  return [
    {
      path: "/v1/setup",
      methods: {
        POST: async (ctx) => {
          const req = await ctx.body(setupBody);
          const user = await ctx.deps.accounts.setup(req);
          return { status: 201, body: user };
        },
      },
    },
    {
      path: "/v1/login",
      methods: {
        POST: async (ctx) => {
          const { username, password } = await ctx.body(loginBody);
          const result = await ctx.deps.accounts.login(username, password);
          return { status: 200, body: result };
        },
      },
    },
    {
      path: "/v1/logout",
      methods: {
        POST: async (ctx) => {
          // Authenticate first so a bad token is a 401 rather than a silent success.
          const who = authenticate(ctx.deps.accounts, ctx.req);
          await ctx.noBody();
          ctx.deps.accounts.logout(bearerToken(ctx.req) as string);
          return { status: 200, body: { loggedOut: true, username: who.username } };
        },
      },
    },
    {
      path: "/v1/session",
      methods: {
        GET: async (ctx) => ({ status: 200, body: authenticate(ctx.deps.accounts, ctx.req) }),
      },
    },
    {
      path: "/v1/password",
      methods: {
        POST: async (ctx) => {
          const who = authenticate(ctx.deps.accounts, ctx.req);
          const { currentPassword, newPassword } = await ctx.body(passwordChangeBody);
          await ctx.deps.accounts.changePassword(who, currentPassword, newPassword);
          return { status: 200, body: { changed: true, username: who.username } };
        },
      },
    },
  ];
}
