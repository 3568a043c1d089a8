// Every press scenario in this folder, played against the real daemon process on the simulated
// board. Each gets its own daemon (scenarios can need their own configuration), all in parallel.
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadScenario, timelineEndMs } from "../../cli/scenario-file.js";
import { playScenario } from "../../cli/scenario-runner.js";
import { spawnDaemon } from "../rigs/support/daemon-process.js";

const dir = path.dirname(fileURLToPath(import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort();

describe.concurrent("press scenarios against the daemon", () => {
  for (const file of files) {
    const scenario = loadScenario(path.join(dir, file));
    const budget = timelineEndMs(scenario) + scenario.settleMs + 30_000;
    it(`${file}: ${scenario.description ?? scenario.name}`, { timeout: budget }, async () => {
      const daemon = await spawnDaemon({
        // A fresh store may open its window at start (opt-in), so provisioned scenarios can set up.
        config: { log: { level: "warn" }, setupWindow: { openAtBoot: true }, ...scenario.config },
      });
      try {
        const result = await playScenario(scenario, daemon.apiSocket, daemon.simSocket);
        expect(result.failures, JSON.stringify(result.observed)).toEqual([]);
      } finally {
        await daemon.stop();
      }
    });
  }
});
