// HTTP face of the simulated board's control socket for the virtual board page: a browser cannot
// speak the socket's newline-delimited JSON, so GET /sim/state, POST /sim/down and POST /sim/up
// are forwarded to it as the same "state", "down" and "up" requests recoveryctl sim sends. The
// daemon's API (SPEC 8.1) is untouched; this exists only where sim.sock does (a simulated board).
import { existsSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { SimClient } from "../../hal/sim/control-client.js";

/** Origin of a request as the browser sent it, compared with the host it addressed. */
function crossSite(req: IncomingMessage): boolean {
  if (req.headers["sec-fetch-site"] === "cross-site") return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  res.end(text);
}

export class SimBridge {
  private client: Promise<SimClient> | null = null;

  constructor(readonly simSocket: string) {}

  /** Handles a /sim/ request; returns false when the path is not the bridge's. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? "/", "http://x");
    const op = url.pathname.replace(/^\/sim\//, "");
    if (!url.pathname.startsWith("/sim/")) return false;
    void this.serve(op, req, res).catch((err: Error) => {
      this.drop();
      if (!res.headersSent) reply(res, 502, { error: { code: "sim_unreachable", message: err.message } });
    });
    return true;
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c) await (await c.catch(() => null))?.close();
  }

  private async serve(op: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    if (!existsSync(this.simSocket)) {
      reply(res, 404, {
        error: { code: "no_sim_board", message: "the daemon does not run the simulated board" },
      });
      return;
    }
    if (op === "state" && req.method === "GET") {
      reply(res, 200, (await this.connection().then((c) => c.state())).reply);
      return;
    }
    if ((op === "down" || op === "up") && req.method === "POST") {
      // A plain form post or a request from another site cannot press the button: JSON only (so a
      // browser preflights it) and same origin only.
      if (!String(req.headers["content-type"] ?? "").startsWith("application/json") || crossSite(req)) {
        reply(res, 403, { error: { code: "forbidden", message: "same-origin JSON requests only" } });
        return;
      }
      const c = await this.connection();
      reply(res, 200, (op === "down" ? await c.down() : await c.up()).reply);
      return;
    }
    reply(res, 404, { error: { code: "not_found", message: "GET /sim/state, POST /sim/down or /sim/up" } });
  }

  private connection(): Promise<SimClient> {
    this.client ??= SimClient.connect(this.simSocket);
    const c = this.client;
    c.catch(() => this.drop());
    return c;
  }

  private drop(): void {
    const c = this.client;
    this.client = null;
    void c?.then((x) => x.close()).catch(() => {});
  }
}
