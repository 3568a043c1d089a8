// recoveryctl recover security-code | challenge | unlock [CODE] | request [--usb] [--out FILE] | grant FILE

import { readFile, writeFile } from "node:fs/promises";
import { formatGroupedChallenge } from "../../daemon/recovery/challenge-groups.js";
import { checkFlags, stringFlag } from "../args.js";
import { ApiError } from "../client.js";
import { api, type Ctx, emit } from "../context.js";
import { UsageError } from "../exit.js";
import { readTokenFile, tokenFilePath, writeTokenFile } from "../token-file.js";
import { forgotCommand } from "./email.js";

interface ResetAnswer {
  setupToken: string | null;
  setupTokenExpiresAt: string | null;
  generation: number;
}

const MAX_GRANT_FILE_BYTES = 64 * 1024;

export async function recoverCommand(ctx: Ctx): Promise<number> {
  const [, sub, arg, extra] = ctx.args.positionals;
  if (extra !== undefined && sub !== "forgot-confirm")
    throw new UsageError(`unexpected argument "${extra}"`, "recover");
  switch (sub) {
    case "security-code": {
      checkFlags(ctx.args, [], "recover");
      noArg(arg);
      const securityCode = await ctx.secrets.read("Security code (from the sticker)");
      return resetDone(
        ctx,
        await api<ResetAnswer>(ctx, {
          method: "POST",
          path: "/v1/recovery/security-code",
          body: { securityCode },
        }),
      );
    }
    case "challenge": {
      checkFlags(ctx.args, [], "recover");
      noArg(arg);
      const body = await api<{ id: string; challenge: string; expiresAt: string }>(ctx, {
        method: "POST",
        path: "/v1/recovery/challenge",
      });
      // Only this caller learns the id; `recover unlock` names it so that nobody else's wrong
      // guesses can use up this challenge's tries.
      if (typeof body.id === "string")
        await writeTokenFile(tokenFilePath(ctx.env, ctx.socket, "challenge"), body.id);
      emit(ctx, body, () =>
        [
          "Give this challenge to support:",
          "",
          ...formatGroupedChallenge(body.challenge).map((l) => `  ${l}`),
          "",
          "Read it group by group: the last character of each group is a check character, so",
          "support's tool says which group was misheard.",
          "",
          `It is valid until ${body.expiresAt} and only while the daemon keeps running.`,
          "Then run: recoveryctl recover unlock   (and type the code support gives you)",
        ].join("\n"),
      );
      return 0;
    }
    case "unlock": {
      checkFlags(ctx.args, ["challenge-id"], "recover");
      // The code is single-use and bound to this daemon's challenge, so argv is acceptable; the
      // prompt is the default.
      const code = arg ?? (await ctx.secrets.read("Unlock code from support"));
      const challengeId =
        stringFlag(ctx.args, "challenge-id") ??
        (await readTokenFile(tokenFilePath(ctx.env, ctx.socket, "challenge")));
      const body = challengeId ? { code, challengeId } : { code };
      return resetDone(
        ctx,
        await api<ResetAnswer>(ctx, { method: "POST", path: "/v1/recovery/unlock", body }),
      );
    }
    case "request": {
      checkFlags(ctx.args, ["usb", "out"], "recover");
      noArg(arg);
      const usb = ctx.args.flags.has("usb");
      const reqPath = `/v1/recovery/request${usb ? "?usb=1" : ""}`;
      // Create one; while one is pending (409), that one is the request to send.
      const body = await api<{ request: unknown; usbFile: string | null }>(ctx, {
        method: "POST",
        path: reqPath,
      }).catch((err: unknown) => {
        if (err instanceof ApiError && err.code === "request_pending")
          return api<{ request: unknown; usbFile: string | null }>(ctx, { path: reqPath });
        throw err;
      });
      const out = stringFlag(ctx.args, "out");
      // The file is the request document itself, exactly what the vendor's tool signs.
      if (out) await writeFile(out, `${JSON.stringify(body.request, null, 2)}\n`, { mode: 0o644 });
      emit(ctx, body, () =>
        [
          JSON.stringify(body.request, null, 2),
          ...(out ? [`Written to ${out}.`] : []),
          ...(body.usbFile ? [`Written to the USB stick: ${body.usbFile}.`] : []),
          "Send it to support; apply their grant with: recoveryctl recover grant FILE",
        ].join("\n"),
      );
      return 0;
    }
    case "grant": {
      checkFlags(ctx.args, [], "recover");
      if (!arg) throw new UsageError("recover grant needs a FILE (or - for stdin)", "recover");
      const grant = await readGrant(arg);
      return resetDone(
        ctx,
        await api<ResetAnswer>(ctx, { method: "POST", path: "/v1/recovery/grant", body: grant }),
      );
    }
    case "forgot":
    case "forgot-confirm":
      return forgotCommand(ctx, sub, arg, extra);
    default:
      throw new UsageError(sub ? `unknown recover command "${sub}"` : "recover needs a command", "recover");
  }
}

function noArg(arg: string | undefined): void {
  if (arg !== undefined) throw new UsageError(`unexpected argument "${arg}"`, "recover");
}

async function readGrant(file: string): Promise<unknown> {
  let text: string;
  try {
    if (file === "-") {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(Buffer.from(c as Buffer));
      text = Buffer.concat(chunks).toString("utf8");
    } else {
      text = await readFile(file, "utf8");
    }
  } catch (err) {
    throw new UsageError(
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      "recover",
    );
  }
  if (Buffer.byteLength(text) > MAX_GRANT_FILE_BYTES)
    throw new UsageError(`${file} is too large for a grant`, "recover");
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${file} is not JSON (expected a recoveryd-reset-grant document)`, "recover");
  }
}

/** A remote reset answered: keep the one-time setup token where `recoveryctl setup` finds it. */
async function resetDone(ctx: Ctx, body: ResetAnswer): Promise<number> {
  const file = tokenFilePath(ctx.env, ctx.socket, "setup");
  if (body.setupToken) await writeTokenFile(file, body.setupToken);
  emit(ctx, body, () =>
    [
      `Credentials reset: the recorder is back in first-boot state (generation ${body.generation}).`,
      body.setupToken
        ? `Set a new admin password before ${body.setupTokenExpiresAt}: recoveryctl setup USERNAME\n(the one-time setup token was saved to ${file})`
        : "Set a new admin password: recoveryctl setup USERNAME",
    ].join("\n"),
  );
  return 0;
}
