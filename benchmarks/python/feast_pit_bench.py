"""The peer of Ingot's as-of join in the point-in-time join benchmark (docs/benchmarks.md): Feast's
`get_historical_features` on its Spark offline store (feast 0.49, PySpark 3.5), over the same feature table and the
same spine as PointInTimeJoinBench, written to the same format. PointInTimeJoinBench runs it in the environment of
`python/venv.sh feast`:

    feast_pit_bench.py serve --dir DIR --master local[2] --driver-memory 12288m --shuffle-partitions 8 --ttl-days 7
                             [--initial-partitions 16] [--spine spine|spine-exact]
        creates a Feast repository in DIR/feast-repo (feature_store.yaml: a local file registry, provider local, the
        spark offline store whose spark_conf carries the master, driver memory and partitions given here; the online
        store is never used), registers with FeatureStore.apply an entity customer_id (INT64), a SparkSource over the
        Parquet DIR/features (timestamp_field feature_time) and a FeatureView customer_stats (ttl --ttl-days) with the
        five features f_sum, f_count, f_avg, f_max (Float64, Int64, Float64, Float64) and f_segment (String); warms up
        on the first 1,000 rows of the spine and prints READY. Then for each line `run` on its standard input it times
        one `get_historical_features(entity_df=<the spine Parquet DIR/SPINE as a Spark DataFrame>,
        features=[customer_stats:f_sum, ...]).to_spark_df()` written as Parquet (overwrite) to DIR/out-feast, and
        prints `RESULT wall_s=... cpu_s=... rows=...` (CPU: this process and every process under it, the Spark JVM
        included), until `quit`.

The Spark session. Feast's Spark offline store uses the active SparkSession when there is one, else builds one from
feature_store.yaml's spark_conf (get_spark_session_or_start_new_with_repoconfig). This script starts the session
through that same Feast function before anything else, so the session is the one feature_store.yaml describes; it
then checks that the session runs with the settings asked for and prints them.

The spine goes to Feast as a Spark DataFrame (spark.read.parquet), which the Spark offline store registers as a
temporary view: no spine row goes through pandas. Its only datetime column, event_time, is the entity timestamp
(Feast infers it). The output's columns are the spine's, in order, then the five features.

Feast's rule (its Spark SQL template, MULTIPLE_FEATURE_VIEW_POINT_IN_TIME_JOIN in spark.py) against Ingot's:
- It keeps feature rows of the same customer_id with `feature_time <= event_time` and
  `feature_time >= event_time - ttl` (an inner join on the key and that range), ranks them per spine row by
  feature_time descending with ROW_NUMBER and keeps the first. Ingot's lower bound is exclusive
  (`feature_time > event_time - ttl`): a spine row whose latest feature row lies exactly at event_time - ttl gets it
  from Feast and nulls from Ingot. Both include a feature row at exactly event_time.
- A spine row is identified by CONCAT(CAST(customer_id AS STRING), CAST(event_time AS STRING)); the final LEFT JOIN
  from the whole spine keeps every spine row, with nulls when no feature row is in range, and duplicated spine rows
  stay duplicated, as in Ingot. Several feature rows of one customer at the same feature_time (none in this
  benchmark's data) all come back and duplicate the spine row; Ingot keeps one (the greatest values).
- A spine row with a null customer_id or event_time has a null id, matches nothing and gets nulls, as in Ingot.
- Rows come out in no particular order; the benchmark's checksum does not depend on order.
- Feast collects the spine's min and max event_time to Python datetimes (naive, in this process's local time zone) and
  writes them back into the SQL as literals read in the session's time zone, so this process runs with TZ=UTC and the
  session with spark.sql.session.timeZone=UTC, as Ingot's sessions do; otherwise rows near the ends could be lost.
"""
import argparse
import os
import sys
import time

from spark_udf_bench import tree_cpu_seconds

FEATURES = ["f_sum", "f_count", "f_avg", "f_max", "f_segment"]
WARMUP_ROWS = 1000


def feature_store_yaml(repo, spark_conf):
    lines = [
        "project: ingot_pit_bench",
        f"registry: {os.path.join(repo, 'data', 'registry.db')}",
        "provider: local",
        "entity_key_serialization_version: 3",
        "offline_store:",
        "    type: spark",
        "    spark_conf:",
    ]
    lines += [f'        {k}: "{v}"' for k, v in spark_conf.items()]
    lines += ["online_store:", "    type: sqlite", f"    path: {os.path.join(repo, 'data', 'online_store.db')}"]
    return "\n".join(lines) + "\n"


