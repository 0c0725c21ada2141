#!/usr/bin/env bash
# Runs Ingot's benchmarks (docs/benchmarks.md), each in a JVM of its own.
#
#   benchmarks/run.sh pit-join    [--spine-rows N] [--feature-rows N] [--entities N] [--ttl-days N]
#                                 [--methods asof,window,baseline,floor,feast] [--spine random|exact] [--repeat N] [--dir DIR]
#   benchmarks/run.sh incremental [--events N] [--entities N] [--without-distinct true] [--master M] [--warehouse DIR]
#   benchmarks/run.sh materialize-sql [--events N] [--entities N] [--days N] [--repeat N] [--master M] [--warehouse DIR]
#   benchmarks/run.sh validation  [--rows N] [--repeat N] [--python PATH] [--master M] [--warehouse DIR]
#   benchmarks/run.sh train       [--small] [--rows N] [--days N] [--repeat N] [--master M] [--warehouse DIR]
#   benchmarks/run.sh score       [--small] [--rows N] [--train-rows N] [--repeat N] [--master M] [--warehouse DIR]
#   benchmarks/run.sh concurrency [--rounds N] [--writers N] [--master M] [--warehouse DIR]
#   benchmarks/run.sh startup     [--repeat N]
#   benchmarks/run.sh reliability [--small] [--trials N] [--seed S] [--rounds N] [--writers N]
#   benchmarks/run.sh all         [--small]
#   benchmarks/run.sh peers       [--small]
#
# 'reliability' runs docs/reliability.md's long runs one after the other, as trials, not timings: the concurrent
# writers' trials (concurrency, 20 rounds of 8 writers), then the crash harness (CrashIT, 20 kills of each of the five
# jobs), the task-retry injection (TaskRetryIT) and the five processes on a PostgreSQL metastore
# (SqlServerWithJdbcMetastoreIT, opt-in parts included), by Maven's failsafe; exit 1 when any of them fails. With
# --small: 2 rounds of 4 writers and the suite's quick crash subset (two kills per job), a check that it all runs.
#
# Without arguments a benchmark runs at the size docs/benchmarks.md reports. 'all' runs the six (then startup) one after the
# other at that size, or with --small at sizes that take a minute or two each: a check that they still run, whose
# figures mean nothing ('train --small' and 'score --small' alone do the same for one). 'peers' runs the three
# comparisons with the tools users would pick instead, as docs/benchmarks.md reports them: pit-join against the
# equi-join floor, join-then-rank and Feast (both sizes), materialize-sql, and validation against Deequ's own runner
# and Great Expectations; it builds the Feast and Great Expectations environments when missing (with --small: small
# sizes, a check that they run).
#
# Environment:
#   MAVEN_ARGS  extra Maven flags, e.g. -o (offline)
#   HEAP        the JVM's -Xmx (default: pit-join 12g, incremental 6g, validation 3g, the heaps of the figures)
#   SKIP_BUILD  1: run the last build as it is
#   MLFLOW      0: train against the local tracking store only (default: also against a real MLflow server, started
#               here from python/venv.sh mlflow on 127.0.0.1, its access log counting the requests)
#   SPARK_UDF   0: score without its MLflow spark_udf peer (default: run it in the environment of python/venv.sh bench,
#               built here when missing; never by .ci/run)
#   GX          0: validation without its Great Expectations peer (default: run it in the environment of python/venv.sh
#               gx, built here when missing, its interpreter passed as --python; never by .ci/run). Its Deequ
#               VerificationSuite peer always runs
#
# pit-join --methods ...,feast runs Feast's get_historical_features on its Spark offline store as a peer, in the
# environment of python/venv.sh feast (built here when missing; never by .ci/run), whose interpreter is passed as --python.
#
# Works on a fresh clone: one reactor build of the benchmarks module and the modules it needs (the 'bench' profile of
# the root pom), run with the class path that build wrote to benchmarks/target/classpath.txt. That class path names
# the modules' jars in their own target/ folders, so nothing has to be installed in the local Maven repository.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[ $# -ge 1 ] || usage
what=$1
shift
case "$what" in
  pit-join|incremental|materialize-sql|validation|train|score|concurrency|startup|reliability) ;;
  all|peers)
    [ $# -eq 0 ] || [ "$*" = "--small" ] || { echo "run.sh: '$what' takes no arguments but --small" >&2; exit 2; } ;;
  *) usage ;;
