// GET /v1/status: open to every caller (first-boot recorders must be able to ask what to do).
import type { Route } from "../router.js";

export function statusRoutes(): Route[] {
  return [
    {
      path: "/v1/status",
      methods: {
        GET: async ({ deps }) => {
          const s = deps.accounts.status();
          const locked = s.lockout.lockedAccounts;
          return {
            status: 200,
            body: {
              state: s.state,
              generation: s.generation,
              accounts: s.accounts,
              setupWindow: s.setupWindow,
              lockout: {
                locked: locked.length > 0,
                lockedAccounts: locked,
                // What a locked-out owner can do about it; empty when the device has no factory data.
                recoveryPaths: deps.recovery ? [...deps.recovery.offeredPaths()] : ["button"],
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
