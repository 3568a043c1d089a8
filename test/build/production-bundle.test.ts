// Issue 15: test-only hooks stay out of the production bundle. daemon/test-hooks.ts is loaded with a
// dynamic import() only on the simulated board, from dist/daemon/ (kept outside the bundle by
// scripts/bundle.mjs), so dist/recoveryd-core.mjs must not contain its code. The suite's global
// setup builds dist/ before this runs.
import { readFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { repoRoot, spawnDaemon } from "../rigs/support/daemon-process.js";

// A string only daemon/test-hooks.ts has: its log line when the SIGUSR2 stall starts.
const HOOK_MARKER = "stalling the event loop on purpose";

describe("production bundle", () => {
  it("dist/recoveryd-core.mjs does not contain the test hooks", () => {
    const bundle = readFileSync(path.join(repoRoot, "dist/recoveryd-core.mjs"), "utf8");
    expect(bundle.length).toBeGreaterThan(10_000);
    expect(bundle.includes(HOOK_MARKER)).toBe(false);
  });

  it("the hooks are still built beside it, for the simulated board to load", () => {
    const hooks = readFileSync(path.join(repoRoot, "dist/daemon/test-hooks.js"), "utf8");
    expect(hooks.includes(HOOK_MARKER)).toBe(true);
  });

  it("the bundled daemon on board sim still loads them: SIGUSR2 stalls it", async () => {
    const daemon = await spawnDaemon({ config: { board: "sim", testing: { stallOnSigusr2: true } } });
    try {
      daemon.proc.kill("SIGUSR2");
      const deadline = Date.now() + 20_000;
      while (!daemon.output().includes(HOOK_MARKER) && Date.now() < deadline) await sleep(50);
      expect(daemon.output()).toContain(HOOK_MARKER);
    } finally {
      // A stalled loop handles no SIGTERM.
      daemon.proc.kill("SIGKILL");
      await daemon.exited;
    }
  }, 60_000);
});
