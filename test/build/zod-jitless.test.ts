// The bundled daemon never generates code with `new Function`: zod chooses its compiled object
// parser when a schema is built, so `jitless` must be set before any module builds one
// (daemon/zod-config.ts, imported first). Set inside main() it came too late, and the start-up
// profile still showed zod compiling parsers (issue 14). A preload counts Function calls in the
// real daemon through start, a status call and a refused request with a JSON body.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { apiRequest } from "../../cli/client.js";
import { type DaemonProcess, spawnDaemon } from "../rigs/support/daemon-process.js";

let daemon: DaemonProcess | undefined;
afterAll(async () => {
  await daemon?.stop();
});

describe("the bundled daemon and zod", () => {
  it("parses its configuration and requests without generating code", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "recoveryd-fn-"));
    const preload = path.join(dir, "count-function.mjs");
    writeFileSync(
      preload,
      `let n = 0;
const Original = globalThis.Function;
globalThis.Function = new Proxy(Original, {
  construct(t, a) { n++; return Reflect.construct(t, a); },
  apply(t, self, a) { n++; return Reflect.apply(t, self, a); },
});
process.on("exit", () => process.stderr.write("FUNCTION_CALLS " + n + "\\n"));
`,
    );
    daemon = await spawnDaemon({ nodeArgs: ["--import", preload] });
    expect((await apiRequest(daemon.apiSocket, { path: "/v1/status" })).status).toBe(200);
    const login = await apiRequest(daemon.apiSocket, {
      method: "POST",
      path: "/v1/login",
      body: { username: "nobody", password: "not the password at all" },
    });
    expect(login.status).toBeGreaterThanOrEqual(400);
    await daemon.stop();
    expect(daemon.output()).toContain("FUNCTION_CALLS 0");
  });
});
