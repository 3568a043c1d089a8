// Which log an event goes to and whether it is noise an unauthenticated caller can repeat at will.
//
// Security events (setup, resets, lockouts, password, user and token changes, recovery outcomes)
// have their own log with its own rotation, so noise in the general log can never rotate them
// out. The few security events a stranger can trigger (lockouts of made-up names, refused
// recovery attempts, challenges) are noise-merged there too, on a long window, so they cannot
// rotate the security log either (bounds in daemon/audit/README.md).

export type LogName = "general" | "security";

const SECURITY = new Set([
  "setup",
  "setup-window-opened",
  "credential-reset",
  "credential-store-wiped",
  "store-rebuilt",
  "password-changed",
  "user-created",
  "user-deleted",
  "token-created",
  "token-revoked",
  "lockout",
]);

const NOISE = new Set(["login-failed", "setup-refused", "lockout", "recovery.challenge", "recovery.request"]);

export interface EventClass {
  log: LogName;
  /** The noise category (budget key), or null for an event that is always written. */
  noise: string | null;
}

export function classify(event: string, fields: Record<string, unknown>): EventClass {
  const recovery = event.startsWith("recovery.");
  const log: LogName =
    SECURITY.has(event) || recovery || event.startsWith("factory-reset") ? "security" : "general";
  const noise = NOISE.has(event) || (recovery && fields.outcome !== "ok") ? event : null;
  return { log, noise };
}
