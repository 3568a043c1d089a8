// Bundles the reference web UI (web/) into dist/web: one script per page, the HTML and CSS copied
// beside it, nothing fetched from a CDN. Prints each page's gzipped size against its budget and
// writes dist/web/sizes.json, which test/web/bundle-size.test.ts checks.
//
// The browser checks the password rules that need no word list (length, vendor defaults, the
// user's own name, keyboard walks, repeats) with the daemon's own policy code; the two rules that
// need the blocklist and the strength estimator (megabytes of data) stay on the daemon, which
// answers them on submit with its reason. See web/src/daemon-only-rules.ts.

import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const out = path.join(root, "dist/web");

/** Gzipped bytes each page may ship (HTML + CSS + its script): issue 17's 60 KB for setup. */
export const PAGES = {
  index: { entry: "web/src/setup.ts", budget: 60 * 1024 },
  board: { entry: "web/src/board.ts", budget: 60 * 1024 },
  recovery: { entry: "web/src/recovery.ts", budget: 60 * 1024 },
  audit: { entry: "web/src/audit.ts", budget: 60 * 1024 },
};

const daemonOnly = {
  name: "daemon-only-rules",
  setup(b) {
    // blocklist.ts and strength.ts load node-only word lists: the browser gets the module that
    // defers those two rules to the daemon.
    b.onResolve({ filter: /^\.\/(blocklist|strength)\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}daemon${path.sep}policy${path.sep}`)
        ? { path: path.join(root, "web/src/daemon-only-rules.ts") }
        : undefined,
    );
  },
};

function gz(file) {
  return gzipSync(readFileSync(file), { level: 9 }).length;
}

export async function bundleWeb({ quiet = false } = {}) {
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: Object.fromEntries(
      Object.entries(PAGES).map(([name, p]) => [name, path.join(root, p.entry)]),
    ),
    outdir: out,
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    plugins: [daemonOnly],
    logLevel: "error",
  });
  copyFileSync(path.join(root, "web/style.css"), path.join(out, "style.css"));
  const sizes = {};
  for (const [name, p] of Object.entries(PAGES)) {
    copyFileSync(path.join(root, `web/${name}.html`), path.join(out, `${name}.html`));
    const parts = [`${name}.html`, "style.css", `${name}.js`];
    const gzipped = parts.reduce((s, f) => s + gz(path.join(out, f)), 0);
    sizes[name] = { files: parts, gzipped, budget: p.budget };
    if (!quiet) {
      const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
      console.log(`web page ${name}: ${kb(gzipped)} gzipped (budget ${kb(p.budget)})`);
    }
  }
  writeFileSync(path.join(out, "sizes.json"), `${JSON.stringify(sizes, null, 2)}\n`);
  return sizes;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await bundleWeb();
}
