// The Unix socket file: a stale one (left by a killed daemon) is removed, a live one is not, and
// the new socket is created with the configured mode from the first instant.
import { constants } from "node:fs";
import { chmod, lstat, unlink } from "node:fs/promises";
import net from "node:net";

/** sun_path is 108 bytes on Linux, including the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;

export function parseMode(mode: string): number {
  if (!/^0?[0-7]{3}$/.test(mode)) throw new Error(`socket mode ${JSON.stringify(mode)} is not an octal mode`);
  return Number.parseInt(mode, 8);
}

export function checkSocketPath(socketPath: string): void {
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
    throw new Error(`socket path is longer than ${MAX_SOCKET_PATH_BYTES} bytes: ${socketPath}`);
  }
}

/** Removes a socket file nobody listens on; refuses to touch anything else. */
export async function removeStaleSocket(socketPath: string): Promise<void> {
  let isSocket: boolean;
  try {
    const st = await lstat(socketPath);
    isSocket = (st.mode & constants.S_IFMT) === constants.S_IFSOCK;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  if (!isSocket) throw new Error(`${socketPath} exists and is not a socket; refusing to replace it`);
  if (await someoneListens(socketPath))
    throw new Error(`another process is already listening on ${socketPath}`);
  await unlink(socketPath).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "ENOENT") throw err;
  });
}

function someoneListens(socketPath: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(socketPath);
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(true); // it accepted the connection but is slow: alive enough to leave alone
    }, 1000);
    sock.once("connect", () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(true);
    });
    sock.once("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code === "ECONNREFUSED" || err.code === "ENOENT") resolve(false);
      else reject(err);
    });
  });
}

/**
 * Binds with a umask matching `mode`, so the socket is never reachable with wider permissions,
 * then chmods to the exact mode. The bind itself is synchronous inside listen(), so the umask
 * change cannot leak into other file creation.
 */
export async function listenOnSocket(server: net.Server, socketPath: string, mode: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once("error", onError);
    let previous: number | undefined;
    try {
      previous = process.umask(0o777 & ~mode);
    } catch {
      // Worker threads cannot change the umask; the chmod below still applies the mode.
    }
    try {
      server.listen(socketPath, () => {
        server.off("error", onError);
        resolve();
      });
    } finally {
      if (previous !== undefined) process.umask(previous);
    }
  });
  await chmod(socketPath, mode);
}
