#!/usr/bin/env bash
# Point-in-time join benchmark: AsOfJoin against join-then-rank, on local[2]. See docs/benchmarks.md.
#
#   benchmarks/run-pit-join.sh                      # full size: 1M spine rows x 10M feature rows, 10k entities
#   benchmarks/run-pit-join.sh --spine-rows 100000 --feature-rows 1000000 --entities 10000
#   MVN_FLAGS=-o BENCH_XMX=8g benchmarks/run-pit-join.sh --methods asof
#
# Arguments go to dev.ingot.benchmarks.PointInTimeJoinBench (--spine-rows --feature-rows --entities --ttl-days
# --methods asof,baseline --dir). The benchmarks module is only in the root pom's 'bench' profile.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck disable=SC2086
mvn -B -q ${MVN_FLAGS:-} -Pbench -pl benchmarks -am -DskipTests package >&2

# Spark on Java 17 needs the same --add-opens flags as every other Ingot JVM: take them from the root pom.
opens=$(sed -n 's:.*<spark.add.opens>\(.*\)</spark.add.opens>.*:\1:p' pom.xml)
[ -n "$opens" ] || { echo "run-pit-join: spark.add.opens not found in pom.xml" >&2; exit 1; }
cp="benchmarks/target/ingot-benchmarks-0.1.0-SNAPSHOT.jar:$(cat benchmarks/target/classpath.txt)"

echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GB; $(java -version 2>&1 | head -1)" >&2
# shellcheck disable=SC2086
exec java -Xmx"${BENCH_XMX:-12g}" $opens -cp "$cp" dev.ingot.benchmarks.PointInTimeJoinBench "$@"
