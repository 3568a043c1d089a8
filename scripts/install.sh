#!/usr/bin/env bash
# Installs recoveryd from a built checkout (run `npm ci && npm run build` first):
#
#   <prefix>/                          (default /opt/recoveryd)
#     package.json, dist/              compiled daemon and recoveryctl
#     node_modules/                    production dependencies only
#     docs/, examples/                 systemd.md, configuration.md, the example configuration
#   /etc/systemd/system/recoveryd.service
#   /etc/recoveryd/recoveryd.json      from the example, only when absent (never overwritten);
#   /etc/recoveryd/recoveryd.example.json  always refreshed, to compare against
#   /usr/local/bin/recoveryctl         symlink to <prefix>/dist/cli/recoveryctl.js
#   group "recoveryd-api"              members may use the API socket (mode 0660)
#
# Production dependencies come from, in this order: --node-modules DIR (copied as is, e.g. an
# arm64 staging folder from test/rigs/arm64/run.sh); the checkout's node_modules, pruned with
# `npm prune --omit=dev` (native modules already built for this machine); else `npm ci --omit=dev`.
#
# Options:
#   --prefix DIR         install root of the daemon (default /opt/recoveryd)
#   --source DIR         the built checkout (default: this script's repository)
#   --node-modules DIR   production node_modules to copy as is
#   --node PATH          Node.js 20 binary for ExecStart (default: `command -v node`)
#   --board sim|gpiod|onoff  board written into a NEW configuration (default: gpiod when the
#                        machine has /dev/gpiochip* and dist/recoveryd-gpio was built, else onoff
#                        when it has a chip in /sys/class/gpio, else sim)
#   --no-load-check      skip loading the native modules with --node (cross-architecture images)
#   --no-enable          do not enable the unit
#   --start              start (or restart) the service after installing
# Idempotent: rerunning upgrades in place and restarts a running service.
set -euo pipefail

PREFIX=/opt/recoveryd
SRC=$(cd "$(dirname "$0")/.." && pwd)
NODE_MODULES=
NODE_BIN=
BOARD=
ENABLE=1
START=0
LOAD_CHECK=1
UNIT_DIR=/etc/systemd/system
CONF_DIR=/etc/recoveryd
BIN_DIR=/usr/local/bin

die() {
  printf 'install.sh: %s\n' "$*" >&2
  exit 1
}
say() { printf 'install.sh: %s\n' "$*"; }

while [ $# -gt 0 ]; do
  case $1 in
  --prefix) PREFIX=${2:?}; shift 2 ;;
  --prefix=*) PREFIX=${1#*=}; shift ;;
  --source) SRC=${2:?}; shift 2 ;;
  --source=*) SRC=${1#*=}; shift ;;
  --node-modules) NODE_MODULES=${2:?}; shift 2 ;;
  --node-modules=*) NODE_MODULES=${1#*=}; shift ;;
  --node) NODE_BIN=${2:?}; shift 2 ;;
  --node=*) NODE_BIN=${1#*=}; shift ;;
  --board) BOARD=${2:?}; shift 2 ;;
  --board=*) BOARD=${1#*=}; shift ;;
  --no-enable) ENABLE=0; shift ;;
  --no-load-check) LOAD_CHECK=0; shift ;;
  --start) START=1; shift ;;
  -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown option $1 (see --help)" ;;
  esac
done

