// GET /v1/status: open to every caller (first-boot recorders must be able to ask what to do).
import type { IncomingMessage } from "node:http";
import { bearerToken } from "../auth.js";
import type { ApiDeps } from "../deps.js";
import type { Route } from "../router.js";

function isAdmin(deps: ApiDeps, req: IncomingMessage): boolean {
  if (req.headers.authorization === undefined) return false;
  try {
    return deps.accounts.authenticate(bearerToken(req)).role === "admin";
  } catch {
    return false;
  }
}

function latest(isoTimes: string[]): string | null {
  let best: string | null = null;
  for (const t of isoTimes) if (best === null || Date.parse(t) > Date.parse(best)) best = t;
  return best;
}

export function statusRoutes(): Route[] {
  return [
    {
      path: "/v1/status",
      methods: {
        GET: async ({ deps, req }) => {
          const s = deps.accounts.status();
          // Strangers see counts only: a locked username tells them the name exists (issue 12).
          const admin = isAdmin(deps, req);
          const code = (await deps.recovery?.securityCodeLockout?.()) ?? null;
          return {
            status: 200,
            body: {
              state: s.state,
              generation: s.generation,
              accounts: s.accounts,
              setupWindow: s.setupWindow,
              lockout: {
                locked: s.lockout.lockedCount > 0,
                lockedCount: s.lockout.lockedCount,
                ...(admin ? { lockedAccounts: s.lockout.lockedAccounts } : {}),
                // What a locked-out owner can do about it; empty when the device has no factory data.
                recoveryPaths: deps.recovery ? [...deps.recovery.offeredPaths()] : ["button"],
                // Added by issue 15: when the last login lock ends (a time, not a name), and the
                // sticker code's own lockout, so a locked-out owner sees every door that is shut.
                endsAt: latest(s.lockout.lockedAccounts.map((a) => a.lockedUntil)),
                securityCode: code,
              },
              lastReset: s.lastReset,
              ...(s.fault ? { fault: s.fault } : {}),
              faults: deps.faults?.() ?? (s.fault ? [s.fault] : []),
            },
          };
        },
      },
    },
  ];
}
