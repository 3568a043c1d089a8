#!/usr/bin/env node
// Tiny HTTP-over-Unix-socket client for the container checks (no curl in the root filesystem).
//   node api.mjs SOCKET METHOD PATH [JSON-BODY]
// Prints "<status> <body>" on stdout. Exit 0 for 2xx, 1 for another status, 3 when the socket
// cannot be reached (the error code, e.g. EACCES or ENOENT, is printed instead of a status).
import http from "node:http";

const [socketPath, method = "GET", path = "/v1/status", body] = process.argv.slice(2);
if (!socketPath) {
  process.stderr.write("usage: api.mjs SOCKET [METHOD] [PATH] [JSON-BODY]\n");
  process.exit(2);
}
const headers = body ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) } : {};
const req = http.request({ socketPath, method, path, headers, timeout: 10_000 }, (res) => {
  let text = "";
  res.setEncoding("utf8");
  res.on("data", (c) => {
    text += c;
  });
  res.on("end", () => {
    process.stdout.write(`${res.statusCode} ${text.trim()}\n`);
    process.exit(res.statusCode >= 200 && res.statusCode < 300 ? 0 : 1);
  });
});
req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })));
req.on("error", (err) => {
  process.stdout.write(`${err.code ?? err.message}\n`);
  process.exit(3);
});
req.end(body);
