// The hand-kept route table of the OpenAPI document: one entry per operation the router knows,
// with the zod schemas the route validates with, its answers and the error codes it can give.
// test/api/openapi-routes.test.ts fails when this table and the router disagree.
import type * as z from "zod";
import { exportBody, restoreBody } from "../routes/backup.js";
import { codeBody, confirmBody, emailBody, forgotBody } from "../routes/mail.js";
import {
  createTokenBody,
  createUserBody,
  grantBody,
  loginBody,
  passwordChangeBody,
  securityCodeBody,
  setupBody,
  unlockBody,
} from "../schemas.js";
import { bodies } from "./responses.js";

export type Auth = "none" | "optional" | "bearer" | "admin";

export interface QueryParam {
  name: string;
  description: string;
  schema: Record<string, unknown>;
}

export interface Operation {
  method: "GET" | "POST" | "DELETE";
  /** OpenAPI form: `/v1/users/{name}`. */
  path: string;
  summary: string;
  description?: string;
  auth: Auth;
  body?: z.ZodType;
  example?: unknown;
  query?: readonly QueryParam[];
  success: { status: number; schema?: z.ZodType; description: string; contentType?: string };
  /** Status → the error codes this operation gives with it (besides the common ones). */
  errors: Readonly<Record<number, readonly string[]>>;
}

export const PASSWORD = "violet tractor harbour 1987";
const usb = {
  name: "usb",
  description: "1: also copy the request to the USB folder",
  schema: { enum: ["1", "0", "true", "false"] },
};
const unauth = { 401: ["unauthorized", "invalid_token"] } as const;
const admin = { ...unauth, 403: ["admin_required"] } as const;
// Without factory data (or without vendor keys for that path) the recovery paths refuse with
// 409 recovery_refused, reason "unavailable".
const recoveryOff = { 409: ["recovery_refused"] } as const;
const BACKUP_EXPORT_REFUSALS = [
  "invalid_request",
  "backup_no_destination",
  "backup_weak_passphrase",
  "backup_bad_recipient",
  "backup_unsafe_entry",
  "backup_credential_path",
  "backup_too_large",
  "backup_io",
];
const BACKUP_RESTORE_REFUSALS = [
  "invalid_request",
  "backup_wrong_key",
  "backup_corrupt",
  "backup_manifest_invalid",
  "backup_version_unsupported",
  "backup_model_mismatch",
  "backup_credential_path",
  "backup_unknown_path",
  "backup_unsafe_entry",
  "backup_hash_mismatch",
  "backup_too_large",
  "backup_bad_identity",
  "backup_io",
];

