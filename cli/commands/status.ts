// recoveryctl status
import { checkFlags } from "../args.js";
import { authedApi, type Ctx, emit } from "../context.js";
import { UsageError } from "../exit.js";
import { formatStatus } from "../format.js";

export async function statusCommand(ctx: Ctx): Promise<number> {
  checkFlags(ctx.args, [], "status");
  if (ctx.args.positionals.length > 1) throw new UsageError("status takes no arguments", "status");
  // With a saved admin session the daemon also names the locked accounts; without, counts only.
  const body = await authedApi(ctx, { path: "/v1/status" });
  emit(ctx, body, () => formatStatus(body));
  return 0;
}
