// The local API: HTTP/1.1 + JSON over a Unix socket (SPEC 8, 8.1). This file owns the
// transport (socket, limits, timeouts, dispatch, error writing); routes live in routes/.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { Socket } from "node:net";
import type * as z from "zod";
import type { Clock } from "../clock.js";
import type { Config } from "../config/schema.js";
import { RecoverydError, TooManyRequestsError } from "../errors.js";
import type { Logger } from "../log.js";
import { runInRequest } from "../request-context.js";
import {
  BadRequestError,
  ClientGoneError,
  InvalidQueryError,
  MethodNotAllowedError,
  RouteNotFoundError,
} from "./api-errors.js";
import { bearerToken } from "./auth.js";
import { guardConnections } from "./connections.js";
import type { ApiDeps } from "./deps.js";
import { declaresBody, errorReply, readJsonBody, sendJson } from "./http.js";
import { type Reply, type RouteContext, Router, STREAMING, validate } from "./router.js";
import { EventStreams } from "./routes/events.js";
import { allRoutes } from "./routes.js";
import { emptyBody } from "./schemas.js";
import { checkSocketPath, listenOnSocket, parseMode, removeStaleSocket } from "./socket-file.js";
import { parseTarget } from "./target.js";

// Through require, not `import`: on Node 22+ the ES-module view of node:http reads every export,
// and its lazy WebSocket/EventSource getters load undici: 80 ms of start-up on Node 24 (issue 14).
const http = createRequire(import.meta.url)("node:http") as typeof import("node:http");

export interface ApiServerOptions {
  socketPath: string;
  /** Octal file mode of the socket, e.g. "0660". */
  mode: string;
  limits: Config["api"];
  deps: ApiDeps;
  log: Logger;
  clock: Clock;
}

export interface ApiServer {
  /** Stops accepting, ends event streams, lets in-flight calls finish (2 s at most). */
  close(): Promise<void>;
  server: Server;
}

/** Request headers are small (a Bearer token at most); anything bigger is refused with 431. */
const MAX_HEADER_BYTES = 8192;
/** Calls one connection may have in flight (HTTP pipelining) before the next is refused with 429. */
const PIPELINE_DEPTH = 4;
/** How long close() lets in-flight requests finish before cutting them. */
const CLOSE_GRACE_MS = 2000;
/**
 * Node's backstop sweep for header/request timeouts. Kept long because it runs even when idle;
 * the precise deadlines are per connection (connections.ts) and in the body reader.
 */
