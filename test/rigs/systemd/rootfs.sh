#!/usr/bin/env bash
# Builds (or reuses) a minimal Debian 12 root filesystem that boots systemd 252 as PID 1 under
# systemd-nspawn. Prints the unpacked directory on stdout; progress goes to stderr.
#
# Cache: ${RECOVERYD_CACHE:-/var/cache/recoveryd-ci}/rootfs-<key>.tar.gz (unpacks in ~2 s). The key
# changes whenever the package list below changes, so an outdated tarball is never reused.
# Needs root; installs systemd-container and debootstrap when missing.
set -euo pipefail

CACHE=${RECOVERYD_CACHE:-/var/cache/recoveryd-ci}
SUITE=bookworm
PACKAGES=systemd,systemd-sysv,dbus
KEY=$(printf '%s %s v1' "$SUITE" "$PACKAGES" | sha256sum | cut -c1-12)
TARBALL=$CACHE/rootfs-$SUITE-$KEY.tar.gz
DIR=${1:-$CACHE/rootfs-$SUITE-$KEY}

log() { printf '[rootfs] %s\n' "$*" >&2; }

mkdir -p "$CACHE"
if ! command -v systemd-nspawn >/dev/null || ! command -v debootstrap >/dev/null; then
  log "installing systemd-container debootstrap"
  apt-get -o DPkg::Lock::Timeout=600 update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
    systemd-container debootstrap >&2
fi

# One builder at a time (several test runs may share the cache).
exec 9>"$CACHE/rootfs.lock"
flock 9

if [ -x "$DIR/lib/systemd/systemd" ] && [ -f "$DIR/.recoveryd-rootfs-ok" ]; then
  log "reusing $DIR"
elif [ -s "$TARBALL" ]; then
  log "unpacking $TARBALL"
  rm -rf "$DIR"
  mkdir -p "$DIR"
  tar -C "$DIR" -xzf "$TARBALL"
  touch "$DIR/.recoveryd-rootfs-ok"
else
  log "debootstrap $SUITE ($PACKAGES): about a minute"
  rm -rf "$DIR" "$DIR.tmp"
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$DIR.tmp" >&2
  rm -rf "$DIR.tmp"/var/cache/apt/archives/*.deb "$DIR.tmp"/var/lib/apt/lists/*
  : >"$DIR.tmp/etc/machine-id"
  # Quiet, fast boots: no getty on the console, no periodic jobs.
  rm -f "$DIR.tmp"/etc/systemd/system/getty.target.wants/* \
    "$DIR.tmp"/etc/systemd/system/timers.target.wants/* 2>/dev/null || true
  tar -C "$DIR.tmp" -czf "$TARBALL.tmp" .
  mv "$TARBALL.tmp" "$TARBALL"
  mv "$DIR.tmp" "$DIR"
  touch "$DIR/.recoveryd-rootfs-ok"
fi
printf '%s\n' "$DIR"
