// Errors only the recovery paths raise. They extend the shared classes so the API maps them to
// the same `{error: {code, message}}` shapes and status codes as everything else.
import { RecoverydError, ValidationError } from "../errors.js";

/** Text that should be base32 (RFC 4648) is not. */
export class Base32Error extends ValidationError {
  constructor(message: string) {
    super(message, { format: "base32" });
  }
}

/** A challenge, code or grant that does not follow the wire format of SPEC 8.2. */
export class WireFormatError extends ValidationError {
  readonly what: string;
  constructor(what: string, message: string) {
    super(`${what}: ${message}`, { what });
    this.what = what;
  }
}

/**
 * A factory reset could not run or finish (a preserve path in the way, a missing factory-default
 * source, an I/O error). The durable intent stays, so the next start tries again.
 */
export class FactoryResetError extends RecoverydError {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super("factory_reset_failed", 500, message, { reason });
    this.reason = reason;
  }
}

/** A USB operation was asked for but no stick folder is configured or mounted. */
export class UsbUnavailableError extends RecoverydError {
  constructor(message: string) {
    super("usb_unavailable", 409, message);
  }
}