def serve(args):
    # See the module doc: Feast turns the spine's time range into SQL literals through naive local datetimes.
    os.environ["TZ"] = "UTC"
    time.tzset()
    from datetime import timedelta

    from feast import Entity, FeatureStore, FeatureView, Field, ValueType
    from feast.infra.offline_stores.contrib.spark_offline_store.spark import (
        get_spark_session_or_start_new_with_repoconfig,
    )
    from feast.infra.offline_stores.contrib.spark_offline_store.spark_source import SparkSource
    from feast.types import Float64, Int64, String

    data = os.path.abspath(args.dir)
    features_path = os.path.join(data, "features")
    spine_path = os.path.join(data, args.spine)
    for p in (features_path, spine_path):
        if not os.path.exists(os.path.join(p, "_SUCCESS")):
            print(f"feast_pit_bench.py: no Parquet data at {p}: PointInTimeJoinBench writes it before starting this",
                  file=sys.stderr)
            sys.exit(2)
    repo = os.path.join(data, "feast-repo")
    os.makedirs(os.path.join(repo, "data"), exist_ok=True)
    spark_conf = {
        "spark.master": args.master,
        "spark.app.name": "ingot-bench-feast",
        "spark.driver.memory": args.driver_memory,
        "spark.sql.shuffle.partitions": str(args.shuffle_partitions),
        "spark.sql.adaptive.coalescePartitions.initialPartitionNum": str(args.initial_partitions or args.shuffle_partitions),
        "spark.sql.session.timeZone": "UTC",
        "spark.local.dir": os.path.join(data, "spark-local-feast"),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
    }
    with open(os.path.join(repo, "feature_store.yaml"), "w") as f:
        f.write(feature_store_yaml(repo, spark_conf))
    # Spark's Python workers are never started here (no UDFs), but they would have to run this interpreter.
    os.environ["PYSPARK_PYTHON"] = sys.executable

    store = FeatureStore(repo_path=repo)
    spark = get_spark_session_or_start_new_with_repoconfig(store.config.offline_store)
    spark.sparkContext.setLogLevel("WARN")
    for k, v in spark_conf.items():
        got = spark.conf.get(k, None) if k != "spark.master" else spark.sparkContext.master
        if got != v:
            sys.exit(f"feast_pit_bench.py: the Spark session Feast uses has {k}={got}, not {v} as feature_store.yaml asks")
    print("feast_pit_bench.py: Spark session " + ", ".join(f"{k}={v}" for k, v in spark_conf.items()), flush=True)

    customer = Entity(name="customer", join_keys=["customer_id"], value_type=ValueType.INT64)
    source = SparkSource(name="customer_stats_source", path=features_path, file_format="parquet",
                         timestamp_field="feature_time")
    view = FeatureView(
        name="customer_stats",
        entities=[customer],
        ttl=timedelta(days=args.ttl_days),
        schema=[Field(name="f_sum", dtype=Float64), Field(name="f_count", dtype=Int64),
                Field(name="f_avg", dtype=Float64), Field(name="f_max", dtype=Float64),
                Field(name="f_segment", dtype=String)],
        source=source,
        online=False,
    )
    store.apply([customer, source, view])
    refs = [f"customer_stats:{f}" for f in FEATURES]

    def join_and_write(spine, out):
        job = store.get_historical_features(entity_df=spine, features=refs)
        job.to_spark_df().write.mode("overwrite").parquet(out)

    # Warm-up: the JVM's JIT and Spark's generated code, Feast's registry cache.
    join_and_write(spark.read.parquet(spine_path).limit(WARMUP_ROWS), os.path.join(data, "out-feast-warmup"))
    print("READY", flush=True)
    out = os.path.join(data, "out-feast")
    for line in sys.stdin:
        command = line.strip()
        if command == "quit":
            break
        if command != "run":
            print(f"feast_pit_bench.py: unknown command '{command}': run or quit", flush=True)
            continue
        cpu0 = tree_cpu_seconds(os.getpid())
        t0 = time.monotonic()
        join_and_write(spark.read.parquet(spine_path), out)
        wall = time.monotonic() - t0
        cpu = tree_cpu_seconds(os.getpid()) - cpu0
        rows = spark.read.parquet(out).count()
        print(f"RESULT wall_s={wall:.3f} cpu_s={cpu:.3f} rows={rows}", flush=True)
    spark.stop()


def positive(v):
    try:
        n = int(v)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{v}' is not a whole number")
    if n <= 0:
        raise argparse.ArgumentTypeError(f"{n} must be positive")
    return n


def main():
    # argparse exits 2 with a message on a bad argument.
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--dir", required=True, help="the benchmark's directory: features/ and the spine are read there")
    s.add_argument("--master", required=True)
    s.add_argument("--driver-memory", required=True)
    s.add_argument("--shuffle-partitions", required=True, type=positive)
    s.add_argument("--initial-partitions", type=positive, default=None,
                   help="spark.sql.adaptive.coalescePartitions.initialPartitionNum (default: --shuffle-partitions)")
    s.add_argument("--ttl-days", required=True, type=positive)
    s.add_argument("--spine", choices=["spine", "spine-exact"], default="spine")
    args = parser.parse_args()
    serve(args)


if __name__ == "__main__":
    main()
