// pino JSON logs with secrets removed at the logger itself, so no call site can leak one.
import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger } from "pino";

/** Any key whose name matches is replaced, wherever it sits in a log object. */
const SECRET_KEY =
  /pass(word)?|token|secret|pepper|hash|salt|signature|code|cookie|authorization|private|otp|nonce|grant/i;
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
export const REDACTED = "[redacted]";

export function redactDeep(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== "object") return value;
  if (value instanceof Error) {
    return { type: value.name, message: value.message, code: (value as { code?: unknown }).code };
  }
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && !SAFE_KEYS.has(k) ? REDACTED : redactDeep(v, depth + 1);
  }
  return out;
}

export interface LoggerOptions {
  level?: string;
  /** Where the JSON lines go; stdout (journald) when absent. Tests pass a capture stream. */
  destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  return pino(
    {
      level: opts.level ?? "info",
      base: { svc: "recoveryd" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { log: (obj) => redactDeep(obj) as Record<string, unknown> },
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
}

/** A logger that drops everything (for unit tests that do not look at logs). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
