#!/usr/bin/env bash
# Reverses scripts/install.sh: stops and disables recoveryd, removes the unit, the daemon tree and
# the recoveryctl link. Keeps the state (credential store, pepper, audit log), the configuration
# and any drop-ins unless --purge is given.
#
# Options:
#   --prefix DIR   where the daemon was installed (default /opt/recoveryd)
#   --purge        also delete the state (/var/lib/recoveryd, /var/lib/private/recoveryd), the
#                  configuration (/etc/recoveryd), the unit's drop-ins and the recoveryd-api group
set -euo pipefail

PREFIX=/opt/recoveryd
PURGE=0
UNIT_DIR=/etc/systemd/system
BIN_DIR=/usr/local/bin

die() {
  printf 'uninstall.sh: %s\n' "$*" >&2
  exit 1
}
say() { printf 'uninstall.sh: %s\n' "$*"; }

while [ $# -gt 0 ]; do
  case $1 in
  --prefix) PREFIX=${2:?}; shift 2 ;;
  --prefix=*) PREFIX=${1#*=}; shift ;;
  --purge) PURGE=1; shift ;;
  -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown option $1 (see --help)" ;;
  esac
done
[ "$(id -u)" = 0 ] || die "run as root"
case $PREFIX in /*) ;; *) die "--prefix must be absolute" ;; esac
[ "$PREFIX" != / ] || die "--prefix / is not allowed"

if [ -d /run/systemd/system ]; then
  systemctl disable --now --quiet recoveryd.service 2>/dev/null || true
  say "stopped and disabled recoveryd.service"
else
  systemctl disable --quiet recoveryd.service 2>/dev/null || true
fi
rm -f "$UNIT_DIR/recoveryd.service"

link=$BIN_DIR/recoveryctl
if [ -L "$link" ]; then
  case $(readlink "$link") in "$PREFIX"/*) rm -f "$link" && say "removed $link" ;; esac
fi

if [ -d "$PREFIX" ]; then
  rm -rf "$PREFIX"
  say "removed $PREFIX"
fi

if [ "$PURGE" = 1 ]; then
  rm -rf /var/lib/private/recoveryd /var/lib/recoveryd /etc/recoveryd "$UNIT_DIR/recoveryd.service.d" \
    /run/recoveryd
  if getent group recoveryd-api >/dev/null && command -v groupdel >/dev/null; then groupdel recoveryd-api || true; fi
  say "purged state, configuration, drop-ins and the recoveryd-api group"
else
  say "kept state (/var/lib/recoveryd) and configuration (/etc/recoveryd); --purge deletes them"
fi

if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl reset-failed recoveryd.service 2>/dev/null || true
fi
