// GET /v1/events: server-sent events of LED, buzzer, tier, press and state changes. Pushed from
// the EventBus when something happens, plus a comment line every HEARTBEAT_MS while a stream is
// open: a reverse proxy (nginx's proxy_read_timeout) or a NAT cuts a silent stream, and the
// browser then reconnects without noticing what it missed. With no stream open nothing wakes up.
import type { ServerResponse } from "node:http";
import { TooManyRequestsError } from "../../errors.js";
import type { DaemonEvent } from "../../services.js";
import { type Route, STREAMING } from "../router.js";

/** A client that stops reading loses its stream instead of growing the daemon's memory. */
const MAX_BUFFERED_BYTES = 64 * 1024;

export function formatEvent(event: DaemonEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** Open streams, bounded so event listeners cannot take every connection the API allows. */
export class EventStreams {
  private readonly open = new Set<ServerResponse>();
  constructor(
    readonly max: number,
    readonly heartbeatMs: number,
  ) {}

  get size(): number {
    return this.open.size;
  }

  add(res: ServerResponse): void {
    this.open.add(res);
  }

  delete(res: ServerResponse): void {
    this.open.delete(res);
  }

  /** Ends every stream (daemon shutdown); clients see a clean end of stream. */
  endAll(): void {
    for (const res of this.open) res.end();
    this.open.clear();
  }
}

export function eventRoutes(streams: EventStreams): Route[] {
  return [
    {
      path: "/v1/events",
      methods: {
        GET: async ({ req, res, deps }) => {
          if (streams.size >= streams.max) {
            throw new TooManyRequestsError(5, "too many event streams are open", "too_many_streams");
          }
          const s = deps.accounts.status();
          // A stream is quiet by design; the socket idle timeout must not cut it.
          req.socket.setTimeout(0);
          res.writeHead(200, {
            "content-type": "text/event-stream; charset=utf-8",
            "cache-control": "no-store",
            "x-content-type-options": "nosniff",
            // nginx honours this per response: the stream is unbuffered even behind a config
            // that forgot `proxy_buffering off`.
            "x-accel-buffering": "no",
          });
          // The current state first, so a watcher has a baseline and knows it is subscribed.
          res.write(
            `: recoveryd events\n\n${formatEvent({ type: "state", state: s.state, generation: s.generation })}`,
          );
          streams.add(res);
          const unsubscribe = deps.events.subscribe((event) => {
            if (res.writableEnded || res.destroyed) return;
            res.write(formatEvent(event));
            if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
          });
          const heartbeat = setInterval(() => {
            if (!res.writableEnded && !res.destroyed) res.write(": ping\n\n");
          }, streams.heartbeatMs);
          heartbeat.unref();
          res.on("close", () => {
            clearInterval(heartbeat);
            unsubscribe();
            streams.delete(res);
          });
          return STREAMING;
        },
      },
    },
  ];
}
