// Request bodies in and JSON out. Bodies are read with a hard byte limit and a deadline so a
// large or slow upload costs at most `maxBodyBytes` of memory and `requestTimeoutMs` of time.
import type { IncomingMessage, ServerResponse } from "node:http";
import { PayloadTooLargeError, RecoverydError, StorageError } from "../errors.js";
import {
  ClientGoneError,
  InvalidJsonError,
  MethodNotAllowedError,
  RequestTimeoutError,
  UnsupportedMediaTypeError,
} from "./api-errors.js";
import { firstDuplicateKey } from "./duplicate-keys.js";

const JSON_TYPE = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/** True when the request says it carries a body (a length above zero, or chunked). */
export function declaresBody(req: IncomingMessage): boolean {
  if (req.headers["transfer-encoding"] !== undefined) return true;
  const len = req.headers["content-length"];
  return len !== undefined && len !== "0";
}

/**
 * Reads and parses a JSON body. Answers `undefined` for a request without a body, so callers
 * decide whether one is required. Throws 413, 415, 400 (bad UTF-8 or JSON), 408, or
 * ClientGoneError when the client hangs up mid-body.
 */
export function readJsonBody(req: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<unknown> {
  if (!declaresBody(req)) return Promise.resolve(undefined);
  const type = req.headers["content-type"];
  if (type === undefined || !JSON_TYPE.test(type)) return Promise.reject(new UnsupportedMediaTypeError());
  const declared = Number(req.headers["content-length"] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.reject(new PayloadTooLargeError(maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (err: Error | undefined, value?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onGone);
      req.off("close", onClose);
      if (err) {
        // Stop reading: the server closes the connection after answering (see server.ts).
        req.pause();
        reject(err);
      } else resolve(value);
    };
    const timer = setTimeout(() => finish(new RequestTimeoutError()), timeoutMs);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) return finish(new PayloadTooLargeError(maxBytes));
      chunks.push(chunk);
    };
    const onEnd = () => {
      try {
        finish(undefined, parseJson(Buffer.concat(chunks, size)));
      } catch (err) {
        finish(err as Error);
      }
    };
    const onGone = () => finish(new ClientGoneError());
    const onClose = () => {
      if (!req.complete) onGone();
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onGone);
    req.on("close", onClose);
  });
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function parseJson(bytes: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new InvalidJsonError("request body is not valid UTF-8");
  }
  if (text.trim() === "") throw new InvalidJsonError("request body is empty");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // The parser's message quotes the input; the caller gets a generic one.
    throw new InvalidJsonError();
  }
  if (firstDuplicateKey(text) !== null) {
    throw new InvalidJsonError("request body has a duplicate key in one object");
  }
  return value;
}

const COMMON_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
} as const;

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, {
    ...COMMON_HEADERS,
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/**
 * A full or read-only disk under the credential store is the recorder's state, not our bug: it
 * gets a stable 503 code (and what it refused changed nothing), never a 500.
 */
function storageErrorOf(err: unknown): StorageError | null {
  if (err instanceof RecoverydError) return null;
  const code = String((err as { code?: unknown })?.code ?? "");
  if (code === "SQLITE_FULL" || code === "ENOSPC")
    return new StorageError("the recorder's storage is full: this change was not saved", "storage_full");
  if (/^SQLITE_(READONLY|IOERR|CANTOPEN)/.test(code) || code === "EROFS" || code === "EIO")
    return new StorageError("the recorder's storage cannot be written: this change was not saved");
  return null;
}

/** The one place an error becomes a response: a stable code, a safe message, never a stack. */
export function errorReply(err: unknown): {
  status: number;
  body: { error: Record<string, unknown>; retryAfterSeconds?: number };
  headers: Record<string, string>;
} {
  const storage = storageErrorOf(err);
  if (storage) return errorReply(storage);
  if (!(err instanceof RecoverydError)) {
    return {
      status: 500,
      body: { error: { code: "internal", message: "internal error" } },
      headers: {},
    };
  }
  const error: Record<string, unknown> = { code: err.code, message: err.message };
  for (const [k, v] of Object.entries(err.details ?? {})) {
    if (k !== "code" && k !== "message") error[k] = v;
  }
  const headers: Record<string, string> = {};
  const retry = error.retryAfterSeconds;
  if (typeof retry === "number" && Number.isFinite(retry)) headers["retry-after"] = String(Math.ceil(retry));
  if (err instanceof MethodNotAllowedError) headers.allow = err.allow.join(", ");
  // SPEC 8.1 says "423 with retryAfterSeconds": also at the top level, so a script reading
  // either `retryAfterSeconds` or `error.retryAfterSeconds` finds it.
  if (typeof retry === "number" && Number.isFinite(retry))
    return { status: err.status, body: { error, retryAfterSeconds: retry }, headers };
  return { status: err.status, body: { error }, headers };
}
