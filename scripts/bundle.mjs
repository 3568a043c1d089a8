// Bundles the compiled daemon (dist/daemon/main.js, from tsc) into one file, dist/recoveryd-core.mjs:
// one module to load instead of ~100 cuts start-up time by about a third and idle memory by
// about 8 MiB on the board (bench/results.json). Native and lazily loaded packages stay outside.
// dist/recoveryd.mjs (the bin and the unit's ExecStart) is a launcher that turns on Node's module
// compile cache before it loads the bundle: compiling the bundle is the largest single item of
// start-up (issue 14). Node 20 has no compile cache and just loads the bundle.

import { chmodSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { buildGpioHelper } from "./build-gpio-helper.mjs";
import { bundleWeb } from "./bundle-web.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export async function bundleDaemon() {
  await build({
    entryPoints: [path.join(root, "dist/daemon/main.js")],
    outfile: path.join(root, "dist/recoveryd-core.mjs"),
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
      // Loaded on first use, after READY (issue 14): outside the bundle, they cost no start-up.
      "nodemailer",
      "age-encryption",
    ],
    // Bundled CommonJS (pino) calls require(): give the ES module one.
    banner: {
      js: "import { createRequire as __recoverydRequire } from 'node:module'; const require = __recoverydRequire(import.meta.url);",
    },
    // Test-only hooks (daemon/test-hooks.ts, issue 15) stay out of the bundle: the daemon's dynamic
    // import of them, made only on the simulated board, loads dist/daemon/test-hooks.js from tsc.
    plugins: [
      {
        name: "test-hooks-outside",
        setup(b) {
          b.onResolve({ filter: /\/test-hooks\.js$/ }, () => ({
            path: "./daemon/test-hooks.js",
            external: true,
          }));
        },
      },
    ],
    logLevel: "error",
  });
  const launcher = path.join(root, "dist/recoveryd.mjs");
  writeFileSync(launcher, LAUNCHER);
  chmodSync(launcher, 0o755);
}

// The cache goes where systemd's CacheDirectory= points (CACHE_DIRECTORY), else where
// NODE_COMPILE_CACHE says, else Node's default (the temp dir). A cache that cannot be written is
// no error: Node reports it in the returned status and the daemon starts uncached.
const LAUNCHER = `#!/usr/bin/env node
// recoveryd launcher (written by scripts/bundle.mjs): the module compile cache, then the daemon.
import module from "node:module";
import path from "node:path";
const dir = process.env.CACHE_DIRECTORY;
if (typeof module.enableCompileCache === "function") {
  try {
    module.enableCompileCache(dir ? path.join(dir.split(":")[0], "node-compile-cache") : undefined);
  } catch {
    // an unusable cache only costs start-up time
  }
}
await import("./recoveryd-core.mjs");
`;

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await bundleDaemon();
  buildGpioHelper();
  // Issue 17: the web UI (dist/web), with its gzipped sizes printed against the budget.
  await bundleWeb();
}
