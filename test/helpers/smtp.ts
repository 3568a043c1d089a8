// A real SMTP server for the mail tests (smtp-server, the server half of nodemailer's project):
// STARTTLS with a self-signed certificate made by openssl at test time, AUTH PLAIN/LOGIN
// required, every message kept with its envelope. Also the bad relays: one that refuses, one
// that is down (a port nobody listens on), one that hangs (accepts and never greets).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { SMTPServer } from "smtp-server";

export interface Received {
  from: string;
  to: string[];
  user: string | undefined;
  secure: boolean;
  raw: string;
  headers: Record<string, string>;
  /** The text body, quoted-printable decoded. */
  text: string;
  at: number;
}

export interface TestRelay {
  port: number;
  caFile: string;
  passwordFile: string;
  messages: Received[];
  /** Resolves with the first message (from now on or already received) that matches. */
  waitFor(match: (m: Received) => boolean, timeoutMs?: number): Promise<Received>;
  close(): Promise<void>;
}

export const RELAY_USER = "relay";
export const RELAY_PASSWORD = "relay-secret-Zq8w";

export function makeCert(): { dir: string; key: string; cert: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "recoveryd-smtp-"));
  const key = path.join(dir, "key.pem");
  const cert = path.join(dir, "cert.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-keyout",
      key,
      "-out",
      cert,
    ],
    { stdio: "ignore" },
  );
  return { dir, key, cert };
}

export function decodeQp(s: string): string {
  return s
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
}

function parse(raw: string): { headers: Record<string, string>; text: string } {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  const headers: Record<string, string> = {};
  for (const line of head.split("\r\n")) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = raw.slice(split + 4);
  if (/quoted-printable/i.test(headers["content-transfer-encoding"] ?? "")) body = decodeQp(body);
  if (/base64/i.test(headers["content-transfer-encoding"] ?? ""))
    body = Buffer.from(body, "base64").toString("utf8");
  return { headers, text: body.replace(/\r\n/g, "\n") };
}

/** mode "ok" accepts; "refuse" answers 550 to every recipient. */
export async function startRelay(
  opts: { mode?: "ok" | "refuse"; port?: number; cert?: { key: string; cert: string } } = {},
): Promise<TestRelay> {
  const made = opts.cert ? { dir: path.dirname(opts.cert.cert), ...opts.cert } : makeCert();
  const { dir, key, cert } = made;
  const passwordFile = path.join(dir, "relay-password");
  writeFileSync(passwordFile, `${RELAY_PASSWORD}\n`, { mode: 0o600 });
  const messages: Received[] = [];
  const waiters: { match: (m: Received) => boolean; resolve: (m: Received) => void }[] = [];
  const server = new SMTPServer({
    key: readFileSync(key),
    cert: readFileSync(cert),
    authMethods: ["PLAIN", "LOGIN"],
    // AUTH only after STARTTLS (the default), and a message only after AUTH.
    authOptional: false,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === RELAY_USER && auth.password === RELAY_PASSWORD)
        return cb(null, { user: auth.username });
      return cb(new Error("invalid credentials"));
    },
    onRcptTo(_addr, _session, cb) {
      if (opts.mode === "refuse") {
        const err = new Error("mailbox unavailable") as Error & { responseCode: number };
        err.responseCode = 550;
        return cb(err);
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const m: Received = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          secure: session.secure,
          raw,
          ...parse(raw),
          at: Date.now(),
        };
        messages.push(m);
        for (const w of [...waiters]) {
          if (w.match(m)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(m);
          }
        }
        cb();
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () =>
      resolve((server.server.address() as net.AddressInfo).port),
    );
  });
  return {
    port,
    caFile: cert,
    passwordFile,
    messages,
    waitFor(match, timeoutMs = 15_000) {
      const found = messages.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = {
          match,
          resolve: (m: Received) => {
            clearTimeout(t);
            resolve(m);
          },
        };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`no matching mail within ${timeoutMs} ms (got ${messages.length})`));
        }, timeoutMs);
        waiters.push(w);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port with nobody listening (the relay is down). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Accepts connections and never says a word. */
export async function startHangingRelay(): Promise<{
  port: number;
  connections: () => number;
  close(): Promise<void>;
}> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  const s = net.createServer((sock) => {
    count++;
    sockets.add(sock);
    sock.on("error", () => {});
    sock.on("close", () => sockets.delete(sock));
  });
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  return {
    port: (s.address() as net.AddressInfo).port,
    connections: () => count,
    close: () =>
      new Promise<void>((r) => {
        for (const sock of sockets) sock.destroy();
        s.close(() => r());
      }),
  };
}

export function mailConfig(
  relay: { port: number; caFile?: string; passwordFile?: string },
  extra: Record<string, unknown> = {},
) {
  return {
    host: "127.0.0.1",
    port: relay.port,
    tls: "starttls",
    from: "recorder@nvr.example.test",
    user: RELAY_USER,
    ...(relay.passwordFile ? { passwordFile: relay.passwordFile } : {}),
    ...(relay.caFile ? { caFile: relay.caFile } : {}),
    retrySeconds: 1,
    timeoutMs: 2000,
    ...extra,
  };
}

/** The 8-character one-time code in a mail. */
export function codeIn(m: Received): string {
  const found = /code: ([A-Z2-7]{8})\b/.exec(m.text);
  if (!found) throw new Error(`no code in mail:\n${m.text}`);
  return found[1] as string;
}
