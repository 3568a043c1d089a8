// Raw HTTP over the Unix socket with node:net, for requests a well-behaved client never sends.
import net from "node:net";

export interface RawResult {
  /** Status of the first response, or null when the server closed without answering. */
  status: number | null;
  text: string;
  /** The server closed the connection (rather than the test timing out). */
  closed: boolean;
  elapsedMs: number;
}

/**
 * Writes `chunks` (with `gapMs` between them), then collects what comes back until the server
 * closes or `waitMs` passes.
 */
export function rawExchange(
  socketPath: string,
  chunks: readonly (string | Buffer)[],
  opts: { gapMs?: number; waitMs?: number; endAfterWrite?: boolean; untilResponse?: boolean } = {},
): Promise<RawResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const sock = net.connect(socketPath);
    const data: Buffer[] = [];
    let finished = false;
    const finish = (closed: boolean) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sock.destroy();
      const text = Buffer.concat(data).toString("latin1");
      // Skip interim 1xx answers (100 Continue): the status is the final one.
      const m = /^(?:HTTP\/1\.1 1\d\d [^\r\n]*\r\n\r\n)*HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : null, text, closed, elapsedMs: performance.now() - started });
    };
    const timer = setTimeout(() => finish(false), opts.waitMs ?? 2000);
    sock.on("data", (d) => {
      data.push(d);
      if (opts.untilResponse && responseComplete(Buffer.concat(data))) finish(false);
    });
    sock.on("close", () => finish(true));
    sock.on("error", () => finish(true));
    sock.on("connect", async () => {
      for (const [i, c] of chunks.entries()) {
        if (sock.destroyed) return;
        if (i > 0 && opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
        if (sock.destroyed) return;
        sock.write(c);
      }
      if (opts.endAfterWrite) sock.end();
    });
  });
}

/** True once `buf` holds a whole response with a Content-Length body. */
function responseComplete(buf: Buffer): boolean {
  let start = 0;
  for (;;) {
    const end = buf.indexOf("\r\n\r\n", start);
    if (end < 0) return false;
    const head = buf.subarray(start, end).toString("latin1");
    if (/^HTTP\/1\.1 1\d\d/.test(head)) {
      start = end + 4;
      continue;
    }
    const m = /\r\ncontent-length: *(\d+)/i.exec(head);
    return m !== null && buf.length >= end + 4 + Number(m[1]);
  }
}

/** A request with CRLFs, `Connection: close` unless overridden; `body` sets Content-Length. */
export function httpRequest(
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body?: string,
): string {
  const lines = [`${method} ${target} HTTP/1.1`, "Host: localhost"];
  // One request per connection unless the test says otherwise, so the server closes after it.
  const all: Record<string, string> = { Connection: "close", ...headers };
  if (body !== undefined && !Object.keys(all).some((k) => k.toLowerCase() === "content-length")) {
    all["Content-Length"] = String(Buffer.byteLength(body));
  }
  for (const [k, v] of Object.entries(all)) lines.push(`${k}: ${v}`);
  return `${lines.join("\r\n")}\r\n\r\n${body ?? ""}`;
}
