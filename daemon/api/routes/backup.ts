// Configuration backup and restore (SPEC 6, 8.1; issue 16). Admins only: a backup holds the
// recorder's network settings, a restore rewrites them.
import * as z from "zod";
import { ServiceUnavailableError } from "../api-errors.js";
import { requireAdmin } from "../auth.js";
import type { BackupApi } from "../deps-extra.js";
import type { Route, RouteContext } from "../router.js";

const secret = z.string().min(1).max(1024);
const absPath = z.string().min(1).max(4096).startsWith("/", "an absolute path");
export const exportBody = z
  .strictObject({
    passphrase: secret.optional(),
    recipient: z.string().min(1).max(2048).optional(),
    to: absPath.optional(),
  })
  .refine(
    (b) => (b.passphrase === undefined) !== (b.recipient === undefined),
    "give exactly one of passphrase and recipient",
  );
export const restoreBody = z
  .strictObject({
    file: absPath,
    passphrase: secret.optional(),
    identity: z.string().min(1).max(4096).optional(),
  })
  .refine(
    (b) => (b.passphrase === undefined) !== (b.identity === undefined),
    "give exactly one of passphrase and identity",
  );

function backupOf(ctx: RouteContext): BackupApi {
  if (!ctx.deps.backup) throw new ServiceUnavailableError("backup_unavailable", "backup is not available");
  return ctx.deps.backup;
}

export function backupRoutes(): Route[] {
  return [
    {
      path: "/v1/backup",
      methods: {
        POST: async (ctx) => {
          requireAdmin(ctx.deps.accounts, ctx.req);
          const { to, ...key } = await ctx.body(exportBody);
          return { status: 201, body: await backupOf(ctx).export(key, to) };
        },
      },
    },
    {
      path: "/v1/backup/restore",
      methods: {
        POST: async (ctx) => {
          requireAdmin(ctx.deps.accounts, ctx.req);
          const { file, ...key } = await ctx.body(restoreBody);
          return { status: 200, body: await backupOf(ctx).restore(key, file) };
        },
      },
    },
  ];
}
