// Per-connection deadlines and fair use of the connection cap (issue 12).
//
// Node's own header/request timeouts are checked by a sweep every `connectionsCheckingInterval`;
// a short sweep would wake an idle daemon all the time, a long one lets a slow client hold a
// connection for that long. Instead each connection carries its own timers, which exist only
// while the connection does, so an idle daemon has nothing to wake it.
//
// The cap: Node's `maxConnections` drops every new socket once the cap is reached, so 64 idle or
// stalled sockets would lock everyone out until their deadlines. Here a new connection over the
// cap instead evicts the connection that has been idle longest (no request in flight: connected
// and silent, stalled in its headers, or kept alive between requests). Only when every
// connection has a request in flight is the newcomer turned away.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

export interface ConnectionLimits {
  headersTimeoutMs: number;
  idleTimeoutMs: number;
  maxConnections: number;
}

interface Conn {
  serial: number;
  /** Requests of this connection whose response has not finished. */
  inFlight: number;
  /** When it last became idle (monotonic ms). */
  idleSince: number;
}

export interface ConnectionGuard {
  /** The connection's serial number (a fair-queue lane and an audit source). */
  serialOf(socket: Socket): number;
  /** Calls of this connection in flight, the current one included. */
  inFlightOf(socket: Socket): number;
  readonly open: number;
  /** Connections evicted to make room for a newcomer, and newcomers turned away. */
  readonly stats: { evicted: number; refused: number };
}

export function guardConnections(server: Server, limits: ConnectionLimits): ConnectionGuard {
  const deadlines = new WeakMap<Socket, NodeJS.Timeout>();
  const conns = new Map<Socket, Conn>();
  let serial = 0;
  const stats = { evicted: 0, refused: 0 };

  const arm = (socket: Socket, ms: number) => {
    disarm(socket);
    // Complete request headers must arrive by then; otherwise the connection is a slowloris.
    deadlines.set(
      socket,
      setTimeout(() => socket.destroy(), ms),
    );
  };
  const disarm = (socket: Socket) => {
    const t = deadlines.get(socket);
    if (t) clearTimeout(t);
    deadlines.delete(socket);
  };

  /** The connection idle the longest, other than `except`. */
  const longestIdle = (except: Socket): Socket | null => {
    let best: Socket | null = null;
    let since = Number.POSITIVE_INFINITY;
    for (const [s, c] of conns) {
      if (s !== except && c.inFlight === 0 && c.idleSince < since) {
        best = s;
        since = c.idleSince;
      }
    }
    return best;
  };

  server.on("connection", (socket: Socket) => {
    conns.set(socket, { serial: ++serial, inFlight: 0, idleSince: performance.now() });
    socket.once("close", () => {
      disarm(socket);
      conns.delete(socket);
    });
    if (conns.size > limits.maxConnections) {
      const victim = longestIdle(socket);
      if (victim) {
        stats.evicted++;
        victim.destroy();
      } else {
        stats.refused++;
        socket.destroy();
        return;
      }
    }
    arm(socket, limits.headersTimeoutMs);
  });
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    const c = conns.get(socket);
    if (c) c.inFlight++;
    disarm(socket);
    res.once("close", () => {
      if (!c) return;
      c.inFlight--;
      if (c.inFlight === 0) c.idleSince = performance.now();
    });
    // The next request on a kept-alive connection gets the idle wait plus the headers time.
    res.once("finish", () => {
      if (!socket.destroyed && (c?.inFlight ?? 0) <= 1)
        arm(socket, limits.idleTimeoutMs + limits.headersTimeoutMs);
    });
  });
  return {
    serialOf: (socket) => conns.get(socket)?.serial ?? 0,
    inFlightOf: (socket) => conns.get(socket)?.inFlight ?? 0,
    get open() {
      return conns.size;
    },
    stats,
  };
}
