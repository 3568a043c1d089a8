// Registered email address and forgot password by email (SPEC 5, 8.1; issue 16).
import * as z from "zod";
import { ServiceUnavailableError } from "../api-errors.js";
import { requireAdmin } from "../auth.js";
import type { MailApi } from "../deps-extra.js";
import type { Route, RouteContext } from "../router.js";
import { newPasswordSchema, passwordSchema, usernameSchema } from "../schemas.js";

export const emailBody = z.strictObject({ email: z.string().min(3).max(254), password: passwordSchema });
export const codeBody = z.strictObject({ code: z.string().min(1).max(64) });
export const forgotBody = z.strictObject({ username: usernameSchema });
export const confirmBody = z.strictObject({
  username: usernameSchema,
  code: z.string().min(1).max(64),
  newPassword: newPasswordSchema,
});

function mailOf(ctx: RouteContext): MailApi {
  const mail = ctx.deps.mail;
  if (!mail) throw new ServiceUnavailableError("mail_unavailable", "mail is not available on this recorder");
  return mail;
}

export function mailRoutes(): Route[] {
  return [
    {
      path: "/v1/account/email",
      methods: {
        GET: async (ctx) => {
          const who = requireAdmin(ctx.deps.accounts, ctx.req);
          return { status: 200, body: await mailOf(ctx).address(who) };
        },
        POST: async (ctx) => {
          const who = requireAdmin(ctx.deps.accounts, ctx.req);
          const { email, password } = await ctx.body(emailBody);
          return { status: 202, body: await mailOf(ctx).setAddress(who, email, password) };
        },
      },
    },
    {
      path: "/v1/account/email/verify",
      methods: {
        POST: async (ctx) => {
          const who = requireAdmin(ctx.deps.accounts, ctx.req);
          const { code } = await ctx.body(codeBody);
          return { status: 200, body: { verified: true, ...(await mailOf(ctx).verifyAddress(who, code)) } };
        },
      },
    },
    {
      path: "/v1/account/email/test",
      methods: {
        POST: async (ctx) => {
          const who = requireAdmin(ctx.deps.accounts, ctx.req);
          await ctx.noBody();
          return { status: 202, body: await mailOf(ctx).testMail(who) };
        },
      },
    },
    {
      path: "/v1/recovery/forgot",
      methods: {
        // The same 202, at the same time, for every well-formed name: the lookup runs after.
        POST: async (ctx) => {
          const { username } = await ctx.body(forgotBody);
          ctx.deps.mail?.forgot(username);
          return {
            status: 202,
            body: { accepted: true, message: "if the account has a verified address, a code is on its way" },
          };
        },
      },
    },
    {
      path: "/v1/recovery/forgot/confirm",
      methods: {
        POST: async (ctx) => {
          const { username, code, newPassword } = await ctx.body(confirmBody);
          await mailOf(ctx).confirm(username, code, newPassword);
          return { status: 200, body: { changed: true, username } };
        },
      },
    },
  ];
}