esac

if [ "${SKIP_BUILD:-}" != 1 ]; then
  # shellcheck disable=SC2086
  mvn -B -q ${MAVEN_ARGS:-} -Pbench -pl benchmarks -am -DskipTests package >&2
fi
[ "$what" = startup ] || [ -f benchmarks/target/classpath.txt ] || { echo "run.sh: no build in benchmarks/target; run without SKIP_BUILD" >&2; exit 1; }

# Spark on Java 17 needs the same --add-opens flags as every other Ingot JVM: take them from the root pom.
opens=$(sed -n 's:.*<spark.add.opens>\(.*\)</spark.add.opens>.*:\1:p' pom.xml)
[ -n "$opens" ] || { echo "run.sh: spark.add.opens not found in pom.xml" >&2; exit 1; }
# jobs/target/classes, not its jar: the shade plugin makes that jar the application jar, with relocated copies.
cp="benchmarks/target/classes:jobs/target/classes:$(cat benchmarks/target/classpath.txt 2>/dev/null || true)"

# One benchmark: its main class, heap and collector are those its figures in docs/benchmarks.md were measured with.
run() {
  local bench=$1 main heap gc=""
  shift
  case "$bench" in
    pit-join)    main=PointInTimeJoinBench;        heap=12g ;;
    incremental) main=IncrementalMaterializeBench; heap=6g; gc=-XX:+UseParallelGC ;;
    materialize-sql) main=MaterializeVsSqlBench;   heap=6g; gc=-XX:+UseParallelGC ;;
    validation)  main=ValidationBench;             heap=3g; gc=-XX:+UseParallelGC ;;
    train)       main=TrainBench;                  heap=6g; gc=-XX:+UseParallelGC ;;
    score)       main=ScoreBench;                  heap=3g; gc=-XX:+UseParallelGC ;;
    concurrency) main=ConcurrencyBench;            heap=3g ;;
  esac
  heap=${HEAP:-$heap}
  echo "== $bench $* | $(date -u '+%Y-%m-%d %H:%M UTC') | commit $(git describe --always --dirty 2>/dev/null || echo '?')" \
       "| $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GB, load average $(cut -d' ' -f1-3 /proc/loadavg)" \
       "| $(java -version 2>&1 | head -1), -Xmx$heap"
  # shellcheck disable=SC2086
  java -Xmx"$heap" $gc $opens -cp "$cp" "dev.ingot.benchmarks.$main" "$@"
}

# A real MLflow server for 'train', as the training module's tests start it (MlflowServerExtension): SQLite store,
# proxied artifacts, 127.0.0.1 and a free port, one worker, its access log in server.log. Stopped on exit.
mlflow_pid=""
mlflow_dir=""
stop_mlflow() {
  if [ -n "$mlflow_pid" ]; then
    kill -- "-$mlflow_pid" 2>/dev/null || true
    sleep 2
    kill -9 -- "-$mlflow_pid" 2>/dev/null || true
    mlflow_pid=""
  fi
  [ -z "$mlflow_dir" ] || rm -rf "$mlflow_dir"
}
start_mlflow() {
  local venv port i
  venv=$(bash python/venv.sh mlflow | tail -1)
  mlflow_dir=$(mktemp -d -t ingot-bench-mlflow-XXXXXX)
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  trap stop_mlflow EXIT
  # setsid: the server and its workers form a process group of their own, stopped as one.
  (cd "$mlflow_dir" && PYTHONUNBUFFERED=1 MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false exec setsid "$venv/bin/mlflow" server \
      --backend-store-uri "sqlite:///$mlflow_dir/mlflow.db" --serve-artifacts --artifacts-destination "$mlflow_dir/artifacts" \
      --host 127.0.0.1 --port "$port" --workers 1 --allowed-hosts "127.0.0.1:$port,localhost:$port" \
      >"$mlflow_dir/server.log" 2>&1) &
  mlflow_pid=$!
  for i in $(seq 1 300); do
    if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then
      mlflow_args=(--mlflow-uri "http://127.0.0.1:$port" --mlflow-log "$mlflow_dir/server.log")
      return
    fi
    kill -0 "$mlflow_pid" 2>/dev/null || break
    sleep 1
  done
  echo "run.sh: the MLflow server did not start; its log ends with:" >&2
  tail -20 "$mlflow_dir/server.log" >&2
  exit 1
}
mlflow_args=()
small_train=(--rows 50000 --days 60 --repeat 1)
if [ "$what" = train ] || [ "$what" = all ]; then
  [ "${MLFLOW:-1}" = 0 ] || start_mlflow
