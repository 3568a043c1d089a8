import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    globalSetup: ["test/global-setup.ts"],
    coverage: {
      provider: "v8",
      include: ["daemon/**/*.ts", "hal/**/*.ts", "scripts/**/*.ts", "cli/**/*.ts", "vendor/**/*.ts"],
      reporter: ["text-summary"],
    },
  },
});
