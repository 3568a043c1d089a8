// The remote recovery paths (SPEC 6). No login: they exist for owners who cannot log in. Each
// path limits its own attempts; the three resets answer with a one-time setup token.
import type { ResetOutcome } from "../../services.js";
import { ServiceUnavailableError } from "../api-errors.js";
import type { RecoveryApi } from "../deps.js";
import { queryFlag, type Route, type RouteContext } from "../router.js";
import { grantBody, securityCodeBody, unlockBody } from "../schemas.js";

function recoveryOf(ctx: RouteContext): RecoveryApi {
  if (!ctx.deps.recovery) {
    throw new ServiceUnavailableError(
      "recovery_unavailable",
      "remote recovery is not available on this device",
    );
  }
  return ctx.deps.recovery;
}

function resetReply(outcome: ResetOutcome) {
  return {
    status: 200,
    body: {
      setupToken: outcome.setupToken ?? null,
      setupTokenExpiresAt: outcome.setupTokenExpiresAt ?? null,
      generation: outcome.generation,
    },
  };
}

export function recoveryRoutes(): Route[] {
  return [
    {
      path: "/v1/recovery/security-code",
      methods: {
        POST: async (ctx) => {
          const recovery = recoveryOf(ctx);
          const { securityCode } = await ctx.body(securityCodeBody);
          return resetReply(await recovery.securityCodeReset(securityCode));
        },
      },
    },
    {
      path: "/v1/recovery/challenge",
      methods: {
        POST: async (ctx) => {
          const recovery = recoveryOf(ctx);
          await ctx.noBody();
          return { status: 201, body: await recovery.createChallenge() };
        },
      },
    },
    {
      path: "/v1/recovery/unlock",
      methods: {
        POST: async (ctx) => {
          const recovery = recoveryOf(ctx);
          const { code, challengeId } = await ctx.body(unlockBody);
          return resetReply(await recovery.unlock(code, challengeId));
        },
      },
    },
    {
      path: "/v1/recovery/request",
      query: ["usb"],
      methods: {
        // Reading never creates or replaces a request (issue 12); ?usb=1 copies the live one.
        GET: async (ctx) => {
          const recovery = recoveryOf(ctx);
          const usb = queryFlag(ctx.query, "usb");
          const view = await recovery.liveResetRequest({ usb });
          return { status: 200, body: { request: view.request, usbFile: view.usbFile } };
        },
        POST: async (ctx) => {
          const recovery = recoveryOf(ctx);
          const usb = queryFlag(ctx.query, "usb");
          await ctx.noBody();
          const view = await recovery.resetRequest({ usb });
          return { status: 201, body: { request: view.request, usbFile: view.usbFile } };
        },
      },
    },
    {
      path: "/v1/recovery/grant",
      methods: {
        POST: async (ctx) => {
          const recovery = recoveryOf(ctx);
          const grant = await ctx.body(grantBody);
          return resetReply(await recovery.applyGrant(grant));
        },
      },
    },
  ];
}
