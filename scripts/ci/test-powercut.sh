#!/usr/bin/env bash
# Issue 13: a real power cut. Boots a Debian kernel under qemu (TCG) with the daemon's state on
# an ext4 virtio disk, SIGKILLs qemu during setup, password change, credential reset and factory
# reset, reboots and checks the store (test/rigs/powercut/). Arguments go to the host runner:
#   bash scripts/ci/test-powercut.sh --count 10 [--seed S]
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$(date +%s)

need_apt=()
command -v qemu-system-x86_64 >/dev/null || need_apt+=(qemu-system-x86)
[ -x /bin/busybox ] || need_apt+=(busybox-static)
command -v mke2fs >/dev/null || need_apt+=(e2fsprogs)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need_apt[@]}"
fi

cache=$(bash test/rigs/powercut/prepare.sh | tail -1)
node scripts/build-if-stale.mjs >/dev/null
# The driver runs inside the VM from the checkout (over 9p); both halves are bundled here so
# neither needs a TypeScript loader at run time.
for part in driver host; do
  node_modules/.bin/esbuild "test/rigs/powercut/$part.ts" --bundle --platform=node --format=esm \
    --target=node20 --packages=external --log-level=warning --outfile="dist/test/rigs/powercut/$part.mjs"
done
echo "powercut: cache $cache ready after $(($(date +%s) - start)) s"
node dist/test/rigs/powercut/host.mjs --cache "$cache" "$@"
echo "powercut: total $(($(date +%s) - start)) s"
