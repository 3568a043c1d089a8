// `npm start` runs this instead of a full build: tsc + bundle take about 6 s, and a developer who
// only restarts the daemon should not wait for them. It builds when any input is newer than the
// bundle (or the bundle is missing) and says which file made it build.

import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const INPUT_DIRS = ["daemon", "hal", "scripts", "cli", "vendor", "web", "test/rigs/support"];
const INPUT_FILES = ["tsconfig.json", "package.json", "package-lock.json"];
const OUTPUTS = ["dist/recoveryd.mjs", "dist/recoveryd-core.mjs", "dist/web/dev/dev-start.js"];

function newestUnder(dir, best) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return best;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules") best = newestUnder(full, best);
    } else if (/\.(ts|mjs|js|json|sql|html|css)$/.test(entry.name)) {
      const mtime = statSync(full).mtimeMs;
      if (!best || mtime > best.mtime) best = { file: full, mtime };
    }
  }
  return best;
}

/** Why `root` needs a build, or null when every output is newer than every input. */
export function staleReason(root) {
  let oldestOutput = Number.POSITIVE_INFINITY;
  for (const out of OUTPUTS) {
    try {
      oldestOutput = Math.min(oldestOutput, statSync(path.join(root, out)).mtimeMs);
    } catch {
      return `${out} is missing`;
    }
  }
  let newest = null;
  for (const dir of INPUT_DIRS) newest = newestUnder(path.join(root, dir), newest);
  for (const file of INPUT_FILES) {
    try {
      const mtime = statSync(path.join(root, file)).mtimeMs;
      if (!newest || mtime > newest.mtime) newest = { file: path.join(root, file), mtime };
    } catch {
      // an optional input that is absent cannot make the build stale
    }
  }
  if (newest && newest.mtime > oldestOutput) return `${path.relative(root, newest.file)} changed`;
  return null;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const reason = staleReason(root);
  if (reason === null) {
    process.stderr.write("build is up to date\n");
  } else {
    process.stderr.write(`building (${reason})\n`);
    const run = spawnSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: "inherit" });
    process.exit(run.status ?? 1);
  }
}
