#!/usr/bin/env bash
# Builds (once) what the power-cut VM boots: a Debian kernel and the modules it needs for virtio,
# 9p and ext4, a busybox initramfs, and an empty ext4 image template. Everything lives under
# /var/cache/recoveryd-ci/powercut/<kernel version>/ so a CI machine creates it on its first run
# and reuses it afterwards. Prints the folder on stdout (the last line).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root=${POWERCUT_CACHE_ROOT:-/var/cache/recoveryd-ci/powercut}
mkdir -p "$root"

# Debian 6.1 builds these as modules (CONFIG_VIRTIO_BLK=m, CONFIG_EXT4_FS=m, CONFIG_9P_FS=m...),
# loaded in dependency order by the init script.
MODULES="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk \
netfs fscache 9pnet 9pnet_virtio 9p crc16 mbcache jbd2 crc32c_generic libcrc32c ext4"
recipe_key=$(cat "$here/prepare.sh" "$here/init.sh" | sha256sum | cut -c1-12)

# The kernel version: the one cached last, else what linux-image-amd64 depends on today.
kver=""
[ -f "$root/current" ] && kver=$(cat "$root/current")
if [ -z "$kver" ] || [ ! -f "$root/$kver/ok-$recipe_key" ]; then
  if [ -z "$kver" ]; then
    apt-get update -q >&2
    kver=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: linux-image-\(.*\)-amd64$/\1/p' | head -1)
    [ -n "$kver" ] || { echo "prepare: cannot resolve the kernel version" >&2; exit 1; }
  fi
  dir="$root/$kver"
  mkdir -p "$dir"
  (
    # Two CI scripts may prepare at once: one builds, the other waits.
    flock 9
    if [ ! -f "$dir/ok-$recipe_key" ]; then
      cd "$dir"
      if ! ls linux-image-"$kver"-amd64_*.deb >/dev/null 2>&1; then
        apt-get download -q "linux-image-$kver-amd64" >&2 || { apt-get update -q >&2 && apt-get download -q "linux-image-$kver-amd64" >&2; }
      fi
      rm -rf image initrd && mkdir -p image initrd/bin initrd/lib/modules initrd/proc initrd/sys initrd/dev initrd/host
      dpkg-deb -x linux-image-"$kver"-amd64_*.deb image
      cp "image/boot/vmlinuz-$kver-amd64" vmlinuz
      for m in $MODULES; do
        f=$(find "image/lib/modules/$kver-amd64/kernel" -name "$m.ko" -o -name "$m.ko.xz" | head -1)
        [ -n "$f" ] || { echo "prepare: module $m not in the image package" >&2; exit 1; }
        case "$f" in *.xz) xz -dc "$f" >"initrd/lib/modules/$m.ko" ;; *) cp "$f" "initrd/lib/modules/$m.ko" ;; esac
      done
      echo "$MODULES" >initrd/lib/modules/order
      cp /bin/busybox initrd/bin/busybox
      cp "$here/init.sh" initrd/init && chmod +x initrd/init
      (cd initrd && find . | /bin/busybox cpio -o -H newc 2>/dev/null | gzip -1) >initrd.gz
      rm -rf image
      # The disk: ext4 as mke2fs makes it by default (journal, data=ordered when mounted).
      rm -f disk-template.img && truncate -s 128M disk-template.img
      mke2fs -q -F -t ext4 -L pcstate disk-template.img
      touch "ok-$recipe_key"
    fi
  ) 9>"$dir.lock"
  echo "$kver" >"$root/current"
fi
echo "$root/$kver"
