// `npm start`: the daemon in the foreground on the simulated board, its JSON log lines shown as
// readable text, and a hint on how to press the virtual button from a second terminal. It also
// serves the web UI on 127.0.0.1 (web/dev/dev-server.ts) and prints its URL.
import { spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { daemonEntry, repoRoot } from "../../test/rigs/support/daemon-process.js";
import { createWebServer, type WebServer } from "./dev-server.js";

/** RECOVERYD_WEB_PORT, else 8787; a taken port falls back to one the system picks. */
function webPort(): number {
  const n = Number(process.env.RECOVERYD_WEB_PORT ?? "8787");
  return Number.isInteger(n) && n >= 0 && n < 65536 ? n : 8787;
}

/** Serves the UI next to the daemon whose ready line named `apiSocket`; resolves with its URL. */
export async function serveUi(apiSocket: string): Promise<{ web: WebServer; url: string }> {
  const web = createWebServer({
    apiSocket,
    simSocket: path.join(path.dirname(apiSocket), "sim.sock"),
    webRoot: path.join(repoRoot, "dist/web"),
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      web.server.once("error", reject);
      web.server.listen(port, "127.0.0.1", () => {
        web.server.off("error", reject);
        resolve((web.server.address() as { port: number }).port);
      });
    });
  const port = await listen(webPort()).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "EADDRINUSE") return listen(0);
    throw err;
  });
  return { web, url: `http://127.0.0.1:${port}/` };
}

const LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO ",
  40: "WARN ",
  50: "ERROR",
  60: "FATAL",
};
const SKIP = new Set(["level", "time", "svc", "msg", "pid", "hostname"]);

export function formatLine(line: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof o.time === "string" ? o.time.slice(11, 23) : "";
  const extra = Object.entries(o)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  return `${time} ${LEVELS[Number(o.level)] ?? "     "} ${String(o.msg ?? "")}${extra ? `  ${extra}` : ""}`;
}

function main(): void {
  const child = spawn(process.execPath, [daemonEntry], {
    env: { MALLOC_ARENA_MAX: "1", ...process.env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let hinted = false;
  createInterface({ input: child.stdout }).on("line", (line) => {
    process.stdout.write(`${formatLine(line)}\n`);
    if (!hinted && line.includes('"msg":"recoveryd ready"')) {
      hinted = true;
      const apiSocket = (JSON.parse(line) as { apiSocket?: string }).apiSocket;
      if (apiSocket) {
        void serveUi(apiSocket)
          .then(({ url }) => process.stdout.write(`\n  Web UI: ${url}  (virtual board: ${url}board.html)\n`))
          .catch((err: Error) => process.stdout.write(`\n  Web UI not served: ${err.message}\n`));
      }
      const ctl = path.relative(process.cwd(), path.join(repoRoot, "recoveryctl")) || "recoveryctl";
      const run = ctl.startsWith(".") || ctl.includes("/") ? ctl : `./${ctl}`;
      process.stdout.write(
        [
          "",
          "  recoveryd is running on the simulated board. In a second terminal:",
          `    ${run} sim press 300ms   a short press: opens the setup window for 15 min`,
          `    ${run} setup admin       set the first admin password (while the window is open)`,
          `    ${run} sim press 7s      hold the reset button 7 s (credential reset), live LED/buzzer`,
          `    ${run} sim watch         watch LED, buzzer, tier and state`,
          `    ${run} status            credential state, setup window, lockout, faults`,
          "  Ctrl-C stops the daemon.",
          "",
        ].join("\n"),
      );
    }
  });
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, () => child.kill(sig));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