[ "$(id -u)" = 0 ] || die "run as root"
case $PREFIX in /*) ;; *) die "--prefix must be absolute" ;; esac
[ "$PREFIX" != / ] || die "--prefix / is not allowed"
[ -f "$SRC/dist/recoveryd.mjs" ] || die "$SRC/dist/recoveryd.mjs missing: run 'npm run build' first"
[ -f "$SRC/systemd/recoveryd.service" ] || die "$SRC/systemd/recoveryd.service missing"

NODE_BIN=${NODE_BIN:-$(command -v node || true)}
[ -n "$NODE_BIN" ] && [ -x "$NODE_BIN" ] || die "no node binary (give --node PATH)"
NODE_BIN=$(readlink -f "$NODE_BIN")
node_major=$("$NODE_BIN" -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || die "$NODE_BIN is Node $node_major; recoveryd needs Node >= 20"
# The unit names /usr/bin/node; keep that path when it is the same binary.
if [ "$(readlink -f /usr/bin/node 2>/dev/null || true)" = "$NODE_BIN" ]; then NODE_BIN=/usr/bin/node; fi

if [ -z "$BOARD" ]; then
  if compgen -G '/dev/gpiochip*' >/dev/null && [ -x "$SRC/dist/recoveryd-gpio" ]; then BOARD=gpiod
  elif compgen -G '/sys/class/gpio/gpiochip*' >/dev/null; then BOARD=onoff
  else BOARD=sim; fi
fi
case $BOARD in sim | gpiod | onoff) ;; *) die "--board must be sim, gpiod or onoff" ;; esac

# --- the daemon tree, built next to the old one and swapped in ---------------------------------
NEW=$PREFIX.new.$$
OLD=$PREFIX.old.$$
trap 'rm -rf "$NEW" "$OLD"' EXIT
rm -rf "$NEW"
mkdir -p "$NEW" "$NEW/docs" "$NEW/examples"
cp -a "$SRC/dist" "$NEW/dist"
cp "$SRC/package.json" "$NEW/package.json"
if [ -f "$SRC/package-lock.json" ]; then cp "$SRC/package-lock.json" "$NEW/package-lock.json"; fi
for f in docs/systemd.md docs/configuration.md examples/recoveryd.example.json; do
  if [ -f "$SRC/$f" ]; then cp "$SRC/$f" "$NEW/$f"; fi
done

if [ -n "$NODE_MODULES" ]; then
  [ -d "$NODE_MODULES" ] || die "--node-modules $NODE_MODULES is not a directory"
  say "copying production dependencies from $NODE_MODULES"
  cp -a "$NODE_MODULES" "$NEW/node_modules"
elif [ -d "$SRC/node_modules" ]; then
  command -v npm >/dev/null || die "npm not found (or give --node-modules DIR)"
  say "copying $SRC/node_modules and pruning dev dependencies"
  cp -a "$SRC/node_modules" "$NEW/node_modules"
  (cd "$NEW" && npm prune --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
  # npm leaves the emptied scope folders (@vitest, ...) behind.
  find "$NEW/node_modules" -mindepth 1 -maxdepth 1 -type d -empty -delete
else
  command -v npm >/dev/null || die "npm not found (or give --node-modules DIR)"
  say "npm ci --omit=dev (compiles native modules)"
  # No lifecycle script of our own package may run here (prepare would call tsc).
  (cd "$NEW" && npm pkg delete scripts && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
fi
if [ "$LOAD_CHECK" = 1 ]; then
  (cd "$NEW" && "$NODE_BIN" -e 'require("better-sqlite3"); require("argon2")') ||
    die "production dependencies do not load with $NODE_BIN (wrong architecture or Node version?)"
fi
chmod 0755 "$NEW/dist/recoveryd.mjs"
if [ -f "$NEW/dist/cli/recoveryctl.js" ]; then chmod 0755 "$NEW/dist/cli/recoveryctl.js"; fi
chown -R root:root "$NEW"
chmod -R go-w "$NEW"
chmod 0755 "$NEW"

if [ -e "$PREFIX" ]; then mv "$PREFIX" "$OLD"; fi
mkdir -p "$(dirname "$PREFIX")"
mv "$NEW" "$PREFIX"
rm -rf "$OLD"
say "daemon installed in $PREFIX"

# --- group for API clients ---------------------------------------------------------------------
if ! getent group recoveryd-api >/dev/null; then
  if command -v groupadd >/dev/null; then
    groupadd --system recoveryd-api
    say "created system group recoveryd-api (API clients join it: usermod -aG recoveryd-api <user>)"
  else
    say "warning: groupadd missing; systemd allocates a dynamic group and only root reaches api.sock"
  fi
fi

# --- configuration -----------------------------------------------------------------------------
mkdir -p "$CONF_DIR"
chmod 0755 "$CONF_DIR"
if [ -f "$SRC/examples/recoveryd.example.json" ]; then
  install -m 0644 "$SRC/examples/recoveryd.example.json" "$CONF_DIR/recoveryd.example.json"
  if [ -e "$CONF_DIR/recoveryd.json" ]; then
    say "kept existing $CONF_DIR/recoveryd.json (new example: $CONF_DIR/recoveryd.example.json)"
  else
    sed "s/\"board\": \"[a-z]*\"/\"board\": \"$BOARD\"/" "$SRC/examples/recoveryd.example.json" \
      >"$CONF_DIR/recoveryd.json.tmp"
    chmod 0644 "$CONF_DIR/recoveryd.json.tmp"
    mv "$CONF_DIR/recoveryd.json.tmp" "$CONF_DIR/recoveryd.json"
    say "wrote $CONF_DIR/recoveryd.json (board \"$BOARD\")"
  fi
fi

# --- recoveryctl -------------------------------------------------------------------------------
if [ -f "$PREFIX/dist/cli/recoveryctl.js" ]; then
  mkdir -p "$BIN_DIR"
  ln -sfn "$PREFIX/dist/cli/recoveryctl.js" "$BIN_DIR/recoveryctl"
  # recoveryctl's shebang is `/usr/bin/env node`: make sure a `node` is in PATH.
  if ! command -v node >/dev/null; then ln -sfn "$NODE_BIN" "$BIN_DIR/node"; fi
  say "linked $BIN_DIR/recoveryctl"
else
  say "warning: $PREFIX/dist/cli/recoveryctl.js not built; no recoveryctl link"
fi

# --- the unit ----------------------------------------------------------------------------------
sed -e "s#/opt/recoveryd#$PREFIX#g" -e "s#^ExecStart=/usr/bin/node #ExecStart=$NODE_BIN #" \
  "$SRC/systemd/recoveryd.service" >"$UNIT_DIR/recoveryd.service.tmp"
chmod 0644 "$UNIT_DIR/recoveryd.service.tmp"
mv "$UNIT_DIR/recoveryd.service.tmp" "$UNIT_DIR/recoveryd.service"
say "installed $UNIT_DIR/recoveryd.service"

if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  if [ "$ENABLE" = 1 ]; then
    systemctl enable --quiet recoveryd.service
    say "enabled recoveryd.service"
  fi
  if [ "$START" = 1 ] || systemctl is-active --quiet recoveryd.service; then
    systemctl restart recoveryd.service
    say "recoveryd.service (re)started"
  fi
else
  # Image builds and chroots: enabling only creates the symlink.
  if [ "$ENABLE" = 1 ]; then
    if systemctl enable --quiet recoveryd.service 2>/dev/null; then say "enabled recoveryd.service"; fi
  fi
  say "systemd is not running here: start recoveryd.service on the target"
fi
