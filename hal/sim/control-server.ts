// The control socket of the simulated board: `recoveryctl sim` and the scenario runner drive the
// virtual button through it. See protocol.ts for the wire format. The board stamps each edge with
// its own monotonic clock as soon as the request line is parsed, like an interrupt would; the
// client's own send time is never trusted.
import { chmod, lstat, mkdir, unlink } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import type { Clock } from "../../daemon/clock.js";
import type { Logger } from "../../daemon/log.js";
import type { SimBoardHandle } from "./board.js";
import {
  MAX_LINE_BYTES,
  requestSchema,
  type SimReply,
  type SimRequest,
  type WatchEvent,
} from "./protocol.js";

/** Subscribes to daemon events; returns the unsubscribe function. */
export type DaemonEventSource = (listener: (e: { type: string }) => void) => () => void;

export interface ControlServerOptions {
  socketPath: string;
  board: SimBoardHandle;
  clock: Clock;
  log: Logger;
  /** When given, watchers also receive the daemon's events (tier, press, state...). */
  events?: DaemonEventSource | undefined;
  /** File mode of the socket (default 0660, like the API socket). */
  mode?: number;
}

export interface ControlServer {
  readonly socketPath: string;
  close(): Promise<void>;
}

/** A watcher that cannot keep up is dropped rather than buffered without bound. */
const MAX_BACKLOG_BYTES = 1 << 20;

export async function startControlServer(opts: ControlServerOptions): Promise<ControlServer> {
  const { socketPath, log } = opts;
  await mkdir(path.dirname(socketPath), { recursive: true });
  await removeStaleSocket(socketPath);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const stop = serveConnection(socket, opts);
    socket.on("close", () => {
      stop();
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (err) => log.error({ err }, "sim control socket error"));
  await chmod(socketPath, opts.mode ?? 0o660);
  log.info({ socket: socketPath }, "simulated board: control socket listening");

  return {
    socketPath,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await unlink(socketPath).catch(() => {});
    },
  };
}

/** Handles one connection; returns the cleanup for when it closes. */
function serveConnection(socket: net.Socket, opts: ControlServerOptions): () => void {
  const { board, clock } = opts;
  let buffer = "";
  const unsubscribers: (() => void)[] = [];

  const send = (obj: SimReply | WatchEvent): void => {
    if (socket.destroyed) return;
    if (socket.writableLength > MAX_BACKLOG_BYTES) {
      socket.destroy();
      return;
    }
    socket.write(`${JSON.stringify(obj)}\n`);
  };

  const handle = (line: string): void => {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      send({ ok: false, error: "not valid JSON", atMs: clock.monotonic() });
      return;
    }
    const parsed = requestSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
      send({
        ok: false,
        error: `bad request: ${where}${issue?.message ?? "invalid"}`,
        atMs: clock.monotonic(),
        ...idOf(raw),
      });
      return;
    }
    execute(parsed.data);
  };

  const execute = (req: SimRequest): void => {
    const id = req.id === undefined ? {} : { id: req.id };
    switch (req.op) {
      case "down":
      case "up": {
        const edge = board.press(req.op === "down");
        const state = board.state();
        send({
          ok: true,
          op: req.op,
          atMs: edge?.atMs ?? state.atMs,
          pressed: state.pressed,
          changed: edge !== null,
          ...id,
        });
        return;
      }
      case "bounce": {
        const settle = req.settle === undefined ? undefined : req.settle === "down";
        board.bounce(req.count, req.intervalMs, settle).then(
          (r) =>
            send({ ok: true, op: "bounce", atMs: r.atMs, startedAtMs: r.startedAtMs, edges: r.edges, ...id }),
          (err: Error) => send({ ok: false, error: err.message, atMs: clock.monotonic(), ...id }),
        );
        return;
      }
      case "state":
      case "watch": {
        const { atMs, ...state } = board.state();
        if (req.op === "watch" && unsubscribers.length === 0) {
          unsubscribers.push(board.watch((e) => send(e)));
          if (opts.events) {
            unsubscribers.push(
              opts.events((data) => send({ event: "daemon", data, atMs: clock.monotonic() })),
            );
          }
        }
        send({ ok: true, op: req.op, atMs, ...state, ...id });
        return;
      }
      case "fail":
        board.failLine(req.message);
        send({ ok: true, op: "fail", atMs: clock.monotonic(), ...id });
        return;
      case "repair":
        board.repairLine();
        send({ ok: true, op: "repair", atMs: clock.monotonic(), ...id });
        return;
    }
  };

  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (line) handle(line);
    }
    if (buffer.length > MAX_LINE_BYTES) {
      send({ ok: false, error: `request line longer than ${MAX_LINE_BYTES} bytes`, atMs: clock.monotonic() });
      socket.end();
      buffer = "";
    }
  });
  socket.on("error", () => {
    // A client that vanished mid-write is its own problem; the board carries on.
  });
  return () => {
    for (const u of unsubscribers) u();
    unsubscribers.length = 0;
  };
}

function idOf(raw: unknown): { id?: string | number } {
  if (raw && typeof raw === "object" && "id" in raw) {
    const v = (raw as { id: unknown }).id;
    if (typeof v === "string" || typeof v === "number") return { id: v };
  }
  return {};
}

/** A socket file left by a killed daemon would make listen() fail with EADDRINUSE. */
async function removeStaleSocket(p: string): Promise<void> {
  try {
    const st = await lstat(p);
    if (st.isSocket()) await unlink(p);
  } catch {
    // absent: nothing to do
  }
}
