// Integration tests spawn the compiled, bundled daemon: build it once so they never run stale code.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  try {
    execFileSync(
      process.execPath,
      [path.join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"],
      {
        cwd: root,
        stdio: "pipe",
      },
    );
  } catch {
    // Type errors still emit JavaScript; `npm test` runs the strict type check before vitest.
    process.stderr.write("global-setup: tsc reported type errors (dist/ emitted anyway)\n");
  }
  // The daemon the tests spawn is the shipped bundle of dist/daemon/main.js.
  execFileSync(process.execPath, [path.join(root, "scripts/bundle.mjs")], { cwd: root, stdio: "inherit" });
}
