#!/usr/bin/env bash
# Incremental materialization benchmark (docs/benchmarks.md, "Incremental materialization"): one more day after 30
# against recomputing all 31, in one run on local[2].
#
#   benchmarks/run-incremental.sh [--events 10000000] [--entities 50000] [--warehouse DIR] [--master local[2]]
#                                 [--without-distinct true]   (diagnostic: the view without its approx distinct count)
#
# Environment: HEAP (default 6g), MVN_OPTS (default -o, offline).
set -euo pipefail
cd "$(dirname "$0")/.."

HEAP=${HEAP:-6g}
MVN_OPTS=${MVN_OPTS:--o}
mvn -B -q $MVN_OPTS test-compile -pl core,features
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
mvn -B -q $MVN_OPTS dependency:build-classpath -pl features -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file"

# Spark on Java 17 (shared/STACK.md).
opens=""
for p in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util java.util.concurrent \
         java.util.concurrent.atomic jdk.internal.ref sun.nio.ch sun.nio.cs sun.security.action sun.util.calendar; do
  opens="$opens --add-opens=java.base/$p=ALL-UNNAMED"
done

# This tree's classes first: the local repository's ingot-core may come from another build.
cp="features/target/test-classes:features/target/classes:core/target/classes:core/target/test-classes:$(cat "$cp_file")"
exec java -Xmx"$HEAP" -XX:+UseParallelGC $opens -cp "$cp" dev.ingot.features.bench.IncrementalMaterializeBench "$@"
