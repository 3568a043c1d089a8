// Helpers for the red-team tests (issue 12): a real daemon with test factory data, keep-alive
// clients that hammer its Unix socket, and the support-unlock round trip done with the vendor tool.
import { execFile, execFileSync } from "node:child_process";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { apiRequest } from "../../../cli/client.js";
import {
  type DaemonProcess,
  repoRoot,
  type SpawnOptions,
  spawnDaemon,
} from "../../rigs/support/daemon-process.js";

export const fixtures = path.join(repoRoot, "test/fixtures/recovery");
export const ADMIN = { username: "owner", password: "violet tractor harbour 1987" };

export function spawnWithFactory(opts: SpawnOptions = {}): Promise<DaemonProcess> {
  return spawnDaemon({
    ...opts,
    // A fresh store opens its window at start (opt-in), so provision() can claim it.
    config: { setupWindow: { openAtBoot: true }, ...opts.config },
    env: { RECOVERYD_FACTORY: path.join(fixtures, "factory-data.json"), ...opts.env },
  });
}

export type Api = (
  method: string,
  p: string,
  body?: unknown,
  token?: string,
) => ReturnType<typeof apiRequest>;

export function apiOf(d: DaemonProcess): Api {
  return (method, p, body, token) =>
    apiRequest(d.apiSocket, { method, path: p, body, token, timeoutMs: 30_000 });
}

/** Setup of the first admin and a login: the admin's session token. */
export async function provision(api: Api, who = ADMIN): Promise<string> {
  const setup = await api("POST", "/v1/setup", who);
  if (setup.status !== 201) throw new Error(`setup answered ${setup.status}: ${JSON.stringify(setup.body)}`);
  return login(api, who);
}

export async function login(api: Api, who = ADMIN): Promise<string> {
  const r = await api("POST", "/v1/login", who);
  if (r.status !== 200) throw new Error(`login answered ${r.status}: ${JSON.stringify(r.body)}`);
  return (r.body as { token: string }).token;
}

/** What support answers for a challenge, computed with the vendor tool and the test key. */
export function vendorCode(challenge: string): string {
  return execFileSync(
    process.execPath,
    [
      path.join(repoRoot, "dist/vendor/unlock-code.js"),
      "--key",
      path.join(fixtures, "vendor-key-7.private.json"),
      challenge,
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
  ).trim();
}

/** A credential reset through the support unlock: the caller's one-time setup token. */
export async function unlockReset(api: Api): Promise<string> {
  const ch = await api("POST", "/v1/recovery/challenge");
  if (ch.status !== 201) throw new Error(`challenge answered ${ch.status}: ${JSON.stringify(ch.body)}`);
  const { challenge, id } = ch.body as { challenge: string; id?: string };
  const r = await api("POST", "/v1/recovery/unlock", {
    code: vendorCode(challenge),
    ...(id ? { challengeId: id } : {}),
  });
  if (r.status !== 200) throw new Error(`unlock answered ${r.status}: ${JSON.stringify(r.body)}`);
  return (r.body as { setupToken: string }).setupToken;
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  ms: number;
}

/** A client that keeps its connections open, as a flooding process would. */
export class KeepAliveClient {
  readonly agent: http.Agent;
  constructor(
    readonly socketPath: string,
    sockets: number,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  }

  request(method: string, p: string, body?: unknown, token?: string): Promise<Reply> {
    const started = performance.now();
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = {};
    if (payload) {
      headers["content-type"] = "application/json";
      headers["content-length"] = String(payload.length);
    }
    if (token) headers.authorization = `Bearer ${token}`;
    return new Promise((resolve, reject) => {
      const req = http.request(
        { socketPath: this.socketPath, method, path: p, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString("utf8"),
              ms: performance.now() - started,
            }),
          );
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `total` calls of `make(i)` with `parallel` in flight at once. */
export async function flood(
  total: number,
  parallel: number,
  make: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      await make(i).catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/** A raw socket that connects and then says nothing (or only part of a request). */
export function idleSocket(socketPath: string, partial?: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection(socketPath, () => {
      if (partial) s.write(partial);
      resolve(s);
    });
    s.on("error", reject);
  });
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** The shipped recoveryctl (dist/), as a script on the recorder runs it. */
export function recoveryctl(
  args: string[],
  home: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(repoRoot, "dist/cli/recoveryctl.js"), ...args],
      { env: { PATH: process.env.PATH, HOME: home } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
