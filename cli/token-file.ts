// Where `recoveryctl login` keeps the session token: $XDG_RUNTIME_DIR/recoveryctl/ (a per-user
// tmpfs that dies at logout) or ~/.recoveryctl/, one file per daemon socket (named by a hash of
// the socket's absolute path) so two daemons on one machine keep separate sessions. Directory
// 0700, files 0600, never followed through a symlink. A setup token from a remote recovery and
// the id of a pending unlock challenge are kept the same way.
import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { lstat, mkdir, open, readFile, unlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export type TokenKind = "session" | "setup" | "challenge";

const SUFFIXES: Record<TokenKind, string> = {
  session: "token",
  setup: "setup-token",
  // The id of the unlock challenge this user asked for: `recover unlock` names it.
  challenge: "challenge-id",
};

export function tokenDir(env: NodeJS.ProcessEnv): string {
  if (env.XDG_RUNTIME_DIR) return path.join(env.XDG_RUNTIME_DIR, "recoveryctl");
  return path.join(env.HOME ?? os.homedir(), ".recoveryctl");
}

/** 16 hex characters of SHA-256 over the absolute socket path: short, and no path in a file name. */
export function socketKey(socket: string): string {
  return createHash("sha256").update(path.resolve(socket)).digest("hex").slice(0, 16);
}

export function tokenFilePath(env: NodeJS.ProcessEnv, socket: string, kind: TokenKind = "session"): string {
  return path.join(tokenDir(env), `${socketKey(socket)}.${SUFFIXES[kind]}`);
}

export async function writeTokenFile(file: string, token: string): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // O_NOFOLLOW guards only the last component: the directory itself must not be a symlink either.
  const st = await lstat(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory; remove it and log in again`);
  const fh = await open(
    file,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    // An older file may have been created with a wider mode.
    await fh.chmod(0o600);
    await fh.writeFile(`${token}\n`);
  } finally {
    await fh.close();
  }
}

export async function readTokenFile(file: string): Promise<string | undefined> {
  try {
    const text = (await readFile(file, "utf8")).trim();
    return text === "" ? undefined : text;
  } catch {
    return undefined;
  }
}

export async function removeTokenFile(file: string): Promise<void> {
  await unlink(file).catch(() => {});
}

/** --token, then RECOVERYD_TOKEN, then the file written by `recoveryctl login`. */
export async function findSessionToken(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  socket: string,
): Promise<{ token: string; source: "flag" | "env" | "file" } | undefined> {
  if (flag) return { token: flag, source: "flag" };
  if (env.RECOVERYD_TOKEN) return { token: env.RECOVERYD_TOKEN, source: "env" };
  const fromFile = await readTokenFile(tokenFilePath(env, socket));
  return fromFile ? { token: fromFile, source: "file" } : undefined;
}
