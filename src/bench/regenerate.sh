#!/usr/bin/env bash
# Regenerates the published results files of src/bench one by one, each with `mvn -o -Pbench` (the same
# command `mvn -Pbench` runs for all of them at once), and times each one.
#
#   src/bench/regenerate.sh [FILE ...]      # default: every file, in the order below
#   BENCH_LOCK=/tmp/it.lock src/bench/regenerate.sh RESULTS.md SCAN.md
#
# FILE is one of RESULTS.md SOURCE.md SCAN.md WRITE-COST.md LATENCY-RECOVERY.md PROFILE.md RECONCILE.md (Benchmarks.FILES)
# or FLINK22.md (src/bench/baseline.sh: this build against release 0.2.0 on Flink 1.20). With BENCH_LOCK set,
# each file's run holds that lock (flock) while it runs and lets go between files, so a shared machine's
# other service-starting runs interleave instead of disturbing a measurement. Extra Maven arguments go in
# BENCH_MVN_ARGS (e.g. "-Dstreamsync.bench.repeats=5"). Timings are appended to target/bench-timings.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
declare -A PARTS=(
  [RESULTS.md]=conversion,pipeline [SOURCE.md]=source,rollover [SCAN.md]=scan [WRITE-COST.md]=writecost
  [LATENCY-RECOVERY.md]=latency,recovery [PROFILE.md]=profile [RECONCILE.md]=reconcile [FLINK22.md]=baseline
)
files=("$@")
[ ${#files[@]} -eq 0 ] && files=(RESULTS.md SOURCE.md SCAN.md WRITE-COST.md LATENCY-RECOVERY.md PROFILE.md RECONCILE.md FLINK22.md)
lock=()
[ -n "${BENCH_LOCK:-}" ] && lock=(flock "$BENCH_LOCK")
mkdir -p target
"${lock[@]}" mvn -o -B -q test-compile   # under the lock too: a compile disturbs a running benchmark
total=0
for f in "${files[@]}"; do
  parts=${PARTS[$f]:?"unknown results file $f"}
  asked=$(date +%s)
  if [ "$parts" = baseline ]; then
    cmd=(src/bench/baseline.sh)
  else
    # shellcheck disable=SC2206
    cmd=(mvn -o -B -Pbench -Dstreamsync.bench.only="$parts" ${BENCH_MVN_ARGS:-})
  fi
  "${lock[@]}" bash -c 'date +%s > target/bench-started; exec "$@"' _ "${cmd[@]}" > "target/bench-${f%.md}.log" 2>&1 \
    || { echo "$f failed: see target/bench-${f%.md}.log" >&2; exit 1; }
  started=$(cat target/bench-started)
  took=$(( $(date +%s) - started ))
  total=$(( total + took ))
  echo "$(date -u +%FT%TZ) $f: ran ${took} s (after $(( started - asked )) s waiting for the lock)" | tee -a target/bench-timings.txt
done
echo "$(date -u +%FT%TZ) all: ${total} s of running for ${files[*]}" | tee -a target/bench-timings.txt