fi

# The score benchmark's peer, MLflow's spark_udf on PySpark: the interpreter of its environment (built when missing).
spark_udf_args=()
small_score=(--rows 200000 --train-rows 10000 --repeat 2)
if { [ "$what" = score ] || [ "$what" = all ]; } && [ "${SPARK_UDF:-1}" != 0 ]; then
  spark_udf_args=(--python "$(bash python/venv.sh bench | tail -1)/bin/python")
fi

# The validation benchmark's Great Expectations peer: the interpreter of its environment (built when missing).
gx_args=()
if { [ "$what" = validation ] || [ "$what" = all ] || [ "$what" = peers ]; } && [ "${GX:-1}" != 0 ]; then
  gx_args=(--python "$(bash python/venv.sh gx | tail -1)/bin/python")
fi

# The point-in-time join's Feast peer: the interpreter of its environment (built when missing), when --methods names feast.
feast_args=()
if [ "$what" = peers ]; then
  feast_args=(--python "$(bash python/venv.sh feast | tail -1)/bin/python")
elif [ "$what" = pit-join ]; then
  prev=""
  for a in "$@"; do
    if [ "$prev" = --methods ] && [[ ",$a," == *,feast,* ]]; then
      feast_args=(--python "$(bash python/venv.sh feast | tail -1)/bin/python")
    fi
    prev=$a
  done
fi

# bin/ingot's start-up with its class-data archive and without (INGOT_CDS=off), alternating, on one short command;
# no Java main of its own: it times bin/ingot as users run it (wall time, and the CPU time of the JVM and its children).
startup() {
  local repeat=5 wh i mode
  while [ $# -gt 0 ]; do
    case "$1" in
      --repeat) repeat=$2; shift 2 ;;
      --small) repeat=2; shift ;;
      *) echo "run.sh: startup takes --repeat N" >&2; exit 2 ;;
    esac
  done
  [ -f jobs/target/ingot-dist/cds/ingot.jsa ] \
    || { echo "run.sh: no jobs/target/ingot-dist/cds/ingot.jsa: build without -Dingot.cds.skip" >&2; exit 1; }
  wh=$(mktemp -d -t ingot-bench-startup-XXXXXX)
  echo "== startup --repeat $repeat | $(date -u '+%Y-%m-%d %H:%M UTC') | commit $(git describe --always --dirty 2>/dev/null || echo '?')" \
       "| $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GB, load average $(cut -d' ' -f1-3 /proc/loadavg)" \
       "| $(java -version 2>&1 | head -1), bin/ingot's defaults"
  local q=(--master 'local[2]' sql --project examples/retail --warehouse "$wh/warehouse" "SELECT count(*) FROM range(1000)")
  # The first run creates the warehouse's metastore: not timed.
  INGOT_NO_BUILD=1 bin/ingot "${q[@]}" >/dev/null 2>"$wh/err" || { cat "$wh/err" >&2; exit 1; }
  for i in $(seq 1 "$repeat"); do
    for mode in on off; do
      TIMEFORMAT="$mode %R %U %S"
      { time INGOT_CDS=$mode INGOT_NO_BUILD=1 bin/ingot "${q[@]}" >"$wh/out" 2>"$wh/err"; } 2>>"$wh/times" \
        || { cat "$wh/err" >&2; exit 1; }
      grep -q 1000 "$wh/out" || { echo "run.sh: unexpected answer: $(cat "$wh/out")" >&2; exit 1; }
    done
  done
  python3 - "$wh/times" <<'PY'
