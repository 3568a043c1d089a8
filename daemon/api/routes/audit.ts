// Reading and verifying the audit log, for admins. A tampered log is not an API error: verify
// answers 200 with `ok: false` and the first bad entry, and recoveryctl turns that into exit 1.
import { InvalidQueryError, ServiceUnavailableError } from "../api-errors.js";
import { requireAdmin } from "../auth.js";
import type { AuditApi } from "../deps.js";
import { queryInt, type Route, type RouteContext } from "../router.js";

export const AUDIT_DEFAULT_LIMIT = 100;
export const AUDIT_MAX_LIMIT = 1000;

function auditOf(ctx: RouteContext): AuditApi {
  if (!ctx.deps.audit)
    throw new ServiceUnavailableError("audit_unavailable", "the audit log is not available");
  return ctx.deps.audit;
}

export function auditRoutes(): Route[] {
  return [
    {
      path: "/v1/audit",
      query: ["limit", "sinceSeq", "log"],
      methods: {
        GET: async (ctx) => {
          requireAdmin(ctx.deps.accounts, ctx.req);
          const audit = auditOf(ctx);
          const limit = queryInt(ctx.query, "limit", 1, AUDIT_MAX_LIMIT) ?? AUDIT_DEFAULT_LIMIT;
          const sinceSeq = queryInt(ctx.query, "sinceSeq", 0, Number.MAX_SAFE_INTEGER);
          // Each log has its own seq: polling with sinceSeq reads one log (general unless named).
          const log = ctx.query.get("log") ?? (sinceSeq === undefined ? "all" : "general");
          if (log !== "all" && log !== "general" && log !== "security") {
            throw new InvalidQueryError("log must be general, security or all");
          }
          if (sinceSeq !== undefined && log === "all") {
            throw new InvalidQueryError("sinceSeq reads one log: add log=general or log=security");
          }
          const entries = await audit.read({ limit, sinceSeq, log });
          return { status: 200, body: { entries } };
        },
      },
    },
    {
      path: "/v1/audit/verify",
      methods: {
        GET: async (ctx) => {
          requireAdmin(ctx.deps.accounts, ctx.req);
          const audit = auditOf(ctx);
          const result = await audit.verify();
          return { status: 200, body: result };
        },
      },
    },
  ];
}
