#!/usr/bin/env bash
# Prepares what the kernel test VM needs and prints shell assignments (KERNEL=, INITRD=) for eval.
# Cache: ${RECOVERYD_CACHE:-/var/cache/recoveryd-ci}/kernel, keyed on the kernel version Debian's
# linux-image-amd64 names: the image package (unpacked), and gpio-sim built out of tree from the
# matching linux-source package (Debian's kernels do not build CONFIG_GPIO_SIM). The kernel's
# source is fetched at test time, never stored in the repository. Needs root on a clean machine.
# Progress goes to stderr; stdout is only the assignments.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${RECOVERYD_CACHE:-/var/cache/recoveryd-ci}/kernel
mkdir -p "$CACHE"
log() { echo "kernel-vm: $*" >&2; }

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
[ -x /bin/busybox ] || need+=(busybox-static)
command -v gpiomon >/dev/null || need+=(gpiod)
command -v cc >/dev/null || need+=(gcc)
command -v make >/dev/null || need+=(make)
command -v xz >/dev/null || need+=(xz-utils)
updated=0
apt_update() { [ $updated = 1 ] || { apt-get update -q >&2; updated=1; }; }
ver() { apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: linux-image-\(.*\)-amd64$/\1/p' | head -1; }
VER=${RECOVERYD_KERNEL_VERSION:-$(ver)}
if [ -z "$VER" ]; then
  apt_update
  VER=$(ver)
fi
[ -n "$VER" ] || { log "cannot tell which kernel linux-image-amd64 names"; exit 1; }
[ -d "/usr/src/linux-headers-$VER-amd64" ] || need+=("linux-headers-$VER-amd64")
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  apt_update
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >&2
fi

VMLINUZ=$CACHE/image/boot/vmlinuz-$VER-amd64
MODDIR=$CACHE/image/lib/modules/$VER-amd64/kernel
if [ "$(cat "$CACHE/version" 2>/dev/null)" != "$VER" ] || [ ! -f "$VMLINUZ" ] || [ ! -f "$CACHE/mod/gpio-sim-oot.ko" ]; then
  log "building the cache for kernel $VER"
  rm -rf "$CACHE/image" "$CACHE/mod" "$CACHE/src" "$CACHE"/*.deb "$CACHE/version"
  SERIES=$(echo "$VER" | cut -d. -f1,2)
  apt_update
  (cd "$CACHE" && apt-get download -q "linux-image-$VER-amd64" "linux-source-$SERIES" >&2)
  dpkg-deb -x "$CACHE"/linux-image-"$VER"-amd64_*.deb "$CACHE/image"
  mkdir -p "$CACHE/src" "$CACHE/mod"
  # Three files of the kernel's source: the simulator, gpiolib's private header, the irq simulator.
  dpkg-deb --fsys-tarfile "$CACHE"/linux-source-"$SERIES"_*.deb |
    tar -x -C "$CACHE/src" "./usr/src/linux-source-$SERIES.tar.xz"
  tar -xJf "$CACHE/src/usr/src/linux-source-$SERIES.tar.xz" -C "$CACHE/src" \
    "linux-source-$SERIES/drivers/gpio/gpio-sim.c" "linux-source-$SERIES/drivers/gpio/gpiolib.h" \
    "linux-source-$SERIES/kernel/irq/irq_sim.c"
  S=$CACHE/src/linux-source-$SERIES
  cp "$S/drivers/gpio/gpio-sim.c" "$S/drivers/gpio/gpiolib.h" "$S/kernel/irq/irq_sim.c" "$CACHE/mod/"
  # irq_to_desc() is not exported to modules; generic_handle_irq() does the same for this irq.
  sed -i 's/handle_simple_irq(irq_to_desc(irqnum))/generic_handle_irq(irqnum)/' "$CACHE/mod/irq_sim.c"
  printf 'obj-m += gpio-sim-oot.o\ngpio-sim-oot-objs := gpio-sim.o irq_sim.o\n' >"$CACHE/mod/Makefile"
  make -s -C "/usr/src/linux-headers-$VER-amd64" M="$CACHE/mod" modules >&2
  rm -rf "$CACHE/src" "$CACHE"/linux-source-*.deb
  echo "$VER" >"$CACHE/version"
fi

# The initramfs is rebuilt on every run (about a second): it follows init in this folder.
RD=$(mktemp -d "${TMPDIR:-/tmp}/recoveryd-initrd.XXXXXX")
trap 'rm -rf "$RD"' EXIT
mkdir -p "$RD/bin" "$RD/lib/modules" "$RD/host" "$RD/proc" "$RD/sys" "$RD/dev"
cp /bin/busybox "$RD/bin/busybox"
cp "$HERE/init" "$RD/init"
chmod +x "$RD/init"
for m in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_legacy_dev \
  drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci fs/netfs/netfs fs/fscache/fscache \
  net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p fs/configfs/configfs; do
  f=$MODDIR/$m.ko
  [ -f "$f" ] || f=$(find "$MODDIR" -name "$(basename "$m").ko" | head -1)
  [ -n "$f" ] && [ -f "$f" ] && cp "$f" "$RD/lib/modules/"
done
cp "$CACHE/mod/gpio-sim-oot.ko" "$RD/lib/modules/"
(cd "$RD" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$CACHE/initrd-gpio.gz"
echo "KERNEL=$VMLINUZ"
echo "INITRD=$CACHE/initrd-gpio.gz"
