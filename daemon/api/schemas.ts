// Request body schemas. Strict objects: an unknown key is a client bug and is refused. Length
// limits bound the work; password *policy* is the credential store's job, not the schema's.
import * as z from "zod";

export const usernameSchema = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[a-z0-9._-]+$/, "lower-case letters, digits, dot, underscore and dash only");
/** A password given to prove who one is: bounded, as it goes to argon2 as it is. */
export const passwordSchema = z.string().max(1024);
/**
 * A password being chosen: only the body limit bounds it here, so that the password policy, not
 * the schema, refuses one that is too long, in the policy's words (a pasted 2000-character one got
 * a bare "Too big" before).
 */
export const newPasswordSchema = z.string();
export const roleSchema = z.enum(["admin", "operator", "viewer"]);
const secretInput = (max: number) => z.string().min(1).max(max);

export const setupBody = z.strictObject({
  username: usernameSchema,
  password: newPasswordSchema,
  securityCode: secretInput(64).optional(),
  setupToken: secretInput(256).optional(),
});

export const loginBody = z.strictObject({ username: usernameSchema, password: passwordSchema });

export const passwordChangeBody = z.strictObject({
  currentPassword: passwordSchema,
  newPassword: newPasswordSchema,
});

export const createUserBody = z.strictObject({
  username: usernameSchema,
  password: newPasswordSchema,
  role: roleSchema,
});

export const createTokenBody = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._-]+$/, "letters, digits, dot, underscore and dash only"),
  ttlDays: z.number().int().min(1).max(3650).optional(),
});

export const securityCodeBody = z.strictObject({ securityCode: secretInput(64) });

export const unlockBody = z.strictObject({
  code: secretInput(64),
  /** The id POST /v1/recovery/challenge answered with: only then does a wrong code use a try. */
  challengeId: z
    .string()
    .regex(/^[0-9a-f]{16}$/, "16 lower-case hex characters")
    .optional(),
});

/** SPEC 8.2; the recovery module checks the signature, device and nonce. */
export const grantBody = z.strictObject({
  type: z.literal("recoveryd-reset-grant"),
  v: z.literal(1),
  deviceId: z.string().min(1).max(256),
  nonce: z.string().min(1).max(64),
  action: z.enum(["credential-reset", "factory-reset"]),
  notAfter: z.string().min(1).max(64),
  keyId: z.number().int().min(0).max(255),
  // Canonical base64url only (the recovery module checks it again for USB grants).
  signature: z
    .string()
    .regex(/^[A-Za-z0-9_-]{86}$/, "base64url of a 64-byte Ed25519 signature")
    .refine((v) => Buffer.from(v, "base64url").toString("base64url") === v, "must be canonical base64url"),
});

/** Calls without input accept no body or `{}`. */
export const emptyBody = z.strictObject({}).optional();
