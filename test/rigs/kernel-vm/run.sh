#!/usr/bin/env bash
# `npm run test:kernel`: the daemon on a real Linux kernel's GPIO. Boots Debian's kernel under qemu
# (TCG: nested KVM does not work on the CI machine) with the host's / read-only over 9p and the
# kernel's own GPIO simulator (gpio-sim, built by prepare.sh), and runs driver.mjs inside: both
# back ends (gpiod, onoff) through the gesture table's edges, contact bounce, a glitch, the chip
# removed and restored, a chip missing at start, and a boot hold (the cases are in cases/). One VM
# boot for everything. Prints one KCASE line per case.
# Environment: RECOVERYD_SKIP_BUILD=1 reuses dist/; RECOVERYD_KERNEL_BACKENDS="gpiod" limits the run;
# RECOVERYD_KERNEL_BENCH=N also runs the press-timing benchmark after the cases and the contract (N holds
# per back end and load; a bench error prints a KBENCH error line but does not fail the run);
# RECOVERYD_KERNEL_OUT=FILE keeps the results JSON; RECOVERYD_KERNEL_CONTRACT_ONLY=1 runs only the board
# contract on the chip (test/rigs/kernel-vm/contract-real-chip.ts).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$ROOT"
T0=$(date +%s)
step() { printf '== %s (+%ss)\n' "$*" "$(($(date +%s) - T0))"; }
if [ "${RECOVERYD_SKIP_BUILD:-0}" != 1 ]; then
  step "build"
  npm run build --silent
fi
[ -x dist/recoveryd-gpio ] || { echo "FAIL: dist/recoveryd-gpio missing (no C compiler?)"; exit 1; }
step "kernel, gpio-sim module, initramfs"
eval "$(bash test/rigs/kernel-vm/prepare.sh)"
RES=$(mktemp -d "${TMPDIR:-/tmp}/recoveryd-kernel.XXXXXX")
trap 'rm -rf "$RES"' EXIT
cat >"$RES/guest-cmd.sh" <<GUEST
cd '$ROOT' || exit 92
KBENCH=${RECOVERYD_KERNEL_BENCH:-0} KCONTRACT_ONLY=${RECOVERYD_KERNEL_CONTRACT_ONLY:-0} exec node test/rigs/kernel-vm/driver.mjs /run/results/results.json ${RECOVERYD_KERNEL_BACKENDS:-}
GUEST
step "boot the VM and drive the button"
set +e
timeout "${RECOVERYD_KERNEL_TIMEOUT:-900}" qemu-system-x86_64 -accel tcg -smp 2 -m 1536 -nographic -no-reboot \
  -kernel "$KERNEL" -initrd "$INITRD" -append "console=ttyS0 quiet loglevel=3 panic=-1" \
  -virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
  -virtfs "local,path=$RES,mount_tag=results,security_model=none" </dev/null | tee "$RES/console.log"
set -e
rc=$(sed -n 's/.*GUEST-EXIT \([0-9]*\).*/\1/p' "$RES/console.log" | tail -1)
[ -z "${RECOVERYD_KERNEL_OUT:-}" ] || cp "$RES/results.json" "$RECOVERYD_KERNEL_OUT" 2>/dev/null || true
step "done"
if [ "${rc:-x}" != 0 ]; then
  echo "FAIL: kernel test (guest exit ${rc:-none}); console tail:"
  tail -n 40 "$RES/console.log"
  exit 1
fi
