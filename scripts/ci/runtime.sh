#!/usr/bin/env bash
# Issue 14 in CI: a 3-minute soak of the real daemon with a memory bound, then the suite on the
# other Node lines (scripts/ci/node-lines.sh: whole suite on 24 and 26, subset on 22). Needs the
# build `npm test` just made.
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$(date +%s)
# One minute of warm-up, then two of traffic: RSS may grow at most 4 MiB (20 MiB per 10 min, a
# gross leak; the 60-minute soak in the README measures the slope itself), and every kind of
# traffic must keep succeeding.
node dist/test/rigs/soak/soak.js --minutes 3 --sample-seconds 15 --warmup-minutes 1 --max-growth 4
echo "runtime: soak done in $(($(date +%s) - start)) s"
bash scripts/ci/node-lines.sh
echo "runtime: issue 14 CI additions done in $(($(date +%s) - start)) s"
