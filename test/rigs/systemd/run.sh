#!/usr/bin/env bash
# The unit under a real systemd (SPEC 9). Run as root from the repository (CI: `bash .ci/run`).
#
#  1. Host checks, no container: `systemd-analyze verify` and
#     `systemd-analyze security --offline=yes --threshold=25` (fails above 2.5).
#  2. Builds the daemon (`npm run build`; RECOVERYD_SKIP_BUILD=1 reuses dist/), stages production
#     node_modules, then boots a Debian 12 root filesystem with systemd 252 as PID 1 under
#     systemd-nspawn. Inside, test/rigs/systemd/checks.sh installs recoveryd with
#     scripts/install.sh and checks readiness, the API, the sandbox, journald, the watchdog,
#     crash restarts and uninstall. Every check prints one PASS:/FAIL: line.
#
# Caches (reruns are fast): ${RECOVERYD_CACHE:-/var/cache/recoveryd-ci}/rootfs-*.tar.gz and the
# unpacked root filesystem, prod-*/node_modules. Results and the container's journal go to
# ${RECOVERYD_RESULTS:-<tmp dir>} (printed at the end). Exit status: 0 only if every check passed.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$ROOT"
CACHE=${RECOVERYD_CACHE:-/var/cache/recoveryd-ci}
HERE=$ROOT/test/rigs/systemd
T0=$(date +%s)

[ "$(id -u)" = 0 ] || {
  echo "test-systemd.sh: run as root (systemd-nspawn, debootstrap)" >&2
  exit 2
}
mkdir -p "$CACHE"
RESULTS=${RECOVERYD_RESULTS:-$(mktemp -d "${TMPDIR:-/tmp}/recoveryd-systemd-test.XXXXXX")}
mkdir -p "$RESULTS"
rm -f "$RESULTS/results.txt"
touch "$RESULTS/results.txt"
chmod 0777 "$RESULTS"

rc=0
pass() { echo "PASS: $*" | tee -a "$RESULTS/results.txt"; }
fail() {
  echo "FAIL: $*" | tee -a "$RESULTS/results.txt"
  rc=1
}
step() { printf '\n== %s (+%ss)\n' "$*" "$(($(date +%s) - T0))"; }

step "tools"
if ! command -v systemd-analyze >/dev/null || ! command -v systemd-nspawn >/dev/null ||
  ! command -v debootstrap >/dev/null; then
  apt-get -o DPkg::Lock::Timeout=600 update -q
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
    systemd systemd-container debootstrap
fi
NODE=$(readlink -f "$(command -v node)")
echo "node $NODE ($("$NODE" --version)), $(systemd-analyze --version | head -1)"

# --- 1. host checks ----------------------------------------------------------------------------
step "host checks"
UNIT_COPY=$RESULTS/unit
mkdir -p "$UNIT_COPY"
# verify checks that ExecStart's binary exists on this machine: point it at this host's node.
sed "s#^ExecStart=/usr/bin/node #ExecStart=$NODE #" systemd/recoveryd.service >"$UNIT_COPY/recoveryd.service"
if out=$(cd "$UNIT_COPY" && systemd-analyze verify ./recoveryd.service 2>&1) && [ -z "$out" ]; then
  pass "systemd-analyze verify systemd/recoveryd.service: no findings"
else
  fail "systemd-analyze verify systemd/recoveryd.service: $out"
fi
sec_rc=0
sec_out=$(cd "$UNIT_COPY" && systemd-analyze security --offline=yes --threshold=25 ./recoveryd.service 2>&1) ||
  sec_rc=$?
