// The floor for start-up and memory: a bare Node process that loads the same native modules as
// the daemon and listens on a Unix socket, and does nothing else.
import { createRequire } from "node:module";
import net from "node:net";

const require = createRequire(import.meta.url);
require("better-sqlite3");
require("argon2");
const sock = process.argv[2];
if (!sock) throw new Error("usage: bare-process <socket>");
const server = net.createServer((c) => c.end());
server.listen(sock, () => process.stdout.write('{"msg":"recoveryd ready"}\n'));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
