// recoveryctl audit [--limit N] [--since SEQ] [--log general|security|all] [--verify]
import { checkFlags, intFlag } from "../args.js";
import { authedApi, type Ctx, emit } from "../context.js";
import { UsageError } from "../exit.js";

interface Entry {
  seq: number;
  at?: string;
  ts?: string;
  event?: string;
  [k: string]: unknown;
}

interface Problem {
  seq: number | null;
  file: string;
  line: number;
  problem: string;
  log?: string;
}

interface Verify {
  ok: boolean;
  entries: number;
  firstBad?: Problem;
  problems?: Problem[];
}

export async function auditCommand(ctx: Ctx): Promise<number> {
  checkFlags(ctx.args, ["verify", "limit", "since", "log"], "audit");
  if (ctx.args.positionals.length > 1) throw new UsageError("audit takes no arguments", "audit");
  if (ctx.args.flags.has("verify")) {
    if (ctx.args.flags.has("limit") || ctx.args.flags.has("since")) {
      throw new UsageError("--verify checks the whole log: no --limit or --since", "audit");
    }
    const body = await authedApi<Verify>(ctx, { path: "/v1/audit/verify" });
    emit(ctx, body, () => {
      if (body.ok) return `Audit log intact: ${body.entries} entries, chain verified.`;
      const all = body.problems ?? (body.firstBad ? [body.firstBad] : []);
      if (all.length === 0) return "AUDIT LOG TAMPERED";
      return all
        .map(
          (b) =>
            `AUDIT LOG TAMPERED: first bad entry seq ${b.seq ?? "?"} (${b.log ? `${b.log} log, ` : ""}${b.file}, line ${b.line}): ${b.problem}`,
        )
        .join("\n");
    });
    // A broken chain is a refusal a script must notice.
    return body.ok ? 0 : 1;
  }
  const params = new URLSearchParams();
  const limit = intFlag(ctx.args, "limit", 1, 1000);
  const since = intFlag(ctx.args, "since", 0, Number.MAX_SAFE_INTEGER);
  if (limit !== undefined) params.set("limit", String(limit));
  if (since !== undefined) params.set("sinceSeq", String(since));
  const log = ctx.args.flags.get("log");
  if (log !== undefined) {
    if (log !== "general" && log !== "security" && log !== "all") {
      throw new UsageError("--log is general, security or all", "audit");
    }
    params.set("log", log);
  }
  const q = params.toString() ? `?${params}` : "";
  const body = await authedApi<{ entries: Entry[] }>(ctx, { path: `/v1/audit${q}` });
  emit(ctx, body, () =>
    body.entries.length === 0 ? "(no entries)" : body.entries.map(entryLine).join("\n"),
  );
  return 0;
}

/** `seq  time  event  key=value ...`; the chain hashes are for --verify, not for reading. */
function entryLine(e: Entry): string {
  const { seq, at, ts, event, prev: _prev, hash: _hash, fields, log: _log, ...rest } = e;
  const all = { ...(typeof fields === "object" && fields !== null ? fields : {}), ...rest };
  const text = Object.entries(all)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  const where = typeof e.log === "string" ? `${e.log.slice(0, 3)} ` : "";
  return `${where}${String(seq).padStart(6)}  ${at ?? ts ?? ""}  ${event ?? ""}${text ? `  ${text}` : ""}`;
}