import statistics, sys
runs = {"on": [], "off": []}
for line in open(sys.argv[1]):
    mode, real, user, system = line.split()
    runs[mode].append((float(real), float(user) + float(system)))
for mode, label in (("on", "with the archive"), ("off", "without (INGOT_CDS=off)")):
    wall = [r[0] for r in runs[mode]]; cpu = [r[1] for r in runs[mode]]
    print(f"{label:24} wall median {statistics.median(wall):5.1f} s ({min(wall):.1f} to {max(wall):.1f}), "
          f"CPU median {statistics.median(cpu):5.1f} s ({min(cpu):.1f} to {max(cpu):.1f})")
pairs = list(zip(runs["on"], runs["off"]))
wall = [off[0] / on[0] for on, off in pairs]; cpu = [off[1] / on[1] for on, off in pairs]
print(f"start-up, without / with: wall {statistics.median(wall):.2f}x ({min(wall):.2f}x to {max(wall):.2f}x over "
      f"{len(pairs)} pairs), CPU {statistics.median(cpu):.2f}x ({min(cpu):.2f}x to {max(cpu):.2f}x)")
PY
  rm -rf "$wh"
}
if [ "$what" = startup ]; then
  startup "$@"
  exit
fi

# docs/reliability.md's long runs, one after the other: trials whose pass or fail is the result, not timings.
reliability() {
  local small=0 trials=20 rounds=20 writers=8 seed="" log failed=() its
  while [ $# -gt 0 ]; do
    case "$1" in
      --small) small=1; trials=ci; rounds=2; writers=4; shift ;;
      --trials) trials=$2; shift 2 ;;
      --seed) seed=$2; shift 2 ;;
      --rounds) rounds=$2; shift 2 ;;
      --writers) writers=$2; shift 2 ;;
      *) echo "run.sh: reliability takes --small, --trials N, --seed S, --rounds N, --writers N" >&2; exit 2 ;;
    esac
  done
  [[ "$trials" =~ ^([1-9][0-9]*|ci)$ ]] || { echo "run.sh: --trials must be a positive number or ci, not '$trials'" >&2; exit 2; }
  [ -z "$seed" ] || [[ "$seed" =~ ^-?[0-9]+$ ]] || { echo "run.sh: --seed must be a number, not '$seed'" >&2; exit 2; }
  log=$(mktemp -d -t ingot-reliability-XXXXXX)
  echo "== reliability (small: $small) | $(date -u '+%Y-%m-%d %H:%M UTC') | commit $(git describe --always --dirty 2>/dev/null || echo '?')" \
       "| $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GB, load average $(cut -d' ' -f1-3 /proc/loadavg) | logs in $log"
  local started
  started=$(date +%s)
  SECONDS=0
  run concurrency --rounds "$rounds" --writers "$writers" || failed+=(concurrency)
  echo "-- concurrency: $SECONDS s"
  # Maven's failsafe, one run per step so that the crash trials' timings are not shared with another test's load:
  # with N trials per job, their kill moments are drawn over the clean runs' durations. Each line of progress is the
  # tests' own.
  its=(
    "CrashIT|-Dingot.crash.trials=$trials${seed:+ -Dingot.crash.seed=$seed}"
    "TaskRetryIT,SqlServerWithJdbcMetastoreIT|-Dingot.taskretry=true -Dingot.multiprocess=true"
  )
  local it classes props
  for it in "${its[@]}"; do
    classes=${it%%|*}
    props=${it#*|}
    SECONDS=0
    echo "-- $classes: mvn verify (the whole log: $log/${classes%%,*}.log)"
    # shellcheck disable=SC2086
    if mvn -B -Dstyle.color=never ${MAVEN_ARGS:-} -pl jobs -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
        -Dfailsafe.failIfNoSpecifiedTests=false -Dit.test="$classes" $props 2>&1 | tee "$log/${classes%%,*}.log" \
        | { grep --line-buffered -E '^(CrashIT: |\[INFO\] Running |\[(INFO|WARNING|ERROR)\] Tests run: )' || true; }; then
      echo "-- $classes: passed, $SECONDS s"
    else
      echo "-- $classes: FAILED, $SECONDS s (see $log/${classes%%,*}.log)"
      failed+=("$classes")
    fi
  done
  [ ${#failed[@]} -eq 0 ] || { echo "run.sh: reliability: failed: ${failed[*]} ($(( $(date +%s) - started )) s)" >&2; exit 1; }
  echo "run.sh: reliability: every run passed ($(( $(date +%s) - started )) s)"
}
if [ "$what" = reliability ]; then
  reliability "$@"
  exit
fi

if [ "$what" != all ] && [ "$what" != peers ]; then
  # train and score: their server or peer, and --small (first) for their small sizes.
  extra=()
  small=()
  case "$what" in
    train) extra=("${mlflow_args[@]}"); small=("${small_train[@]}") ;;
    score) extra=("${spark_udf_args[@]}"); small=("${small_score[@]}") ;;
    validation) extra=("${gx_args[@]}") ;;
    pit-join) extra=("${feast_args[@]}") ;;
  esac
  if [ "${1:-}" = --small ] && [ ${#small[@]} -gt 0 ]; then
    shift
    set -- "${small[@]}" "$@"
  fi
  run "$what" "${extra[@]}" "$@"
  exit
fi
if [ "$what" = peers ]; then
  # Feast's driver gets the same heap as the benchmark's JVM: 8 GB each fit in the 24 GB these figures were taken on.
  pit=(--spine exact --methods asof,floor,baseline,feast --repeat 3)
  failed=()
  if [ "${1:-}" = --small ]; then
    HEAP=${HEAP:-3g} run pit-join "${feast_args[@]}" "${pit[@]}" --spine-rows 20000 --feature-rows 200000 --entities 1000 \
      || failed+=(pit-join)
    run materialize-sql --events 200000 --entities 2000 --days 40 --repeat 1 || failed+=(materialize-sql)
    run validation "${gx_args[@]}" --rows 100000 --repeat 1 || failed+=(validation)
  else
    HEAP=${HEAP:-8g} run pit-join "${feast_args[@]}" "${pit[@]}" || failed+=(pit-join)
    HEAP=${HEAP:-8g} run pit-join "${feast_args[@]}" "${pit[@]}" --spine-rows 100000 --feature-rows 1000000 \
      --entities 10000 || failed+=(pit-join-small)
    run materialize-sql || failed+=(materialize-sql)
    run validation "${gx_args[@]}" || failed+=(validation)
  fi
  [ ${#failed[@]} -eq 0 ] || { echo "run.sh: failed: ${failed[*]}" >&2; exit 1; }
  exit
fi
failed=()
for bench in pit-join incremental materialize-sql validation train score; do
  args=()
  if [ "${1:-}" = --small ]; then
    case "$bench" in
      pit-join)    args=(--spine-rows 20000 --feature-rows 200000 --entities 1000) ;;
      incremental) args=(--events 200000 --entities 2000) ;;
      materialize-sql) args=(--events 200000 --entities 2000 --days 40 --repeat 1) ;;
      validation)  args=(--rows 100000 --repeat 1) ;;
      train)       args=("${small_train[@]}") ;;
      score)       args=("${small_score[@]}") ;;
    esac
  fi
  [ "$bench" != train ] || args+=("${mlflow_args[@]}")
  [ "$bench" != score ] || args+=("${spark_udf_args[@]}")
  [ "$bench" != validation ] || args+=("${gx_args[@]}")
  run "$bench" "${args[@]}" || failed+=("$bench")
done
startup "$@" || failed+=(startup)
[ ${#failed[@]} -eq 0 ] || { echo "run.sh: failed: ${failed[*]}" >&2; exit 1; }
