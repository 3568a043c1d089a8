// Where `recoveryctl login` keeps the session token: $XDG_RUNTIME_DIR/recoveryctl-token (a
// per-user tmpfs that dies at logout) or ~/.recoveryctl-token, mode 0600, never followed through
// a symlink. A setup token from a remote recovery is kept the same way until setup uses it.
import { constants } from "node:fs";
import { open, readFile, unlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export type TokenKind = "session" | "setup" | "challenge";

const FILE_NAMES: Record<TokenKind, string> = {
  session: "recoveryctl-token",
  setup: "recoveryctl-setup-token",
  // The id of the unlock challenge this user asked for: `recover unlock` names it.
  challenge: "recoveryctl-challenge-id",
};

export function tokenFilePath(env: NodeJS.ProcessEnv, kind: TokenKind = "session"): string {
  const name = FILE_NAMES[kind];
  if (env.XDG_RUNTIME_DIR) return path.join(env.XDG_RUNTIME_DIR, name);
  return path.join(env.HOME ?? os.homedir(), `.${name}`);
}

export async function writeTokenFile(file: string, token: string): Promise<void> {
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
): Promise<{ token: string; source: "flag" | "env" | "file" } | undefined> {
  if (flag) return { token: flag, source: "flag" };
  if (env.RECOVERYD_TOKEN) return { token: env.RECOVERYD_TOKEN, source: "env" };
  const fromFile = await readTokenFile(tokenFilePath(env));
  return fromFile ? { token: fromFile, source: "file" } : undefined;
}
