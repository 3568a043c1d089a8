// The board contract on the kernel test VM's gpio-sim chip (driver.mjs runs it; not `npm test`).
import { defineConfig } from "vitest/config";

export default defineConfig({
  // The VM sees the repository read-only (9p): vite's cache goes to the guest's /tmp.
  cacheDir: "/tmp/recoveryd-vitest-cache",
  test: {
    include: ["test/rigs/kernel-vm/contract-real-chip.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    fileParallelism: false,
  },
});
