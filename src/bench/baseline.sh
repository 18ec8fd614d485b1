#!/usr/bin/env bash
# FLINK22.md: this build next to release 0.2.0 (commit a93bee3, the last on Flink 1.20.5), the pipeline and
# source benchmarks on both.
#
#   src/bench/baseline.sh                       # BENCH_BASE_COMMIT=a93bee3 BENCH_ROUNDS=1
#   BENCH_ROUNDS=2 src/bench/baseline.sh        # alternate baseline / this build twice
#
# The baseline is this repository's own history: `git archive` of the commit into target/baseline/<commit>,
# built with its own pom by Maven (resolving from the repositories this build resolves from: Flink 1.20.5 and
# the rest of 0.2.0's dependencies; nothing else is fetched), with BaselineRun.java and ResultsHeader.java
# copied in so that both sides measure and describe themselves with the same code. Each side then runs in a
# JVM of its own, baseline first, BENCH_ROUNDS times; BaselineRun report writes src/bench/FLINK22.md.
# Extra JVM options for both sides: BENCH_JAVA_OPTS (e.g. -Dstreamsync.bench.repeats=5).
set -euo pipefail
cd "$(dirname "$0")/../.."
base=${BENCH_BASE_COMMIT:-a93bee3}
rounds=${BENCH_ROUNDS:-1}
sha=$(git rev-parse "$base^{commit}")
dir=target/baseline/$base
mkdir -p target/baseline
if [ ! -f "$dir/target/cp.txt" ]; then
  rm -rf "$dir" && mkdir -p "$dir"
  git archive "$sha" | tar -x -C "$dir"
  cp src/test/java/io/streamsync/bench/BaselineRun.java src/test/java/io/streamsync/bench/ResultsHeader.java \
    "$dir/src/test/java/io/streamsync/bench/"
  # online only if its dependencies are not in the local repository yet
  (cd "$dir" && mvn -B -q test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/cp.txt)
fi
mvn -o -B -q test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/cp.txt
here=$(pwd)
opts=(-Xmx4g -Dlog4j.configurationFile="$here/src/test/resources/log4j2-test.properties"
      -Djava.util.logging.config.file="$here/src/test/resources/logging.properties" ${BENCH_JAVA_OPTS:-})
basefiles=(); newfiles=()
for r in $(seq 1 "$rounds"); do
  (cd "$dir" && java "${opts[@]}" -Dstreamsync.bench.commit="$sha" \
     -cp "target/test-classes:target/classes:$(cat target/cp.txt)" io.streamsync.bench.BaselineRun run "$here/target/baseline/base-$r.txt")
  basefiles+=("target/baseline/base-$r.txt")
  java "${opts[@]}" -cp "target/test-classes:target/classes:$(cat target/cp.txt)" \
     io.streamsync.bench.BaselineRun run "target/baseline/new-$r.txt"
  newfiles+=("target/baseline/new-$r.txt")
done
java -Dstreamsync.bench.base.commit="$sha" -cp "target/test-classes:target/classes:$(cat target/cp.txt)" \
  io.streamsync.bench.BaselineRun report src/bench/FLINK22.md "${basefiles[@]}" -- "${newfiles[@]}"