const SWEEP_INTERVAL_MS = 30_000;

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const { limits, log } = opts;
  const mode = parseMode(opts.mode);
  checkSocketPath(opts.socketPath);
  // Event streams may use at most half the connections, so logins always find a free one.
  const streams = new EventStreams(
    Math.max(1, Math.floor(limits.maxConnections / 2)),
    limits.eventHeartbeatMs,
  );
  const router = new Router(allRoutes(streams));

  const server = http.createServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.idleTimeoutMs,
    connectionsCheckingInterval: SWEEP_INTERVAL_MS,
    maxHeaderSize: MAX_HEADER_BYTES,
    // A local client over a Unix socket has no meaningful Host; do not refuse one without it.
    requireHostHeader: false,
  });
  // No server.maxConnections: at the cap, Node would drop every newcomer while idle sockets sit
  // there. The guard evicts the longest-idle connection instead (connections.ts).
  server.maxHeadersCount = 64;
  // A socket with no traffic at all for this long is dropped (event streams opt out).
  server.setTimeout(limits.idleTimeoutMs);
  const guard = guardConnections(server, limits);
  // Calls in flight from callers without a valid session or token; the rest of the cap is kept
  // for signed-in callers, so strangers can never hold every connection busy.
  const reserved = Math.max(2, Math.floor(limits.maxConnections / 8));
  const strangerCap = Math.max(1, limits.maxConnections - reserved);
  let strangersInFlight = 0;
  server.on("clientError", onClientError);
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const authenticated = isSignedIn(opts.deps, req);
    const ctx = { connection: guard.serialOf(req.socket), authenticated };
    // A stranger's call is refused at once (429) when its connection already has
    // PIPELINE_DEPTH calls in flight or strangers hold their whole share of the cap; refused
    // calls end at once and are not counted.
    // Event streams are long-lived and have their own cap (half the connections, events.ts).
    const counts = !authenticated && !(req.method === "GET" && (req.url ?? "").startsWith("/v1/events"));
    const over =
      counts && (guard.inFlightOf(req.socket) > PIPELINE_DEPTH || strangersInFlight >= strangerCap);
    if (counts && !over) {
      strangersInFlight++;
      // A pipelined request whose connection dies before its turn may never see its own close.
      let counted = true;
      const done = () => {
        if (!counted) return;
        counted = false;
        strangersInFlight--;
        req.socket.off("close", done);
      };
      res.once("close", done);
      req.socket.once("close", done);
    }
    // handle() answers every error itself; this is the last line against a crash.
    runInRequest(ctx, () => handle(req, res, over)).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse, overCap: boolean): Promise<void> {
    const started = opts.clock.monotonic();
    const method = req.method ?? "";
    let path = "-";
    res.once("close", () => {
      // Method, path, status and time only: never a body, a query or the Authorization header.
      log.debug(
        { method, path, status: res.statusCode, ms: Math.round(opts.clock.monotonic() - started) },
        "api request",
      );
    });
    // While the request is still arriving, silence means a stalled client: drop it. Once it is
    // complete the wait is ours (a login queued behind other hashes), so the socket stays.
    // A body being read has its own deadline (requestTimeoutMs, answered with 408).
    let bodyReading = false;
    res.on("timeout", () => {
      if (!req.complete && !bodyReading) req.socket.destroy();
    });
    let bodyRead = false;
    try {
      // llhttp still parses HTTP/0.9-style request lines; this API speaks HTTP/1.x only.
      if (req.httpVersionMajor !== 1) throw new BadRequestError("only HTTP/1.0 and HTTP/1.1 are spoken here");
      if (overCap) throw new TooManyRequestsError(1, "busy: too many calls at once; try again shortly");
      const target = parseTarget(req.url);
      path = target.path.slice(0, 200);
      const match = router.match(method, target.segments);
      if (match.kind === "none") throw new RouteNotFoundError();
      if (match.kind === "method") throw new MethodNotAllowedError(method, match.allow);
      for (const key of target.query.keys()) {
        if (!match.query.includes(key)) {
          throw new InvalidQueryError(`unknown query parameter "${key.slice(0, 40)}"`);
        }
      }
      const readBody = async (): Promise<unknown> => {
        if (bodyRead) throw new Error("request body read twice");
        bodyRead = true;
        bodyReading = true;
        try {
          return await readJsonBody(req, limits.maxBodyBytes, limits.requestTimeoutMs);
        } finally {
          bodyReading = false;
        }
      };
      const ctx: RouteContext = {
        req,
        res,
        params: match.params,
        query: target.query,
        deps: opts.deps,
        limits,
        log,
        clock: opts.clock,
        body: async <S extends z.ZodType>(schema: S) => validate(schema, await readBody(), "request body"),
        noBody: async () => {
          validate(emptyBody, await readBody(), "request body");
        },
      };
      const reply: Reply | typeof STREAMING = await match.handler(ctx);
      if (reply === STREAMING) return;
      sendJson(res, reply.status, reply.body, { ...reply.headers, ...closeIfUnread(req, bodyRead) });
    } catch (err) {
      if (err instanceof ClientGoneError || res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      const reply = errorReply(err);
      if (!(err instanceof RecoverydError)) {
        log.error({ err, method, path }, "api call failed unexpectedly");
      } else if (reply.status >= 500) {
        log.warn({ errorCode: err.code, method, path }, "api call failed");
      }
      // After a body refusal (413, 408, bad type) the rest of the body is unread: close.
      const close = reply.status === 413 || reply.status === 408 || reply.status === 415;
      sendJson(res, reply.status, reply.body, {
        ...reply.headers,
        ...(close ? { connection: "close" } : closeIfUnread(req, bodyRead)),
      });
    }
  }

  await removeStaleSocket(opts.socketPath);
  await listenOnSocket(server, opts.socketPath, mode);
  log.info({ socket: opts.socketPath, mode: opts.mode }, "api listening");

  let closing: Promise<void> | undefined;
  return {
    server,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        streams.endAll();
        server.closeIdleConnections();
        const grace = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        server.once("close", () => clearTimeout(grace));
      });
      return closing;
    },
  };
}

/** A valid session or API token (checked once more by the route that needs it). */
function isSignedIn(deps: ApiDeps, req: IncomingMessage): boolean {
  if (req.headers.authorization === undefined) return false;
  try {
    deps.accounts.authenticate(bearerToken(req));
    return true;
  } catch {
    return false;
  }
}

/** A body we did not read would be parsed as the next request: close the connection instead. */
function closeIfUnread(req: IncomingMessage, bodyRead: boolean): Record<string, string> {
  return !bodyRead && declaresBody(req) ? { connection: "close" } : {};
}

/**
 * Malformed HTTP (bad request line, oversized headers, header timeout) never reaches a route:
 * answer with the same JSON error shape, then close.
 */
function onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
  if (err.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, code, message] =
    err.code === "HPE_HEADER_OVERFLOW"
      ? [431, "headers_too_large", "request headers are too large"]
      : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "request_timeout", "the request was not received in time"]
        : [400, "bad_request", "malformed HTTP request"];
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n` +
      "Content-Type: application/json; charset=utf-8\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  socket.destroySoon();
}
