// The HTTP client of recoveryd's local API over its Unix socket. Shared by recoveryctl, the
// tests and the benchmarks, so every caller sees the daemon the same way.
import http, { type IncomingHttpHeaders } from "node:http";
import { SseParser } from "./sse.js";

/** The socket is missing, refused, not permitted, or the daemon stopped answering. */
export class DaemonUnreachableError extends Error {
  constructor(
    readonly socketPath: string,
    readonly reason: string,
  ) {
    super(`cannot reach recoveryd at ${socketPath}: ${reason}`);
    this.name = "DaemonUnreachableError";
  }
}

/** The daemon answered with an error (`{error: {code, message}}`). */
export class ApiError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown>;
  constructor(
    readonly status: number,
    body: unknown,
  ) {
    const err = errorOf(body);
    super(err?.message ?? `HTTP ${status}`);
    this.name = "ApiError";
    this.code = err?.code ?? `http_${status}`;
    this.details = err ?? {};
  }
  get retryAfterSeconds(): number | undefined {
    const v = this.details.retryAfterSeconds;
    return typeof v === "number" ? v : undefined;
  }
}

function errorOf(body: unknown): ({ code: string; message: string } & Record<string, unknown>) | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const e = (body as { error?: unknown }).error;
  if (typeof e !== "object" || e === null) return undefined;
  const { code, message } = e as { code?: unknown; message?: unknown };
  if (typeof code !== "string" || typeof message !== "string") return undefined;
  return e as { code: string; message: string } & Record<string, unknown>;
}

export interface RequestOptions {
  method?: string;
  /** Path and query, e.g. "/v1/audit?limit=10". */
  path: string;
  /** Sent as JSON. */
  body?: unknown;
  token?: string | undefined;
  headers?: Record<string, string>;
  /** Whole-call limit; a queued login can take a while. */
  timeoutMs?: number;
}

export interface ApiResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, or the text when the answer is not JSON. */
  body: unknown;
}

const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export function apiRequest(socketPath: string, opts: RequestOptions): Promise<ApiResponse> {
  const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
  const headers: Record<string, string> = { accept: "application/json", ...opts.headers };
  if (payload) {
    headers["content-type"] = "application/json";
    headers["content-length"] = String(payload.length);
  }
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath, method: opts.method ?? "GET", path: opts.path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) req.destroy(new Error("response too large"));
          else chunks.push(c);
        });
        res.on("end", () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown = text;
          if (/json/.test(res.headers["content-type"] ?? "")) {
            try {
              body = JSON.parse(text);
            } catch {
              // Keep the text: the caller reports it.
            }
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
        res.on("error", (err) => fail(err));
      },
    );
    const fail = (err: Error) => {
      clearTimeout(timer);
      reject(new DaemonUnreachableError(socketPath, describe(err)));
    };
    const timer = setTimeout(() => req.destroy(new Error("timed out")), opts.timeoutMs ?? 60_000);
    req.on("error", fail);
    req.end(payload);
  });
}

/** Like apiRequest, but a non-2xx answer throws ApiError. */
export async function call<T = Record<string, unknown>>(
  socketPath: string,
  opts: RequestOptions,
): Promise<T> {
  const res = await apiRequest(socketPath, opts);
  if (res.status < 200 || res.status > 299) throw new ApiError(res.status, res.body);
  return res.body as T;
}

export interface StreamEvent {
  type: string;
  data: Record<string, unknown>;
}

export interface EventStream {
  /** Resolves when the daemon ends the stream; rejects with DaemonUnreachableError if it breaks. */
  done: Promise<void>;
  close(): void;
}

/**
 * Subscribes to GET /v1/events. Resolves once the daemon accepted the subscription, so events
 * caused after that (a simulated press) cannot be missed.
 */
export function openEventStream(socketPath: string, onEvent: (e: StreamEvent) => void): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    let closedByUs = false;
    const req = http.request(
      {
        socketPath,
        method: "GET",
        path: "/v1/events",
        headers: { accept: "text/event-stream" },
        agent: false,
      },
      (res) => {
        if (res.statusCode !== 200) {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            let body: unknown;
            try {
              body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
            } catch {
              body = undefined;
            }
            reject(new ApiError(res.statusCode ?? 0, body));
          });
          return;
        }
        const parser = new SseParser();
        res.setEncoding("utf8");
        const done = new Promise<void>((resolveDone, rejectDone) => {
          res.on("data", (text: string) => {
            for (const msg of parser.push(text)) {
              let data: Record<string, unknown>;
              try {
                data = JSON.parse(msg.data) as Record<string, unknown>;
              } catch {
                continue;
              }
              onEvent({ type: msg.event, data });
            }
          });
          res.on("end", () => resolveDone());
          res.on("error", (err) => {
            if (closedByUs) resolveDone();
            else rejectDone(new DaemonUnreachableError(socketPath, describe(err)));
          });
          res.on("close", () => {
            if (closedByUs || res.complete) resolveDone();
            else rejectDone(new DaemonUnreachableError(socketPath, "the event stream broke"));
          });
        });
        // The caller may never await `done` (it closes the stream itself); do not crash on it.
        done.catch(() => {});
        resolve({
          done,
          close() {
            closedByUs = true;
            req.destroy();
          },
        });
      },
    );
    req.on("error", (err) => {
      if (!closedByUs) reject(new DaemonUnreachableError(socketPath, describe(err)));
    });
    req.end();
  });
}

function describe(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT":
      return "no socket there (is the daemon running?)";
    case "ECONNREFUSED":
      return "connection refused (the daemon is not running)";
    case "EACCES":
      return "permission denied (are you in the daemon's group?)";
    case "ECONNRESET":
    case "EPIPE":
      return "the daemon closed the connection";
    default:
      return code ? `${code}: ${err.message}` : err.message;
  }
}
