// The board contract every back end passes on fakes (test/hal/contract.ts), here on the real chip.
import { spawnSync } from "node:child_process";
import { report } from "../report.mjs";
import { mono } from "../time.mjs";

/** vitest in a child process (it creates its own boards on the chip); one KCASE with its counts. */
export function contractCase(backend) {
  const t0 = mono();
  const r = spawnSync(
    process.execPath,
    [
      "node_modules/vitest/vitest.mjs",
      "run",
      "--config",
      "test/rigs/kernel-vm/vitest.real-chip.config.ts",
      "--configLoader",
      "runner",
    ],
    {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", RECOVERYD_CONTRACT_BACKENDS: backend },
      timeout: 600_000,
    },
  );
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  const passed = Number(/Tests\s+(?:\d+ failed \| )?(\d+) passed/.exec(out)?.[1] ?? 0);
  const failedN = Number(/Tests\s+(\d+) failed/.exec(out)?.[1] ?? 0);
  const ok = r.status === 0 && passed > 0 && failedN === 0;
  if (!ok)
    for (const line of out
      .split("\n")
      .filter((l) => /FAIL|×|Error|expected/.test(l))
      .slice(0, 20))
      console.log(`KNOTE contract ${backend}: ${line}`);
  report(backend, "board contract", ok, {
    passed,
    failed: failedN,
    exit: r.status ?? -1,
    wallMs: mono() - t0,
  });
}
