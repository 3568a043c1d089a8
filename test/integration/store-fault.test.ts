// A corrupt credential store: the daemon still starts, shows the fault pattern, reports
// state "store-fault" in its status and answers 503 to the rest; a credential-reset hold removes
// the broken store, and the restart comes up in first boot with the window the hold earned.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { apiRequest } from "../../cli/client.js";
import { SimClient } from "../../hal/sim/control-client.js";
import { makeBaseDir, spawnDaemon } from "../rigs/support/daemon-process.js";

const config = { button: { shortMaxMs: 1000, credentialMs: 3000, factoryMs: 8000, stuckMs: 13000 } };

describe("unusable credential store", () => {
  it("runs degraded with the fault LED and is rebuilt by a credential-reset hold", {
    timeout: 30_000,
  }, async () => {
    const baseDir = makeBaseDir();
    mkdirSync(path.join(baseDir, "state"), { recursive: true });
    writeFileSync(path.join(baseDir, "state", "credentials.db"), Buffer.alloc(8192, 0x5a));

    const broken = await spawnDaemon({ baseDir, config });
    const st = await apiRequest(broken.apiSocket, { path: "/v1/status" });
    expect(st.status).toBe(200);
    expect(st.body).toMatchObject({ state: "store-fault", fault: { code: "store-unavailable" } });
    const setup = await apiRequest(broken.apiSocket, {
      method: "POST",
      path: "/v1/setup",
      body: { username: "owner", password: "violet tractor harbour 1987" },
    });
    expect(setup.status).toBe(503);
    expect((setup.body as { error: { code: string } }).error.code).toBe("store_unavailable");
    const sim = await SimClient.connect(broken.simSocket);
    expect((await sim.state()).reply.led).toBe("fault");
    await sim.press(3300);
    expect(await broken.exited).toBe(75);
    await sim.close().catch(() => {});

    const fresh = await spawnDaemon({ baseDir, config });
    try {
      const ok = await apiRequest(fresh.apiSocket, { path: "/v1/status" });
      expect(ok.status).toBe(200);
      expect((ok.body as { state: string }).state).toBe("first-boot");
    } finally {
      await fresh.stop();
    }
  });
});
