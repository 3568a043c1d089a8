// Per-connection deadlines. Node's own header/request timeouts are checked by a sweep every
// `connectionsCheckingInterval`; a short sweep would wake an idle daemon all the time, a long one
// lets a slow client hold a connection for that long. Instead each connection carries its own
// timers, which exist only while the connection does, so an idle daemon has nothing to wake it.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

export interface ConnectionLimits {
  headersTimeoutMs: number;
  idleTimeoutMs: number;
}

export function guardConnections(server: Server, limits: ConnectionLimits): void {
  const deadlines = new WeakMap<Socket, NodeJS.Timeout>();

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

  server.on("connection", (socket: Socket) => {
    arm(socket, limits.headersTimeoutMs);
    socket.once("close", () => disarm(socket));
  });
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    disarm(socket);
    // The next request on a kept-alive connection gets the idle wait plus the headers time.
    res.once("finish", () => {
      if (!socket.destroyed) arm(socket, limits.idleTimeoutMs + limits.headersTimeoutMs);
    });
  });
}
