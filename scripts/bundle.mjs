// Bundles the compiled daemon (dist/daemon/main.js, from tsc) into one file, dist/recoveryd.mjs:
// one module to load instead of ~100 cuts start-up time by about a third and idle memory by
// about 8 MiB on the board (bench/results.json). Native and lazily loaded packages stay outside.

import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { bundleWeb } from "./bundle-web.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export async function bundleDaemon() {
  await build({
    entryPoints: [path.join(root, "dist/daemon/main.js")],
    outfile: path.join(root, "dist/recoveryd.mjs"),
    bundle: true,
    minify: true,
    sourcemap: "linked",
    platform: "node",
    format: "esm",
    target: "node20",
    external: [
      "better-sqlite3",
      "argon2",
      "onoff",
      "fxa-common-password-list",
      "@zxcvbn-ts/core",
      "@zxcvbn-ts/language-common",
    ],
    // Bundled CommonJS (pino) calls require(): give the ES module one.
    banner: {
      js: "import { createRequire as __recoverydRequire } from 'node:module'; const require = __recoverydRequire(import.meta.url);",
    },
    logLevel: "error",
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await bundleDaemon();
  // Issue 17: the web UI (dist/web), with its gzipped sizes printed against the budget.
  await bundleWeb();
}
