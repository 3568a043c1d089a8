// Where the daemon's API socket is (SPEC 8.1): --socket, then RECOVERYD_SOCKET, then
// $RECOVERYD_RUNTIME_DIR/api.sock, then the default: `npm start`'s ./.recoveryd/run/api.sock when
// it exists, otherwise systemd's /run/recoveryd/api.sock.
import { existsSync } from "node:fs";
import path from "node:path";

export const SYSTEM_SOCKET = "/run/recoveryd/api.sock";
export const LOCAL_RUNTIME_DIR = path.join(".recoveryd", "run");

export function findApiSocket(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
  exists: (p: string) => boolean = existsSync,
): string {
  if (flag) return path.resolve(cwd, flag);
  if (env.RECOVERYD_SOCKET) return path.resolve(cwd, env.RECOVERYD_SOCKET);
  if (env.RECOVERYD_RUNTIME_DIR) return path.resolve(cwd, env.RECOVERYD_RUNTIME_DIR, "api.sock");
  const local = path.resolve(cwd, LOCAL_RUNTIME_DIR, "api.sock");
  if (exists(local)) return local;
  return SYSTEM_SOCKET;
}

/** The simulated board's control socket sits beside api.sock. */
export function simSocketFor(apiSocket: string): string {
  return path.join(path.dirname(apiSocket), "sim.sock");
}
