#!/bin/bash
# Runs INSIDE the systemd-nspawn container as test-runner.service (see test/rigs/systemd/run.sh).
# Mounts: /src = the repository (read-only, built), /stage/node_modules = production dependencies
# for this architecture, /usr/bin/node = the host's Node 20, /results = results folder (rw).
# Prints one PASS:/FAIL: line per check (INFO: for measurements); exits non-zero if any failed.
set -uo pipefail

OUT=/results/results.txt
UNIT=recoveryd.service
SOCK=/run/recoveryd/api.sock
HELP=/src/test/rigs/systemd
WD_SEC=5 # the test drop-in's WatchdogSec (the shipped unit says 30 s)
rc=0

pass() { echo "PASS: $*" | tee -a "$OUT"; }
fail() {
  echo "FAIL: $*" | tee -a "$OUT"
  rc=1
}
info() { echo "INFO: $*" | tee -a "$OUT"; }
skip() { echo "SKIP: $*" | tee -a "$OUT"; }
now_ms() { date +%s%3N; }
prop() { systemctl show -P "$1" "$UNIT"; }
# wait_until SECONDS COMMAND...: polls every 100 ms.
wait_until() {
  local end=$(($(now_ms) + $1 * 1000))
  shift
  until "$@"; do
    [ "$(now_ms)" -ge "$end" ] && return 1
    sleep 0.1
  done
}
is_active() { [ "$(prop ActiveState)" = active ] && [ "$(prop SubState)" = running ]; }
restarted_since() { [ "$(prop NRestarts)" -gt "$1" ] && [ "$(prop MainPID)" != "$2" ] && [ "$(prop MainPID)" != 0 ] && is_active; }
unit_journal() { journalctl -u "$UNIT" -o cat --no-pager 2>/dev/null; }
dump_state() {
  systemctl status --no-pager -l "$UNIT" >>/results/status-on-failure.txt 2>&1 || true
  journalctl -u "$UNIT" --no-pager -n 60 >>/results/status-on-failure.txt 2>&1 || true
}

echo "checks starting: $(systemctl --version | head -1), node $(node --version)"

# --- installation ------------------------------------------------------------------------------
mkdir -p /var/lib/recordings/cam1
echo "footage" >/var/lib/recordings/cam1/0001.mp4
mkdir -p /etc/recoveryd
GOOD_CONFIG='{ "board": "sim", "testing": { "stallOnSigusr2": true } }'
echo "$GOOD_CONFIG" >/etc/recoveryd/recoveryd.json
conf_sum=$(sha256sum /etc/recoveryd/recoveryd.json)

