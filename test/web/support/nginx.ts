// Debian's real nginx on a temporary config generated from the shipped
// systemd/nginx/recoveryd.conf, in front of a real daemon's socket (issue 17's tests).
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "../../rigs/support/daemon-process.js";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/**
 * The shipped server block with the socket path, port and web root substituted; `extra` is
 * spliced in before the block's closing brace (the tests' /sim/ location).
 */
export function serverBlock(socket: string, listenPort: number, webRoot: string, extra = ""): string {
  const shipped = readFileSync(path.join(repoRoot, "systemd/nginx/recoveryd.conf"), "utf8");
  let out = shipped
    .replace("server unix:/run/recoveryd/api.sock;", `server unix:${socket};`)
    .replace("listen 127.0.0.1:8080;", `listen 127.0.0.1:${listenPort};`)
    .replace("root /opt/recoveryd/dist/web;", `root ${webRoot};`);
  // Every substitution must have hit, or the test would run against the example's values.
  for (const v of [socket, String(listenPort), webRoot])
    if (!out.includes(v)) throw new Error(`not substituted: ${v}`);
  if (extra) {
    const end = out.lastIndexOf("}");
    out = `${out.slice(0, end)}${extra}\n${out.slice(end)}`;
  }
  return out;
}

export function nginxConf(dir: string, block: string): string {
  // Root runs the tests and owns the daemon's 0660 socket; the worker stays root to reach it (in
  // production the worker user joins the recoveryd-api group instead).
  const userLine = process.getuid?.() === 0 ? "user root;" : "";
  return `${userLine}
daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${block}
}
`;
}

export interface Nginx {
  port: number;
  dir: string;
  url: string;
  log(): string;
  stop(): Promise<void>;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on("error", () => resolve(false));
    req.setTimeout(1000, () => req.destroy());
  });
}

/** Starts nginx serving `webRoot` and proxying /v1/ to `apiSocket`; resolves once it answers. */
export async function startNginx(opts: {
  apiSocket: string;
  webRoot: string;
  extra?: string;
}): Promise<Nginx> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "recoveryd-nginx-"));
  const port = await freePort();
  const conf = path.join(dir, "nginx.conf");
  writeFileSync(conf, nginxConf(dir, serverBlock(opts.apiSocket, port, opts.webRoot, opts.extra)));
  let out = "";
  const proc: ChildProcess = spawn(
    existsSync("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx",
    ["-p", dir, "-c", conf],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  proc.stdout?.on("data", (c: Buffer) => (out += c.toString()));
  proc.stderr?.on("data", (c: Buffer) => (out += c.toString()));
  proc.on("error", (err) => (out += `spawn failed: ${err.message}\n`));
  const log = () => {
    let errors = "";
    try {
      errors = readFileSync(path.join(dir, "error.log"), "utf8");
    } catch {
      errors = "";
    }
    return out + errors;
  };
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const ended = new Promise((r) => proc.on("exit", r));
      proc.kill("SIGQUIT");
      await ended;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 200 && !(await answers(port)); i++) {
    if (proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  if (!(await answers(port))) {
    const text = log();
    await stop();
    throw new Error(`nginx did not answer:\n${text}`);
  }
  return { port, dir, url: `http://127.0.0.1:${port}`, log, stop };
}
