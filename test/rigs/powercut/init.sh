#!/bin/busybox sh
# /init of the power-cut VM. Loads virtio, 9p and ext4, mounts the host's / read-only over 9p
# with fresh /proc, /sys, /dev and /run, mounts the state disk (/dev/vda, ext4, default
# options) at /run/pc inside that root, and runs the driver named on the kernel command line
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
# Scratch goes on /run, not a tmpfs over /tmp: the checkout itself may live under the host's /tmp
# (CI clones there), and masking it hides the driver.
mount -t tmpfs run /host/run
mkdir -p /host/run/pc /host/run/tmp
# The journal replay of a cut happens here, as on a recorder's boot.
mount -t ext4 /dev/vda /host/run/pc || { echo "PC-INIT mount-failed"; poweroff -f; }
driver=$(sed -n 's/.* pc\.driver=\([^ ]*\).*/\1/p' /proc/cmdline)
echo "PC-INIT ready"
chroot /host /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/run TMPDIR=/run/tmp \
  /usr/bin/node "$driver" </dev/null
echo "PC-INIT driver-exit $?"
umount /host/run/pc
poweroff -f