export const OPERATIONS: readonly Operation[] = [
  {
    method: "GET",
    path: "/v1/status",
    summary: "What state the recorder is in and which ways back in it offers",
    description: "Open to every caller; an admin's bearer token also gets the locked account names.",
    auth: "optional",
    success: { status: 200, schema: bodies.status, description: "the status" },
    errors: {},
  },
  {
    method: "GET",
    path: "/v1/openapi.json",
    summary: "This document",
    description: "Unauthenticated: the API's shape is public knowledge (it ships in the repository).",
    auth: "none",
    success: { status: 200, schema: bodies.openapi, description: "the OpenAPI 3.1 document" },
    errors: {},
  },
  {
    method: "POST",
    path: "/v1/setup",
    summary: "Create the first admin (first boot, while the setup window is open, or with a setup token)",
    auth: "none",
    body: setupBody,
    example: { username: "owner", password: PASSWORD },
    success: { status: 201, schema: bodies.user, description: "the account created" },
    errors: {
      400: ["invalid_request", "password_policy"],
      403: ["setup_window_closed"],
      409: ["already_provisioned"],
    },
  },
  {
    method: "POST",
    path: "/v1/login",
    summary: "Log in: a session token",
    auth: "none",
    body: loginBody,
    example: { username: "owner", password: PASSWORD },
    success: { status: 200, schema: bodies.login, description: "a session" },
    errors: { 400: ["invalid_request"], 401: ["invalid_credentials"], 423: ["locked"] },
  },
  {
    method: "POST",
    path: "/v1/logout",
    summary: "End the caller's session",
    auth: "bearer",
    success: { status: 200, schema: bodies.loggedOut, description: "logged out" },
    errors: { ...unauth },
  },
  {
    method: "GET",
    path: "/v1/session",
    summary: "Who the bearer token belongs to",
    auth: "bearer",
    success: { status: 200, schema: bodies.principal, description: "the caller" },
    errors: { ...unauth },
  },
  {
    method: "POST",
    path: "/v1/password",
    summary: "Change the caller's password (every other session and token of the account ends)",
    auth: "bearer",
    body: passwordChangeBody,
    example: { currentPassword: PASSWORD, newPassword: "copper lantern meadow 2031" },
    success: { status: 200, schema: bodies.changed, description: "changed" },
    errors: {
      400: ["invalid_request", "password_policy"],
      ...unauth,
      401: [...unauth[401], "invalid_credentials"],
    },
  },
  {
    method: "GET",
    path: "/v1/users",
    summary: "List the accounts",
    auth: "admin",
    success: { status: 200, schema: bodies.users, description: "the accounts" },
    errors: { ...admin },
  },
  {
    method: "POST",
    path: "/v1/users",
    summary: "Create an account",
    auth: "admin",
    body: createUserBody,
    example: { username: "operator1", password: "amber kettle window 2024", role: "operator" },
    success: { status: 201, schema: bodies.user, description: "the account created" },
    errors: { 400: ["invalid_request", "password_policy"], ...admin, 409: ["user_exists"] },
  },
  {
    method: "DELETE",
    path: "/v1/users/{name}",
    summary: "Delete an account (never the last admin)",
    auth: "admin",
    success: { status: 200, schema: bodies.deleted, description: "deleted" },
    errors: { 400: ["invalid_request"], ...admin, 404: ["not_found"], 409: ["last_admin"] },
  },
  {
    method: "GET",
    path: "/v1/tokens",
    summary: "List API tokens (the caller's; an admin may name another user)",
    auth: "bearer",
    query: [
      { name: "user", description: "another account's tokens (admin only)", schema: { type: "string" } },
    ],
    success: { status: 200, schema: bodies.tokens, description: "the tokens, never their secrets" },
    errors: { 400: ["invalid_request"], ...unauth, 403: ["forbidden"] },
  },
  {
    method: "POST",
    path: "/v1/tokens",
    summary: "Create an API token",
    auth: "admin",
    body: createTokenBody,
    example: { name: "nvr-web", ttlDays: 30 },
    success: { status: 201, schema: bodies.createdToken, description: "the token; its secret is shown once" },
    errors: { 400: ["invalid_request"], ...admin, 409: ["token_limit"] },
  },
  {
    method: "DELETE",
    path: "/v1/tokens/{id}",
    summary: "Revoke an API token",
    auth: "bearer",
    success: { status: 200, schema: bodies.revoked, description: "revoked" },
    errors: { 400: ["invalid_request"], ...unauth, 404: ["token_not_found"] },
  },
  {
    method: "POST",
    path: "/v1/recovery/security-code",
    summary: "Credential reset with the sticker's security code",
    auth: "none",
    body: securityCodeBody,
    example: { securityCode: "K7QW 3M2X RT5N P4ZA" },
    success: { status: 200, schema: bodies.reset, description: "reset: a one-time setup token" },
    errors: { 400: ["invalid_request"], 403: ["recovery_refused"], 423: ["locked"], ...recoveryOff },
  },
  {
    method: "POST",
    path: "/v1/recovery/challenge",
    summary: "An unlock challenge to read to support",
    auth: "none",
    success: { status: 201, schema: bodies.challenge, description: "the challenge" },
    errors: { 429: ["challenge_rate_limited", "challenges_full"], ...recoveryOff },
  },
  {
    method: "POST",
    path: "/v1/recovery/unlock",
    summary: "Credential reset with the code support computed for a challenge",
    auth: "none",
    body: unlockBody,
    example: { code: "ABCD2345", challengeId: "0123456789abcdef" },
    success: { status: 200, schema: bodies.reset, description: "reset: a one-time setup token" },
    errors: {
      400: ["invalid_request"],
      403: ["recovery_refused"],
      429: ["unlock_rate_limited"],
      ...recoveryOff,
    },
  },
  {
    method: "GET",
    path: "/v1/recovery/request",
    summary: "Read the live reset request (changes nothing)",
    auth: "none",
    query: [usb],
    success: { status: 200, schema: bodies.resetRequest, description: "the live request" },
    errors: { 400: ["invalid_query"], 404: ["no_request"], 409: ["usb_unavailable", "recovery_refused"] },
  },
  {
    method: "POST",
    path: "/v1/recovery/request",
    summary: "Create a reset request for the vendor to sign",
    auth: "none",
    query: [usb],
    success: { status: 201, schema: bodies.resetRequest, description: "the new request" },
    errors: { 400: ["invalid_query"], 409: ["request_pending", "usb_unavailable", "recovery_refused"] },
  },
  {
    method: "POST",
    path: "/v1/recovery/grant",
    summary: "Apply a vendor-signed reset grant (wire format: test/fixtures/recovery/README.md)",
    auth: "none",
    body: grantBody,
    example: {
      type: "recoveryd-reset-grant",
      v: 1,
      deviceId: "NVR8-2026-000042",
      nonce: "AAAAAAAAAAAAAAAAAAAAAA",
      action: "credential-reset",
      notAfter: "2026-12-31T00:00:00.000Z",
      keyId: 7,
      signature: "A".repeat(86),
    },
    success: { status: 200, schema: bodies.reset, description: "reset: a one-time setup token" },
    errors: { 400: ["invalid_request"], 403: ["recovery_refused"], ...recoveryOff },
  },
  {
    method: "GET",
    path: "/v1/account/email",
    summary: "The caller's registered and pending email address",
    auth: "admin",
    success: { status: 200, schema: bodies.email, description: "the addresses" },
    errors: { ...admin },
  },
  {
    method: "POST",
    path: "/v1/account/email",
    summary: "Register an email address (a verification code is mailed to it)",
    auth: "admin",
    body: emailBody,
    example: { email: "owner@example.com", password: PASSWORD },
    success: { status: 202, schema: bodies.emailPending, description: "pending verification" },
    errors: {
      400: ["invalid_request"],
      ...admin,
      401: [...admin[401], "invalid_credentials"],
      423: ["locked"],
      503: ["mail_unavailable"],
    },
  },
  {
    method: "POST",
    path: "/v1/account/email/verify",
    summary: "Confirm the pending address with the mailed code",
    auth: "admin",
    body: codeBody,
    example: { code: "12345678" },
    success: { status: 200, schema: bodies.emailVerified, description: "verified" },
    errors: { 400: ["invalid_request", "invalid_code"], ...admin },
  },
  {
    method: "POST",
    path: "/v1/account/email/test",
    summary: "Send a test mail to the verified address",
    auth: "admin",
    success: { status: 202, schema: bodies.mailQueued, description: "queued" },
    errors: { ...admin, 404: ["not_found"], 503: ["mail_unavailable"] },
  },
  {
    method: "POST",
    path: "/v1/recovery/forgot",
    summary: "Forgot password: mail a code to the account's verified address",
    description: "The same 202 for every well-formed name, before any lookup (no enumeration).",
    auth: "none",
    body: forgotBody,
    example: { username: "owner" },
    success: { status: 202, schema: bodies.forgotAccepted, description: "accepted" },
    errors: { 400: ["invalid_request"] },
  },
  {
    method: "POST",
    path: "/v1/recovery/forgot/confirm",
    summary: "Set a new password with the mailed code",
    auth: "none",
    body: confirmBody,
    example: { username: "owner", code: "12345678", newPassword: "copper lantern meadow 2031" },
    success: { status: 200, schema: bodies.changed, description: "changed; every session and token ends" },
    errors: {
      400: ["invalid_request", "invalid_code", "password_policy"],
      409: ["credentials_reset"],
    },
  },
  {
    method: "POST",
    path: "/v1/backup",
    summary: "Export an encrypted configuration backup (age, passphrase or recipient)",
    auth: "admin",
    body: exportBody,
    // Without `to`, the backup goes to the USB folder (recovery.usbDir).
    example: { passphrase: "correct horse battery staple" },
    success: { status: 201, schema: bodies.backup, description: "written" },
    errors: { 400: BACKUP_EXPORT_REFUSALS, ...admin, 409: ["backup_busy"] },
  },
  {
    method: "POST",
    path: "/v1/backup/restore",
    summary: "Restore a configuration backup",
    auth: "admin",
    body: restoreBody,
    example: { file: "/media/usb/recoveryd-backup.age", passphrase: "correct horse battery staple" },
    success: { status: 200, schema: bodies.restored, description: "restored" },
    errors: { 400: BACKUP_RESTORE_REFUSALS, ...admin, 409: ["backup_busy"] },
  },
  {
    method: "GET",
    path: "/v1/audit",
    summary: "Read the audit log",
    auth: "admin",
    query: [
      {
        name: "limit",
        description: "1 to 1000 (default 100)",
        schema: { type: "string", pattern: "^\\d+$" },
      },
      {
        name: "sinceSeq",
        description: "entries after this seq of one log",
        schema: { type: "string", pattern: "^\\d+$" },
      },
      {
        name: "log",
        description: "general, security or all",
        schema: { enum: ["general", "security", "all"] },
      },
    ],
    success: { status: 200, schema: bodies.audit, description: "the entries" },
    errors: { 400: ["invalid_query"], ...admin },
  },
  {
    method: "GET",
    path: "/v1/audit/verify",
    summary: "Verify the audit logs' hash chains (a broken chain is ok: false, not an error)",
    auth: "admin",
    success: { status: 200, schema: bodies.auditVerify, description: "the verdict" },
    errors: { ...admin },
  },
  {
    method: "GET",
    path: "/v1/events",
    summary: "Server-sent events: LED, buzzer, tier, press and state changes",
    auth: "none",
    success: { status: 200, description: "an event stream", contentType: "text/event-stream" },
    errors: { 429: ["too_many_streams"] },
  },
];

/** Errors any path can give (transport, limits, degraded store). */
export const COMMON_ERRORS: Readonly<Record<number, readonly string[]>> = {
  400: ["bad_request", "invalid_path", "invalid_json", "invalid_query"],
  404: ["not_found"],
  405: ["method_not_allowed"],
  408: ["request_timeout"],
  413: ["payload_too_large"],
  414: ["uri_too_long"],
  415: ["unsupported_media_type"],
  429: ["busy"],
  431: ["headers_too_large"],
  500: ["internal"],
  503: ["store_unavailable", "storage_full", "storage_unavailable"],
};
