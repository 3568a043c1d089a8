#!/bin/busybox sh
# /init of the power-cut VM. Loads virtio, 9p and ext4, mounts the host's / read-only over 9p
# with fresh /proc, /sys, /dev, /tmp and /run, mounts the state disk (/dev/vda, ext4, default
# options) at /tmp/pc inside that root, and runs the driver named on the kernel command line
# (pc.driver=<path>) in the chroot. The driver's lines go to the serial console.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev
for m in $(cat /lib/modules/order); do insmod /lib/modules/$m.ko || echo "PC-INIT insmod $m failed"; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 host /host || { echo "PC-INIT no-host"; poweroff -f; }
mount -t proc proc /host/proc
mount -t sysfs sysfs /host/sys
mount -t devtmpfs dev /host/dev
mount -t tmpfs tmp /host/tmp
mount -t tmpfs run /host/run
mkdir -p /host/tmp/pc
# The journal replay of a cut happens here, as on a recorder's boot.
mount -t ext4 /dev/vda /host/tmp/pc || { echo "PC-INIT mount-failed"; poweroff -f; }
driver=$(sed -n 's/.* pc\.driver=\([^ ]*\).*/\1/p' /proc/cmdline)
echo "PC-INIT ready"
chroot /host /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/tmp TMPDIR=/tmp \
  /usr/bin/node "$driver" </dev/null
echo "PC-INIT driver-exit $?"
umount /host/tmp/pc
poweroff -f