printf '%s\n' "$sec_out" >"$RESULTS/security.txt"
printf '%s\n' "$sec_out" | grep -E '^✗' || true
exposure=$(printf '%s\n' "$sec_out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
if [ "$sec_rc" = 0 ] && [ -n "$exposure" ]; then
  pass "systemd-analyze security --offline=yes --threshold=25: exposure $exposure (limit 2.5)"
else
  fail "systemd-analyze security --offline=yes --threshold=25: exposure ${exposure:-?} (exit $sec_rc, limit 2.5)"
fi
# The shipped drop-ins (a real board runs gpio-sysfs.conf) must keep the bar too. Appending a
# drop-in's [Service] section to the unit is what systemd does when it merges one.
for dropin in systemd/dropins/*.conf; do
  name=$(basename "$dropin" .conf)
  mkdir -p "$UNIT_COPY/$name"
  cat "$UNIT_COPY/recoveryd.service" "$dropin" >"$UNIT_COPY/$name/recoveryd.service"
  d_rc=0
  d_out=$(cd "$UNIT_COPY/$name" && systemd-analyze verify ./recoveryd.service 2>&1 &&
    systemd-analyze security --offline=yes --threshold=25 ./recoveryd.service 2>&1) || d_rc=$?
  d_exp=$(printf '%s\n' "$d_out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
  if [ "$d_rc" = 0 ] && [ -n "$d_exp" ]; then
    pass "unit + systemd/dropins/$name.conf: verify clean, exposure $d_exp (limit 2.5)"
  else
    fail "unit + systemd/dropins/$name.conf: exit $d_rc, exposure ${d_exp:-?}: $(printf '%s\n' "$d_out" | grep -v '^[✓✗]' | head -3)"
  fi
done

# --- 2. build and stage ------------------------------------------------------------------------
step "build"
if [ "${RECOVERYD_SKIP_BUILD:-0}" != 1 ]; then
  [ -d node_modules ] || npm ci --no-audit --no-fund
  npm run build --silent
fi
[ -f dist/recoveryd.mjs ] || {
  fail "dist/recoveryd.mjs missing after the build"
  exit 1
}

# Production node_modules for this machine: the checkout's (native modules built for this glibc,
# which is the container's too) minus dev dependencies. Cached per lockfile and Node version.
PROD_KEY=$(cat package-lock.json <(echo "$("$NODE" --version) $(uname -m) v1") | sha256sum | cut -c1-12)
PROD=$CACHE/prod-$(uname -m)-$PROD_KEY
if [ ! -f "$PROD/.ok" ]; then
  echo "staging production node_modules in $PROD"
  rm -rf "$PROD"
  mkdir -p "$PROD"
  cp package.json package-lock.json "$PROD/"
  cp -a node_modules "$PROD/node_modules"
  (cd "$PROD" && npm prune --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
  find "$PROD/node_modules" -mindepth 1 -maxdepth 1 -type d -empty -delete
  touch "$PROD/.ok"
fi

step "root filesystem"
ROOTFS=$(bash "$HERE/rootfs.sh")

# --- 3. the container --------------------------------------------------------------------------
step "container: systemd 252 as PID 1"
RUNNER=$RESULTS/test-runner.service
cat >"$RUNNER" <<'EOF'
[Unit]
Description=recoveryd checks under a real systemd
After=multi-user.target
SuccessAction=exit
FailureAction=exit

[Service]
Type=oneshot
ExecStart=/bin/bash /src/test/rigs/systemd/checks.sh
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=480
EOF

host_lines=$(wc -l <"$RESULTS/results.txt")
nspawn_rc=0
timeout --kill-after=10 540 systemd-nspawn -D "$ROOTFS" -b --quiet --register=no --keep-unit \
  --console=pipe --volatile=overlay --private-network \
  --bind-ro="$NODE":/usr/bin/node \
  --bind-ro="$ROOT":/src \
  --bind-ro="$PROD":/stage \
  --bind="$RESULTS":/results \
  --bind-ro="$RUNNER":/etc/systemd/system/test-runner.service \
  systemd.show_status=0 systemd.wants=test-runner.service >"$RESULTS/console.log" 2>&1 || nspawn_rc=$?

# The checks' own lines went to the console log and results.txt.
tail -n +"$((host_lines + 1))" "$RESULTS/results.txt" | grep -E '^(PASS|FAIL|INFO|SKIP): ' || true
if [ "$(tail -n +"$((host_lines + 1))" "$RESULTS/results.txt" | grep -c '^PASS: ')" -lt 5 ]; then
  fail "container checks did not run (systemd-nspawn exit $nspawn_rc); console:"
  tail -40 "$RESULTS/console.log"
fi
if [ "$nspawn_rc" != 0 ]; then
  [ "$nspawn_rc" = 124 ] && fail "container timed out"
  rc=1
fi
grep -q '^FAIL: ' "$RESULTS/results.txt" && rc=1

step "summary"
echo "PASS: $(grep -c '^PASS: ' "$RESULTS/results.txt"), FAIL: $(grep -c '^FAIL: ' "$RESULTS/results.txt"), wall time $(($(date +%s) - T0)) s"
echo "results, security report, console and journal: $RESULTS"
exit "$rc"
