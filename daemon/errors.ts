// Every error recoveryd raises on purpose. API errors carry a stable `code` and an HTTP status;
// the API layer turns them into `{error: {code, message}}` and never shows a stack.

export class RecoverydError extends Error {
  readonly code: string;
  readonly status: number;
  /** Extra fields that are safe to show to the caller (never a secret). */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, status: number, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

/** The configuration file is unusable. Names the key, the value and the rule it breaks. */
export class ConfigError extends RecoverydError {
  readonly key: string;
  readonly value: unknown;
  readonly rule: string;
  constructor(key: string, value: unknown, rule: string) {
    super("config_invalid", 500, `configuration key "${key}" = ${showValue(value)}: ${rule}`, {
      key,
      rule,
    });
    this.key = key;
    this.value = value;
    this.rule = rule;
  }
}

/** Factory data (device id, security-code hash, vendor keys) is missing or malformed. */
export class FactoryDataError extends RecoverydError {
  constructor(message: string) {
    super("factory_data_invalid", 500, message);
  }
}

export class ValidationError extends RecoverydError {
  constructor(message: string, details?: Record<string, unknown>) {
    super("invalid_request", 400, message, details);
  }
}

export class PasswordPolicyError extends RecoverydError {
  /** Machine-readable reason, e.g. "too_short", "common", "context", "vendor_default". */
  readonly reason: string;
  constructor(reason: string, message: string) {
    super("password_policy", 400, message, { reason });
    this.reason = reason;
  }
}

export class UnauthorizedError extends RecoverydError {
  constructor(message = "authentication required", code = "unauthorized") {
    super(code, 401, message);
  }
}

export class InvalidCredentialsError extends RecoverydError {
  constructor(message = "wrong username or password") {
    super("invalid_credentials", 401, message);
  }
}

export class ForbiddenError extends RecoverydError {
  constructor(message = "not allowed", code = "forbidden", details?: Record<string, unknown>) {
    super(code, 403, message, details);
  }
}

export class SetupClosedError extends RecoverydError {
  constructor(
    message = "setup window is closed: press the reset button briefly, or give the security code or a setup token",
  ) {
    super("setup_window_closed", 403, message);
  }
}

export class NotFoundError extends RecoverydError {
  constructor(message = "not found", code = "not_found") {
    super(code, 404, message);
  }
}

export class ConflictError extends RecoverydError {
  constructor(message: string, code = "conflict", details?: Record<string, unknown>) {
    super(code, 409, message, details);
  }
}

export class PayloadTooLargeError extends RecoverydError {
  constructor(limit: number) {
    super("payload_too_large", 413, `request body exceeds ${limit} bytes`, { limit });
  }
}

export class LockedError extends RecoverydError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, details?: Record<string, unknown>) {
    const secs = Math.max(1, Math.ceil(retryAfterSeconds));
    super("locked", 423, `locked: try again in ${secs} s`, { retryAfterSeconds: secs, ...details });
    this.retryAfterSeconds = secs;
  }
}

export class TooManyRequestsError extends RecoverydError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, message = "busy: try again shortly", code = "busy") {
    const secs = Math.max(1, Math.ceil(retryAfterSeconds));
    super(code, 429, message, { retryAfterSeconds: secs });
    this.retryAfterSeconds = secs;
  }
}

/** A recovery attempt (security code, unlock code, grant) was refused. */
export class RecoveryRefusedError extends RecoverydError {
  readonly reason: string;
  constructor(reason: string, message: string, status = 403) {
    super("recovery_refused", status, message, { reason });
    this.reason = reason;
  }
}

export class StoreUnavailableError extends RecoverydError {
  constructor(message = "credential store unavailable") {
    super("store_unavailable", 503, message);
  }
}

/** A GPIO line could not be read or vanished. Never counts as a press. */
export class GpioError extends RecoverydError {
  constructor(message: string) {
    super("gpio_error", 500, message);
  }
}

/** A forgot-password or email verification code that is wrong, used, locked or expired. */
export class InvalidCodeError extends RecoverydError {
  constructor(message = "the code is wrong, used or expired: request a new one") {
    super("invalid_code", 400, message);
  }
}

/** No mail relay is configured (or it cannot be used). */
export class MailUnavailableError extends RecoverydError {
  constructor(message = "no mail relay is configured on this recorder") {
    super("mail_unavailable", 503, message);
  }
}

/**
 * A configuration backup was refused; `reason` names why (wrong_key, corrupt, model_mismatch,
 * version_unsupported, credential_path, unknown_path, unsafe_entry, too_large, hash_mismatch,
 * manifest_invalid, no_destination, io). The error code is `backup_<reason>`.
 */
export class BackupError extends RecoverydError {
  readonly reason: string;
  constructor(reason: string, message: string, status = 400) {
    super(`backup_${reason}`, status, message, { reason });
    this.reason = reason;
  }
}

function showValue(value: unknown): string {
  if (value === undefined) return "(missing)";
  try {
    const s = JSON.stringify(value);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(value);
  }
}

/** The credential store was provisioned once and is now missing, empty, corrupt or behind. */
export class StoreFaultError extends RecoverydError {
  constructor(message: string) {
    super("store_fault", 503, message);
  }
}

/** The disk under the state directory is full or read-only: what needs it is refused, not 500. */
export class StorageError extends RecoverydError {
  constructor(message: string, code = "storage_unavailable") {
    super(code, 503, message);
  }
}

/** Another recoveryd already owns this state directory. */
export class InstanceLockedError extends RecoverydError {
  constructor(message: string) {
    super("instance_locked", 409, message);
  }
}

/** A native module (better-sqlite3, argon2) did not build or was built for another Node. */
export class NativeModuleError extends RecoverydError {
  readonly module: string;
  constructor(module: string, cause: string, nodeVersion: string) {
    super(
      "native_module_missing",
      500,
      `native module "${module}" cannot be loaded on Node ${nodeVersion} (${cause}): its install ` +
        `script did not run or built for another Node. Run \`npm rebuild ${module}\` with this Node, ` +
        `and keep "${module}" in package.json's allowScripts (npm 12 skips unlisted install scripts).`,
      { module },
    );
    this.module = module;
  }
}
