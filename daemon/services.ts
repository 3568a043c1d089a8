// The seams between the daemon's parts. The API, recoveryctl and the button wiring talk to these
// interfaces; the store, recovery and audit modules implement them.

export type Role = "admin" | "operator" | "viewer";
export type CredentialState = "first-boot" | "provisioned";
/** What GET /v1/status reports: the credential state, or that the store itself is at fault. */
export type ReportedState = CredentialState | "store-fault";
export type ResetReason = "button" | "factory" | "security-code" | "unlock" | "grant";

/** Who is calling, after a Bearer session or API token was checked. */
export interface Principal {
  username: string;
  role: Role;
  kind: "session" | "api-token";
  /** ISO-8601 UTC. */
  expiresAt: string;
}

export interface LoginResult {
  token: string;
  expiresAt: string;
  role: Role;
}

export interface UserView {
  username: string;
  role: Role;
  createdAt: string;
}

/** An API token as listed: never the secret. Times ISO-8601 UTC. */
export interface TokenView {
  id: string;
  name: string;
  username: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string;
}

export interface LockedAccount {
  username: string;
  lockedUntil: string;
  retryAfterSeconds: number;
}

export interface CredentialStatus {
  state: ReportedState;
  /** Set when state is "store-fault": what is wrong, and the way out. */
  fault?: { code: string; message: string };
  generation: number;
  accounts: number;
  setupWindow: { open: boolean; closesAt: string | null };
  /** `lockedAccounts` names names: only for an admin (status shows strangers counts only). */
  lockout: { lockedCount: number; lockedAccounts: LockedAccount[] };
  lastReset: { at: string; reason: ResetReason; generation: number } | null;
}

export interface SetupRequest {
  username: string;
  password: string;
  securityCode?: string | undefined;
  setupToken?: string | undefined;
}

export interface ResetOutcome {
  generation: number;
  /** One-time setup token for the caller of a remote reset (never for the button). */
  setupToken?: string;
  setupTokenExpiresAt?: string;
}

export interface ResetOptions {
  /** Button resets open the setup window for whoever is at the recorder. */
  openWindow: boolean;
  /** Remote resets hand their caller a one-time setup token instead. */
  issueSetupToken: boolean;
}

/** Accounts, sessions, tokens, lockout and the reset to first boot. */
export interface AccountService {
  status(): CredentialStatus;
  setup(req: SetupRequest): Promise<UserView>;
  login(username: string, password: string): Promise<LoginResult>;
  logout(token: string): void;
  /** Throws UnauthorizedError for a missing, unknown or expired token. */
  authenticate(bearer: string | undefined): Principal;
  changePassword(who: Principal, currentPassword: string, newPassword: string): Promise<void>;
  listUsers(who: Principal): UserView[];
  createUser(who: Principal, req: { username: string; password: string; role: Role }): Promise<UserView>;
  deleteUser(who: Principal, username: string): void;
  createToken(
    who: Principal,
    req: { name: string; ttlDays?: number | undefined },
  ): {
    token: string;
    id: string;
    name: string;
    expiresAt: string;
  };
  /** The caller's own API tokens (an admin may name another user). */
  listTokens(who: Principal, username?: string): TokenView[];
  /** Revokes one API token by id: the caller's own, or anyone's for an admin. */
  revokeToken(who: Principal, id: string): void;
  /** Opens the setup window (short press in first-boot state, boot). No-op when provisioned. */
  openSetupWindow(reason: string, ms?: number): void;
  credentialReset(reason: ResetReason, opts: ResetOptions): Promise<ResetOutcome>;
}

/** Append-only, hash-chained audit log (SPEC 7). Never given a secret. */
export interface AuditSink {
  record(event: string, fields?: Record<string, unknown>): void;
}

/** What goes out on GET /v1/events (server-sent events). */
export type DaemonEvent =
  | { type: "led"; pattern: string }
  | { type: "buzzer"; pattern: string }
  | { type: "tier"; tier: string; heldMs: number }
  | { type: "press"; tier: string; durationMs: number; boot: boolean; action: string }
  | { type: "state"; state: ReportedState; generation: number }
  | {
      type: "confirm";
      action: string;
      deadline: string | null;
      /** When the wait ends: confirmed, or why not (issue 15). */
      outcome?: "confirmed" | "timeout" | "other-press" | "line-fault";
    }
  | { type: "fault"; fault: string | null };
