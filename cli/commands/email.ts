// recoveryctl email set ADDRESS | verify [CODE] | test | show — the recovery address of the
// logged-in admin (issue 16).
import { checkFlags } from "../args.js";
import { api, authedApi, type Ctx, emit } from "../context.js";
import { UsageError } from "../exit.js";

export async function emailCommand(ctx: Ctx): Promise<number> {
  const [, sub, arg, extra] = ctx.args.positionals;
  checkFlags(ctx.args, [], "email");
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`, "email");
  switch (sub) {
    case "set": {
      if (!arg) throw new UsageError("email set needs an ADDRESS", "email");
      const password = await ctx.secrets.read("Your current password");
      const r = await authedApi<{ pendingEmail: string; expiresAt: string }>(ctx, {
        method: "POST",
        path: "/v1/account/email",
        body: { email: arg, password },
      });
      emit(
        ctx,
        r,
        () =>
          `A verification code was sent to ${r.pendingEmail} (valid until ${r.expiresAt}).\nThen run: recoveryctl email verify`,
      );
      return 0;
    }
    case "verify": {
      const code = arg ?? (await ctx.secrets.read("Verification code from the mail"));
      const r = await authedApi<{ email: string }>(ctx, {
        method: "POST",
        path: "/v1/account/email/verify",
        body: { code },
      });
      emit(ctx, r, () => `${r.email} is verified: password recovery codes and notices go there.`);
      return 0;
    }
    case "test": {
      if (arg !== undefined) throw new UsageError(`unexpected argument "${arg}"`, "email");
      const r = await authedApi<{ to: string; queued: number }>(ctx, {
        method: "POST",
        path: "/v1/account/email/test",
      });
      emit(ctx, r, () => `A test mail to ${r.to} is in the outbox (the audit log shows its delivery).`);
      return 0;
    }
    case undefined:
    case "show": {
      const r = await authedApi<{ email: string | null; pendingEmail: string | null }>(ctx, {
        path: "/v1/account/email",
      });
      emit(ctx, r, () =>
        [
          `Recovery address: ${r.email ?? "(none)"}`,
          ...(r.pendingEmail ? [`Waiting for verification: ${r.pendingEmail}`] : []),
        ].join("\n"),
      );
      return 0;
    }
    default:
      throw new UsageError(`unknown email command "${sub}"`, "email");
  }
}

/** recoveryctl recover forgot USERNAME | forgot-confirm USERNAME [CODE] */
export async function forgotCommand(
  ctx: Ctx,
  sub: "forgot" | "forgot-confirm",
  username: string | undefined,
  code: string | undefined,
): Promise<number> {
  checkFlags(ctx.args, [], "recover");
  if (!username) throw new UsageError(`recover ${sub} needs a USERNAME`, "recover");
  if (sub === "forgot") {
    if (code !== undefined) throw new UsageError(`unexpected argument "${code}"`, "recover");
    const r = await api(ctx, { method: "POST", path: "/v1/recovery/forgot", body: { username } });
    emit(
      ctx,
      r,
      () =>
        "If this account has a verified recovery address, a one-time code is on its way (valid 15 minutes).\n" +
        `Then run: recoveryctl recover forgot-confirm ${username}`,
    );
    return 0;
  }
  const theCode = code ?? (await ctx.secrets.read("Code from the mail"));
  const newPassword = await ctx.secrets.read("New password", { confirm: true });
  const r = await api(ctx, {
    method: "POST",
    path: "/v1/recovery/forgot/confirm",
    body: { username, code: theCode, newPassword },
  });
  emit(
    ctx,
    r,
    () => `The password of ${username} is set; every session and token of it was ended. Log in again.`,
  );
  return 0;
}