t=$(now_ms)
if /src/scripts/install.sh --source /src --node-modules /stage/node_modules >/results/install.log 2>&1 &&
  /src/scripts/install.sh --source /src --node-modules /stage/node_modules >>/results/install.log 2>&1; then
  problems=()
  [ -f /etc/systemd/system/$UNIT ] || problems+=("unit missing")
  [ -x /opt/recoveryd/dist/recoveryd.mjs ] || problems+=("daemon missing")
  [ -d /opt/recoveryd/node_modules/better-sqlite3 ] || problems+=("node_modules missing")
  [ "$(sha256sum /etc/recoveryd/recoveryd.json)" = "$conf_sum" ] || problems+=("existing config overwritten")
  [ -f /etc/recoveryd/recoveryd.example.json ] || problems+=("example config missing")
  getent group recoveryd-api >/dev/null || problems+=("group recoveryd-api missing")
  [ "$(systemctl is-enabled $UNIT 2>/dev/null)" = enabled ] || problems+=("unit not enabled")
  if [ -f /opt/recoveryd/dist/cli/recoveryctl.js ] && [ ! -L /usr/local/bin/recoveryctl ]; then
    problems+=("recoveryctl link missing")
  fi
  if [ ${#problems[@]} = 0 ]; then
    pass "install.sh (twice, idempotent): daemon in /opt/recoveryd, unit enabled, existing config kept, group recoveryd-api ($(($(now_ms) - t)) ms)"
  else
    fail "install.sh: ${problems[*]}"
  fi
else
  fail "install.sh failed: $(tail -3 /results/install.log | tr '\n' ' ')"
fi

# Test drop-in: a short watchdog so that the checks are quick. Everything else is the shipped unit.
mkdir -p /etc/systemd/system/$UNIT.d
printf '[Service]\nWatchdogSec=%ss\n' "$WD_SEC" >/etc/systemd/system/$UNIT.d/50-test-watchdog.conf
systemctl daemon-reload

# --- READY -------------------------------------------------------------------------------------
t=$(now_ms)
if timeout 60 systemctl start "$UNIT"; then
  start_ms=$(($(now_ms) - t))
  ready_at=$(now_ms)
  if is_active && [ "$(prop Type)" = notify ]; then
    pass "READY reached: Type=notify, ActiveState=active SubState=running in ${start_ms} ms (StatusText: \"$(prop StatusText)\")"
  else
    fail "READY: ActiveState=$(prop ActiveState) SubState=$(prop SubState) Type=$(prop Type)"
    dump_state
  fi
else
  ready_at=$(now_ms)
  fail "READY: systemctl start failed ($(prop ActiveState)/$(prop SubState), Result=$(prop Result))"
  dump_state
fi
PID0=$(prop MainPID)
info "watchdog as seen by systemd: WatchdogUSec=$(prop WatchdogUSec), NotifyAccess=$(prop NotifyAccess), MainPID=$PID0"

# --- API ---------------------------------------------------------------------------------------
if out=$(node $HELP/api.mjs $SOCK GET /v1/status) && node -e '
    const body = JSON.parse(process.argv[1].replace(/^\d+ /, ""));
    if (!["first-boot", "provisioned"].includes(body.state)) process.exit(1);' "$out"; then
  pass "API answers through $SOCK: GET /v1/status -> ${out:0:160}"
else
  fail "API through $SOCK: ${out:-no answer}"
  dump_state
fi

useradd --system --no-create-home --groups recoveryd-api webui 2>/dev/null || true
useradd --system --no-create-home outsider 2>/dev/null || true
perm=$(stat -c '%a %G' $SOCK 2>/dev/null)
as_member=$(setpriv --reuid=webui --regid=webui --init-groups node $HELP/api.mjs $SOCK GET /v1/status 2>&1 | cut -c1-3)
as_other=$(setpriv --reuid=outsider --regid=outsider --init-groups node $HELP/api.mjs $SOCK GET /v1/status 2>&1 | cut -c1-6)
if [ "$perm" = "660 recoveryd-api" ] && [ "$as_member" = 200 ] && [ "$as_other" = EACCES ]; then
  pass "API socket access: mode 0660 group recoveryd-api; a member gets 200, a non-member EACCES"
else
  fail "API socket access: mode/group '$perm', member '$as_member', non-member '$as_other'"
fi

# --- sandbox: what can the service's own user write, in the service's own mount namespace? ----
# nsenter joins the running daemon's mount namespace (ProtectSystem=, InaccessiblePaths=,
# PrivateTmp=, ... are mount-namespace properties) as the daemon's dynamic uid/gid, with no
# capabilities, and lists EVERY directory it may write (access(2) W_OK, which also reports
# read-only mounts), then writes real files where that matters.
pid=$(prop MainPID)
if [ "$pid" -gt 1 ]; then
  uid=$(awk '/^Uid:/ { print $2 }' /proc/"$pid"/status)
  gid=$(awk '/^Gid:/ { print $2 }' /proc/"$pid"/status)
  tag=probe-$$-$RANDOM
  probe() { nsenter -t "$pid" -m -S "$uid" -G "$gid" -- /bin/sh -c "$1" 2>&1; }
  can_write() { probe "touch '$1/.$tag' 2>/dev/null && rm -f '$1/.$tag' && echo yes || echo no"; }
  leaks=()
  all_writable=$(probe 'find / \( -path /proc -o -path /sys \) -prune -o -type d -writable -print 2>/dev/null' | sort)
  n_writable=$(printf '%s\n' "$all_writable" | grep -c .)
  unexpected=$(printf '%s\n' "$all_writable" | grep -vE '^(/var/lib/private/recoveryd|/run/recoveryd|/tmp|/var/tmp)(/|$)' | grep . | head -5 | tr '\n' ' ')
  [ -z "$unexpected" ] || leaks+=("writable: $unexpected")
  for d in /var/lib/recoveryd /run/recoveryd; do
    [ "$(can_write $d)" = yes ] || leaks+=("cannot write its own $d")
  done
  for d in /etc /opt/recoveryd /usr /var/lib /var/lib/recordings /run /sys/fs/cgroup /sys/kernel /proc/sys/kernel; do
    [ "$(can_write $d)" = no ] || leaks+=("$d writable")
  done
  # PrivateTmp=: writable, but not the system's /tmp and /var/tmp.
  for d in /tmp /var/tmp; do
    probe "touch '$d/.$tag'" >/dev/null
    [ ! -e "$d/.$tag" ] || leaks+=("$d is shared")
  done
  # Recordings: not even readable, and still intact after an attempt to delete them.
  rec_read=$(probe "cat /var/lib/recordings/cam1/0001.mp4 >/dev/null 2>&1 && echo readable || echo unreadable")
  probe "rm -rf /var/lib/recordings/cam1" >/dev/null
  [ "$rec_read" = unreadable ] || leaks+=("recordings readable")
  [ -f /var/lib/recordings/cam1/0001.mp4 ] || leaks+=("recordings deleted")
  etc_err=$(probe "touch /etc/.$tag" | sed 's/^.*: //' | head -1)
  rec_err=$(probe "ls /var/lib/recordings" | sed 's/^.*: //' | head -1)
  if [ ${#leaks[@]} = 0 ]; then
    pass "sandbox (uid $uid in the daemon's mount namespace): of every directory, only the state dir, /run/recoveryd and the private /tmp, /var/tmp are writable ($n_writable dirs); /etc: $etc_err; recordings: $rec_err, unreadable, intact after rm -rf"
  else
    fail "sandbox: ${leaks[*]}"
  fi
  printf '%s\n' "$all_writable" >/results/sandbox-writable-dirs.txt
  inet=$(nsenter -t "$pid" -m -n -S "$uid" -G "$gid" -- node -e '
    const s = require("node:net").connect(80, "127.0.0.1");
    s.on("error", (e) => { console.log(e.code); process.exit(0); });
    s.on("connect", () => { console.log("connected"); process.exit(0); });' 2>&1 | tail -1)
  info "network namespace of the daemon: TCP connect to 127.0.0.1:80 -> $inet (PrivateNetwork=yes; RestrictAddressFamilies= applies to the daemon itself via seccomp)"
else
  fail "sandbox: no MainPID"
fi

# --- watchdog: pings keep it alive -------------------------------------------------------------
need=$(((2 * WD_SEC + 1) * 1000 - ($(now_ms) - ready_at)))
[ "$need" -gt 0 ] && sleep "$(printf '%d.%03d' $((need / 1000)) $((need % 1000)))"
alive_s=$((($(now_ms) - ready_at) / 1000))
if is_active && [ "$(prop NRestarts)" = 0 ] && [ "$(prop MainPID)" = "$PID0" ]; then
  pass "watchdog pings from the event loop keep it alive: ${alive_s} s at WatchdogSec=${WD_SEC}s, NRestarts=0, same MainPID"
else
  fail "watchdog keep-alive: after ${alive_s} s NRestarts=$(prop NRestarts) MainPID=$(prop MainPID) (was $PID0) $(prop ActiveState)"
  dump_state
fi

# --- watchdog: a stalled event loop is killed and restarted -------------------------------------
n=$(prop NRestarts)
pid=$(prop MainPID)
t=$(now_ms)
# Never signal pid 0 (our own process group).
[ "$pid" -gt 1 ] && kill -USR2 "$pid"
if [ "$pid" -gt 1 ] && wait_until $((WD_SEC * 3 + 15)) restarted_since "$n" "$pid"; then
  took=$(($(now_ms) - t))
  wait_until 5 sh -c "journalctl -u $UNIT -o cat --no-pager | grep -q 'Watchdog timeout'"
  how=$(unit_journal | grep -E 'Watchdog timeout|Killing process|status=6/ABRT' | head -2 | tr '\n' ' ')
  if unit_journal | grep -q 'Watchdog timeout'; then
    pass "stalled event loop (SIGUSR2 hook): killed by the watchdog and restarted in ${took} ms, NRestarts $n -> $(prop NRestarts), MainPID $pid -> $(prop MainPID) [$how]"
  else
    fail "stalled event loop: restarted but not by the watchdog [$how]"
  fi
else
  fail "stalled event loop: no watchdog restart within $((WD_SEC * 3 + 15)) s (NRestarts=$(prop NRestarts), $(prop ActiveState)/$(prop SubState))"
  dump_state
fi

# --- crash -------------------------------------------------------------------------------------
n=$(prop NRestarts)
pid=$(prop MainPID)
t=$(now_ms)
[ "$pid" -gt 1 ] && kill -KILL "$pid"
if [ "$pid" -gt 1 ] && wait_until 30 restarted_since "$n" "$pid"; then
  pass "crash (SIGKILL): restarted in $(($(now_ms) - t)) ms (RestartSec=$(prop RestartUSec)), NRestarts $n -> $(prop NRestarts), MainPID $pid -> $(prop MainPID)"
else
  fail "crash (SIGKILL): not restarted (NRestarts=$(prop NRestarts), $(prop ActiveState)/$(prop SubState))"
  dump_state
fi

# --- READY from a short-lived systemd-notify child: attributed every time? --------------------
ok=0
times=()
for _ in $(seq 1 10); do
  t=$(now_ms)
  if timeout 20 systemctl restart "$UNIT" && is_active; then
    ok=$((ok + 1))
    times+=($(($(now_ms) - t)))
  fi
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')
if [ "$ok" = 10 ]; then
  pass "READY sent by the systemd-notify child reached PID 1 on 10/10 restarts (restart-to-READY ms: $sorted)"
else
  fail "READY attribution: $ok/10 restarts reached active (ms: $sorted)"
  dump_state
fi

# Counter-check: without NotifyAccess=all, PID 1 drops the child's READY (why the unit needs it).
printf '[Service]\nNotifyAccess=main\nTimeoutStartSec=4s\n' >/etc/systemd/system/$UNIT.d/60-notify-main.conf
systemctl daemon-reload
systemctl stop "$UNIT"
timeout 20 systemctl start "$UNIT" >/dev/null 2>&1
state=$(prop Result)
systemctl stop "$UNIT"
rm -f /etc/systemd/system/$UNIT.d/60-notify-main.conf
systemctl daemon-reload
systemctl reset-failed "$UNIT" 2>/dev/null
if [ "$state" = timeout ] && unit_journal | grep -q 'reception only permitted for main PID'; then
  info "counter-check: with NotifyAccess=main the child's READY is refused (\"reception only permitted for main PID\") and start times out: NotifyAccess=all is required"
else
  info "counter-check NotifyAccess=main: Result=$state"
fi
timeout 60 systemctl start "$UNIT" || fail "restart after counter-check failed"

# --- journald ----------------------------------------------------------------------------------
if out=$(journalctl _SYSTEMD_UNIT=$UNIT -o cat --no-pager | node $HELP/journal-json.mjs 5); then
  pass "journald holds the JSON logs: $out"
else
  fail "journald JSON logs: $out"
fi

# --- configuration errors under systemd: exit 78, no restart loop ------------------------------
bad_config() { # name json expected-key
  local name=$1 json=$2 key=$3
  echo "$json" >/etc/recoveryd/recoveryd.json
  systemctl reset-failed "$UNIT" 2>/dev/null
  local n
  n=$(prop NRestarts)
  timeout 30 systemctl restart "$UNIT" >/dev/null 2>&1
  sleep 3 # longer than RestartSec=2s: a restart would show up in NRestarts
  local status msg
  status=$(prop ExecMainStatus)
  msg=$(journalctl _SYSTEMD_UNIT=$UNIT -o cat --no-pager | grep 'invalid configuration' | tail -1)
  if [ "$status" = 78 ] && [ "$(prop ActiveState)" = failed ] && [ "$(prop NRestarts)" = "$n" ] &&
    [[ $msg == *"\"$key\""* ]]; then
    pass "bad configuration ($name): exit 78, unit failed without a restart loop; journal: $msg"
  else
    fail "bad configuration ($name): ExecMainStatus=$status $(prop ActiveState) NRestarts $n -> $(prop NRestarts); journal: ${msg:-none}"
  fi
}
bad_config "unknown key" '{ "board": "sim", "colour": "blue" }' colour
bad_config "wrong type" '{ "board": "sim", "button": { "debounceMs": "30" } }' button.debounceMs
bad_config "unsafe thresholds" '{ "board": "sim", "button": { "shortMaxMs": 1000, "credentialMs": 2500 } }' button.credentialMs
echo "$GOOD_CONFIG" >/etc/recoveryd/recoveryd.json
systemctl reset-failed "$UNIT" 2>/dev/null
timeout 60 systemctl start "$UNIT" || fail "start with the good configuration again failed"

# --- recoveryctl through the installed link ----------------------------------------------------
if [ -L /usr/local/bin/recoveryctl ]; then
  if out=$(RECOVERYD_SOCKET=$SOCK /usr/local/bin/recoveryctl status --json 2>&1); then
    pass "recoveryctl (installed link) status --json: ${out:0:120}"
  else
    fail "recoveryctl status --json: $out"
  fi
else
  skip "recoveryctl: not built (dist/cli/recoveryctl.js missing)"
fi

# Keep the journal: --volatile=overlay throws the container's files away.
journalctl -b -u "$UNIT" -o json --no-pager >/results/journal-recoveryd.json 2>/dev/null
journalctl -b -u "$UNIT" -o short-precise --no-pager >/results/journal-recoveryd.txt 2>/dev/null

# --- uninstall ---------------------------------------------------------------------------------
touch /var/lib/private/recoveryd/.uninstall-marker
if /src/scripts/uninstall.sh >/results/uninstall.log 2>&1; then
  problems=()
  [ ! -e /etc/systemd/system/$UNIT ] || problems+=("unit left")
  [ ! -e /opt/recoveryd ] || problems+=("/opt/recoveryd left")
  [ ! -e /usr/local/bin/recoveryctl ] || problems+=("recoveryctl link left")
  systemctl is-active --quiet "$UNIT" && problems+=("still running")
  [ -f /var/lib/private/recoveryd/.uninstall-marker ] || problems+=("state not kept")
  [ -f /etc/recoveryd/recoveryd.json ] || problems+=("config not kept")
  if /src/scripts/uninstall.sh --purge >>/results/uninstall.log 2>&1; then
    [ ! -e /var/lib/private/recoveryd ] || problems+=("purge left state")
    [ ! -e /etc/recoveryd ] || problems+=("purge left config")
  else
    problems+=("--purge failed")
  fi
  if [ ${#problems[@]} = 0 ]; then
    pass "uninstall.sh: stopped, unit/daemon/link removed, state and config kept; --purge removed them"
  else
    fail "uninstall.sh: ${problems[*]}"
  fi
else
  fail "uninstall.sh failed: $(tail -3 /results/uninstall.log | tr '\n' ' ')"
fi

echo "checks done: rc=$rc"
exit "$rc"
