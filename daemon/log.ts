// pino JSON logs with secrets removed at the logger itself, so no call site can leak one.
import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger } from "pino";

/** Any key whose name matches is replaced, wherever it sits in a log object. */
const SECRET_KEY =
  /pass(word)?|pwd|token|secret|pepper|hash|phc|salt|signature|code|cookie|authorization|bearer|private|otp|nonce|grant|api_?key|credentials/i;
/**
 * Short names that are secret only as the whole key: JWK private members "d" and "k", a MAC (the
 * unlock code is one, truncated), a PIN... ("key" alone is not here: config errors name a config key.)
 */
const SECRET_EXACT_KEY = /^(d|k|pin|pw|sid|mac|auth|jwk|seed)$/i;
/** Keys that match the pattern above but are known to hold no secret. */
const SAFE_KEYS = new Set([
  "errorCode",
  "statusCode",
  "exitCode",
  "reasonCode",
  "hashesRunning",
  "tokenCount",
  "codeLength",
]);
/** Values that are secret whatever key holds them: argon2 PHC strings and HTTP bearer credentials. */
const SECRET_VALUE = /\$argon2(id|i|d)\$|^\s*bearer\s+[\w.~+/=-]{8,}\s*$|AGE-SECRET-KEY-/i;
/** Deeper than this, a branch is cut: a secret must not survive just by being nested deeply. */
const MAX_DEPTH = 8;
export const REDACTED = "[redacted]";

function isSecretKey(k: string): boolean {
  return (SECRET_KEY.test(k) || SECRET_EXACT_KEY.test(k)) && !SAFE_KEYS.has(k);
}

export function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return SECRET_VALUE.test(value) ? REDACTED : value;
  if (value === null || typeof value !== "object") return value;
  if (depth > MAX_DEPTH) return "[too deep]";
  if (value instanceof Date) return value;
  // Raw bytes (a pepper, a key, a hash buffer) are never worth logging and are hard to recognise.
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return REDACTED;
  if (value instanceof Error) {
    return { type: value.name, message: value.message, code: (value as { code?: unknown }).code };
  }
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    // A yes/no under a secret-sounding name ("setupTokenIssued") tells nothing secret: keep it.
    out[k] = isSecretKey(k) && typeof v !== "boolean" ? REDACTED : redactDeep(v, depth + 1);
  }
  return out;
}

export interface LoggerOptions {
  level?: string;
  /** Where the JSON lines go; stdout (journald) when absent. Tests pass a capture stream. */
  destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const root = pino(
    {
      level: opts.level ?? "info",
      base: { svc: "recoveryd" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { log: (obj) => redactDeep(obj) as Record<string, unknown> },
      // `err` is already a plain {type, message, code} by now (formatters run first); pino's own
      // error serializer would rename its type to "Object".
      serializers: { err: (err: unknown) => err },
      // Belt and braces: pino's own path redaction for the most common shapes.
      redact: {
        paths: [
          "password",
          "*.password",
          "token",
          "*.token",
          "req.headers.authorization",
          "headers.authorization",
        ],
        censor: REDACTED,
      },
    },
    opts.destination ?? pino.destination({ fd: 1, sync: false }),
  );
  redactChildBindings(root);
  return root;
}

/**
 * Bindings given to log.child({...}) are serialized once, bypassing formatters.log, and pino resets
 * a bindings formatter for children. So child() itself is wrapped; children inherit the wrapper
 * (pino makes them with Object.create(parent)), so grandchildren are covered too.
 */
function redactChildBindings(root: Logger): void {
  type ChildFn = (this: Logger, bindings: Record<string, unknown>, options?: unknown) => Logger;
  const child = (Object.getPrototypeOf(root) as { child: ChildFn }).child;
  Object.defineProperty(root, "child", {
    value: function (this: Logger, bindings: Record<string, unknown>, options?: unknown): Logger {
      return child.call(this, redactDeep(bindings) as Record<string, unknown>, options);
    },
    writable: true,
    configurable: true,
  });
}

/** A logger that drops everything (for unit tests that do not look at logs). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
