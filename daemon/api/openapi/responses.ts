// Response bodies of the v1 API as zod schemas: the OpenAPI document is generated from them and
// the conformance test checks the real daemon's answers against that document. They describe
// the wire format the routes already answer (SPEC 8.1); the routes do not parse their own output.
import * as z from "zod";
import { roleSchema } from "../schemas.js";

const isoTime = z.iso.datetime({ offset: false }).describe("ISO-8601 UTC time");
const hex16 = z.string().regex(/^[0-9a-f]{16}$/);

export const userView = z.strictObject({ username: z.string(), role: roleSchema, createdAt: isoTime });

export const principalView = z.strictObject({
  username: z.string(),
  role: roleSchema,
  kind: z.enum(["session", "api-token"]),
  expiresAt: isoTime,
});

const lockedAccount = z.strictObject({
  username: z.string(),
  lockedUntil: isoTime,
  retryAfterSeconds: z.number(),
});

const fault = z.strictObject({ code: z.string(), message: z.string() });

export const statusView = z.strictObject({
  state: z.enum(["first-boot", "provisioned", "store-fault"]),
  generation: z.number().int(),
  accounts: z.number().int().min(0),
  setupWindow: z.strictObject({ open: z.boolean(), closesAt: isoTime.nullable() }),
  lockout: z.strictObject({
    locked: z.boolean(),
    lockedCount: z.number().int().min(0),
    lockedAccounts: z.array(lockedAccount).optional().describe("only for an admin's bearer token"),
    recoveryPaths: z.array(z.string()),
    endsAt: isoTime.nullable().describe("when the last login lock ends"),
    securityCode: z
      .strictObject({ locked: z.boolean(), retryAfterSeconds: z.number(), endsAt: isoTime.nullable() })
      .nullable()
      .describe("the sticker code's own lockout; null without factory data"),
  }),
  lastReset: z
    .strictObject({
      at: isoTime,
      reason: z.enum(["button", "factory", "security-code", "unlock", "grant"]),
      generation: z.number().int(),
    })
    .nullable(),
  fault: fault.optional(),
  faults: z.array(fault),
});

export const loginResult = z.strictObject({ token: z.string(), expiresAt: isoTime, role: roleSchema });

export const tokenView = z.strictObject({
  id: hex16,
  name: z.string(),
  username: z.string(),
  createdAt: isoTime,
  lastUsedAt: isoTime.nullable(),
  expiresAt: isoTime,
});

export const createdToken = z.strictObject({
  token: z.string().describe("the secret: shown once"),
  id: hex16,
  name: z.string(),
  expiresAt: isoTime,
});

/** The three resets answer alike (SPEC 8.1: setupToken and its expiry). */
export const resetResult = z.strictObject({
  setupToken: z.string().nullable(),
  setupTokenExpiresAt: isoTime.nullable(),
  generation: z.number().int(),
});

export const challengeView = z.strictObject({
  id: hex16,
  challenge: z
    .string()
    .regex(/^[A-Z2-7]+$/)
    .describe("the unlock challenge, base32 (test/fixtures/recovery/README.md)"),
  expiresAt: isoTime,
  keyId: z.number().int(),
});

/** SPEC 8.2 reset request, exactly. */
export const resetRequestDoc = z.strictObject({
  type: z.literal("recoveryd-reset-request"),
  v: z.literal(1),
  deviceId: z.string(),
  nonce: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  createdAt: isoTime,
});

export const resetRequestView = z.strictObject({ request: resetRequestDoc, usbFile: z.string().nullable() });

const auditEntry = z.looseObject({
  seq: z.number().int(),
  at: isoTime,
  event: z.string(),
  fields: z.record(z.string(), z.unknown()),
  prev: z.string(),
  hash: z.string(),
  log: z.enum(["general", "security"]),
});

const auditProblem = z.looseObject({
  seq: z.number().int().nullable(),
  file: z.string(),
  line: z.number().int(),
  problem: z.string(),
  log: z.string().optional(),
});

export const auditVerify = z.looseObject({
  ok: z.boolean(),
  entries: z.number().int(),
  firstBad: auditProblem.optional(),
  problems: z.array(auditProblem),
  logs: z.record(z.string(), z.looseObject({ ok: z.boolean(), entries: z.number().int() })),
});

const manifest = z.looseObject({}).describe("the backup's manifest (version, model, files and hashes)");

export const bodies = {
  status: statusView,
  user: userView,
  users: z.strictObject({ users: z.array(userView) }),
  principal: principalView,
  login: loginResult,
  loggedOut: z.strictObject({ loggedOut: z.literal(true), username: z.string() }),
  changed: z.strictObject({ changed: z.literal(true), username: z.string() }),
  deleted: z.strictObject({ deleted: z.literal(true), username: z.string() }),
  tokens: z.strictObject({ tokens: z.array(tokenView) }),
  createdToken,
  revoked: z.strictObject({ revoked: z.literal(true), id: z.string() }),
  reset: resetResult,
  challenge: challengeView,
  resetRequest: resetRequestView,
  audit: z.strictObject({ entries: z.array(auditEntry) }),
  auditVerify,
  email: z.strictObject({ email: z.string().nullable(), pendingEmail: z.string().nullable() }),
  emailPending: z.strictObject({ pendingEmail: z.string(), expiresAt: isoTime }),
  emailVerified: z.strictObject({ verified: z.literal(true), email: z.string() }),
  mailQueued: z.strictObject({ queued: z.number().int(), to: z.string() }),
  forgotAccepted: z.strictObject({ accepted: z.literal(true), message: z.string() }),
  backup: z.strictObject({ file: z.string(), manifest }),
  restored: z.strictObject({ restored: z.array(z.string()), manifest }),
  openapi: z.looseObject({ openapi: z.literal("3.1.0") }),
} as const;

/** Every error: `{error: {code, message, ...details}}`; 423 and 429 repeat retryAfterSeconds at the top. */
export function errorBody(codes: readonly string[]) {
  return z.strictObject({
    error: z.looseObject({
      code: z.enum(codes as [string, ...string[]]),
      message: z.string(),
      retryAfterSeconds: z.number().optional(),
    }),
    retryAfterSeconds: z.number().optional(),
  });
}
