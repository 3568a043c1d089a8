// The small web server `npm start` runs on 127.0.0.1: serves the built UI (dist/web) with the
// same security headers as systemd/nginx/recoveryd.conf, forwards /v1/ to the daemon's socket
// (streaming, so server-sent events pass at once) and /sim/ to the simulated board's bridge.
// For development and QA only; on a recorder the web server is nginx (or the vendor's own).
import { createReadStream, statSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { SimBridge } from "./sim-bridge.js";

/** The headers systemd/nginx/recoveryd.conf adds; test/web checks both servers send them. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "cache-control": "no-store",
};

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
  ".json": "application/json",
};

export interface WebServerOptions {
  apiSocket: string;
  simSocket: string;
  webRoot: string;
}

export interface WebServer {
  server: http.Server;
  close(): Promise<void>;
}

function serveFile(root: string, urlPath: string, res: http.ServerResponse): void {
  const rel = decodeURIComponent(urlPath === "/" ? "/index.html" : urlPath);
  const file = path.resolve(root, `.${rel}`);
  let size = -1;
  if (file.startsWith(root + path.sep)) {
    try {
      const st = statSync(file);
      if (st.isFile()) size = st.size;
    } catch {
      size = -1;
    }
  }
  if (size < 0) {
    res.writeHead(404, { ...SECURITY_HEADERS, "content-type": "text/plain" });
    res.end("not found\n");
    return;
  }
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    "content-type": TYPES[path.extname(file)] ?? "application/octet-stream",
    "content-length": size,
  });
  createReadStream(file).pipe(res);
}

function proxyApi(apiSocket: string, req: http.IncomingMessage, res: http.ServerResponse): void {
  const headers = { ...req.headers, host: "localhost" };
  const up = http.request({ socketPath: apiSocket, method: req.method, path: req.url, headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    res.flushHeaders();
    answer.pipe(res);
  });
  up.on("error", () => {
    if (!res.headersSent) {
      res.writeHead(502, { "content-type": "application/json" });
      res.end('{"error":{"code":"daemon_unreachable","message":"the daemon is not answering"}}');
    } else res.destroy();
  });
  res.on("close", () => up.destroy());
  req.pipe(up);
}

export function createWebServer(opts: WebServerOptions): WebServer {
  const root = path.resolve(opts.webRoot);
  const bridge = new SimBridge(opts.simSocket);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname.startsWith("/v1/")) return proxyApi(opts.apiSocket, req, res);
    if (bridge.handle(req, res)) return;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, SECURITY_HEADERS);
      res.end();
      return;
    }
    serveFile(root, url.pathname, res);
  });
  return {
    server,
    async close() {
      await bridge.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
