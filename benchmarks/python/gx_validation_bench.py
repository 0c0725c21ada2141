"""The Great Expectations peer of the validation benchmark (docs/benchmarks.md): GX Core 1.x validating, with its Spark
execution engine, the expectations equivalent to one Ingot suite, on the same Delta table. ValidationBench runs it in
the environment of `python/venv.sh gx`:

    gx_validation_bench.py serve --table DELTA_DIR --suite PROJECT/checks/bench_scan.yaml --master local[2]
                                 --driver-memory 3072m --jars delta-spark.jar,delta-storage.jar --work DIR
                                 [--conf spark.sql.shuffle.partitions=4 ...]
        starts PySpark with Delta (the JVM's own jars) and the given Spark settings, builds an ephemeral GX context with
        a Spark data source, a dataframe asset, a whole-dataframe batch definition, the expectation suite and a
        validation definition, warms up on the table's first 1,000 rows and prints READY. Then, one command per line
        on its standard input, until `quit`:
          `scan`         times a plain scan of every column of the table (a `noop` write, as ValidationBench's floor);
          `run FORMAT`   times one validation of the whole table with GX's result format FORMAT (BOOLEAN_ONLY or
                         SUMMARY, GX's default), then prints one line per Ingot check,
                         `CHECK i success=true|false observed=X unexpected=N elements=N error=...` (nan where GX gives
                         no such value; an UnexpectedRowsExpectation's count of rows is its `unexpected`);
        and after each, `RESULT wall_s=... cpu_s=... jobs=N checks=N` (CPU: this process and every process under it,
        the Spark JVM included; jobs: the Spark jobs the command started).

The suite is read from the same YAML file Ingot loads; each Ingot check becomes the GX expectation that asks the same
question (MAPPING below). Each expectation carries its check's index in `meta`, because GX returns the results in an
order of its own. GX's Spark data source persists the batch's DataFrame by default (`persist=True`: its metrics are
many Spark jobs over the same rows); this peer keeps that default and unpersists the DataFrame at the end of each run
(timed: a run leaves nothing behind), so that every run reads the Delta table as Ingot's does.

Where GX's expectations differ from Ingot's checks:
- `mostly` is a share of the column's non-null values; Ingot's `min` of a pattern or predicate is a share of all rows
  (nulls pass). The same on this table's columns, which have no nulls where a `mostly` below 1 is used.
- GX's standard deviation is the sample one (stddev_samp); Deequ's and Ingot's are the population one.
- GX's quantiles on Spark are exact (`approxQuantile` with relative error 0): its `allow_relative_error` takes a bool
  or a string, and the Spark metric accepts only a float, so the only relative error that runs is 0. Ingot and Deequ
  use a relative error of 0.01.
- A SQL predicate has no general GX equivalent but `UnexpectedRowsExpectation` (a query for the failing rows, which
  succeeds only when it returns none: no `mostly`); PREDICATES lists predicates that a column expectation states.
"""
import argparse
import math
import os
import sys
import time

from spark_udf_bench import tree_cpu_seconds

WARMUP_ROWS = 1000


def predicates(gxe):
    """Ingot predicates that a GX column expectation states exactly (nulls pass in both), given `mostly` and `meta`."""
    return {
        "e >= 0 OR e IS NULL": lambda mostly, meta: gxe.ExpectColumnValuesToBeBetween(
            column="e", min_value=0, mostly=mostly, meta=meta),
        "f < 2000 OR f IS NULL": lambda mostly, meta: gxe.ExpectColumnValuesToBeBetween(
            column="f", max_value=2000, strict_max=True, mostly=mostly, meta=meta),
    }


def expectation(gxe, i, check):
    """The GX expectation asking what Ingot's check `i` asks; exits 2 for a kind without one."""
    kind = check.get("kind")
    col = check.get("column")
    lo, hi = check.get("min"), check.get("max")
    share = float(lo) if lo is not None else 1.0  # a fraction's bound; Ingot's default is every row
    meta = {"ingot_check": i}
    if kind == "completeness":
        return gxe.ExpectColumnValuesToNotBeNull(column=col, mostly=share, meta=meta)
    if kind == "min":
        return gxe.ExpectColumnMinToBeBetween(column=col, min_value=lo, meta=meta)
    if kind == "max":
        return gxe.ExpectColumnMaxToBeBetween(column=col, max_value=hi, meta=meta)
    if kind == "range":
        return gxe.ExpectColumnValuesToBeBetween(column=col, min_value=lo, max_value=hi, meta=meta)
    if kind == "contained_in":
        return gxe.ExpectColumnValuesToBeInSet(column=col, value_set=list(check["values"]), meta=meta)
    if kind == "pattern":
        return gxe.ExpectColumnValuesToMatchRegex(column=col, regex=check["regex"], mostly=share, meta=meta)
    if kind == "mean":
        return gxe.ExpectColumnMeanToBeBetween(column=col, min_value=lo, max_value=hi, meta=meta)
    if kind == "stddev":
        return gxe.ExpectColumnStdevToBeBetween(column=col, min_value=lo, max_value=hi, meta=meta)
    if kind == "size":
        return gxe.ExpectTableRowCountToBeBetween(min_value=lo, max_value=hi, meta=meta)
    if kind == "quantile":
        return gxe.ExpectColumnQuantileValuesToBeBetween(
            column=col, quantile_ranges={"quantiles": [float(check["quantile"])], "value_ranges": [[lo, hi]]}, meta=meta)
    if kind == "predicate":
        expr = check["expr"]
        known = predicates(gxe).get(expr)
        if known is not None:
            return known(share, meta)
        if share < 1.0:
            fail(f"checks[{i}]: predicate '{expr}' with min {share}: UnexpectedRowsExpectation has no 'mostly' and no "
                 "column expectation for it is listed in PREDICATES")
        # As Ingot decides it: a row whose predicate is NULL fails.
        return gxe.UnexpectedRowsExpectation(
            unexpected_rows_query=f"SELECT * FROM {{batch}} WHERE NOT coalesce(({expr}), false)", meta=meta)
    fail(f"checks[{i}]: no GX expectation is mapped for kind '{kind}' (mapped: completeness, min, max, range, "
         "contained_in, pattern, mean, stddev, size, quantile, predicate)")


def fail(message):
    print("gx_validation_bench.py: " + message, file=sys.stderr, flush=True)
    sys.exit(2)


def number(v):
    """A metric value as a plain float; nan when absent or not a number. A quantile expectation's observed value is
    {"quantiles": [...], "values": [...]}: its one value."""
    if isinstance(v, dict):
        v = v.get("values")
    if isinstance(v, list) and len(v) == 1:
        v = v[0]
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def raised(info):
    """The first exception message in a result's exception_info (flat, or one entry per metric); empty when none."""
    if not isinstance(info, dict):
        return ""
    if "raised_exception" in info:
        return str(info.get("exception_message") or "exception") if info.get("raised_exception") else ""
    for v in info.values():
        m = raised(v)
        if m:
            return m
    return ""


def check_lines(results, n):
    """One CHECK line per Ingot check, from GX's results (in GX's order) matched by their `meta`."""
    by_check = {}
    for r in results:
        i = (r.expectation_config.meta or {}).get("ingot_check")
        if i is None or i in by_check:
            raise RuntimeError(f"a GX result without a check of its own: {r.expectation_config}")
        by_check[i] = r
    if sorted(by_check) != list(range(n)):
        raise RuntimeError(f"GX returned results for checks {sorted(by_check)}, expected 0 to {n - 1}")
    lines = []
    for i in range(n):
        r = by_check[i]
        res = dict(r.result or {})
        error = " ".join(raised(r.exception_info).split())[:300]
        observed, unexpected = number(res.get("observed_value")), number(res.get("unexpected_count"))
        if r.expectation_config.type == "unexpected_rows_expectation":
            observed, unexpected = math.nan, observed  # its observed value is its count of unexpected rows
        lines.append(f"CHECK {i} success={'true' if r.success else 'false'} observed={observed!r}"
                     f" unexpected={unexpected!r} elements={number(res.get('element_count'))!r} error={error}")
    return lines


def serve(args):
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    # Spark's Python workers are never started here (no Python UDFs), but they would have to run this interpreter.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession
    from ruamel.yaml import YAML

    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import ProgressBarsConfig

    for path, what in ((args.table, "Delta table"), (args.suite, "suite")):
        if not os.path.exists(path):
            fail(f"no {what} at {path}: ValidationBench writes it before starting this")
    with open(args.suite) as f:
        suite_yaml = YAML(typ="safe").load(f)
    checks = suite_yaml.get("checks") or []
    if not checks:
        fail(f"{args.suite} has no checks")

    builder = (SparkSession.builder.master(args.master).appName("ingot-bench-gx")
               .config("spark.driver.memory", args.driver_memory)
               .config("spark.jars", args.jars)
               .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
               .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
               .config("spark.sql.warehouse.dir", os.path.join(args.work, "spark-warehouse"))
               .config("spark.local.dir", os.path.join(args.work, "spark-local"))
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false"))
    for kv in args.conf:
        k, sep, v = kv.partition("=")
        if not sep:
            fail(f"--conf {kv}: expected KEY=VALUE")
        builder = builder.config(k, v)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    settings = [f"master={spark.sparkContext.master}", f"spark.driver.memory={spark.conf.get('spark.driver.memory')}"]
    settings += [f"{k}={spark.conf.get(k)}" for k in (kv.partition("=")[0] for kv in args.conf)]
    print("gx_validation_bench.py: Spark session " + ", ".join(settings) + f"; great_expectations {gx.__version__}",
          flush=True)

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # a progress bar per validation otherwise
    source = context.data_sources.add_spark(name="bench")
    asset = source.add_dataframe_asset(name="bench_rows")
    batch = asset.add_batch_definition_whole_dataframe("whole table")
    suite = context.suites.add(gx.ExpectationSuite(name="bench"))
    for i, c in enumerate(checks):
        suite.add_expectation(expectation(gxe, i, c))
    validation = context.validation_definitions.add(gx.ValidationDefinition(name="bench", data=batch, suite=suite))
    print(f"gx_validation_bench.py: {len(checks)} expectations: "
          + ", ".join(e.expectation_type for e in suite.expectations), flush=True)

    sc = spark.sparkContext
    runs = [0]

    def timed(what, action):
        runs[0] += 1
        group = f"gx-bench-{runs[0]}"
        sc.setJobGroup(group, what)
        cpu0 = tree_cpu_seconds(os.getpid())
        t0 = time.monotonic()
        out = action()
        wall = time.monotonic() - t0
        cpu = tree_cpu_seconds(os.getpid()) - cpu0
        jobs = len(sc.statusTracker().getJobIdsForGroup(group))
        return out, wall, cpu, jobs

    def validate(df, result_format):
        try:
            return validation.run(batch_parameters={"dataframe": df}, result_format=result_format)
        finally:
            # The data source persisted the batch: drop it, so that the next run reads the table again.
            df.unpersist(blocking=True)
            spark.catalog.clearCache()

    # Warm-up: Spark's JIT and generated code, GX's metric registry and expectation classes.
    validate(spark.read.format("delta").load(args.table).limit(WARMUP_ROWS), "SUMMARY")
    print("READY", flush=True)
    for line in sys.stdin:
        command = line.split()
        if command == ["quit"]:
            break
        if command == ["scan"]:
            df = spark.read.format("delta").load(args.table)
            _, wall, cpu, jobs = timed("plain scan", lambda: df.write.format("noop").mode("overwrite").save())
            print(f"RESULT wall_s={wall:.3f} cpu_s={cpu:.3f} jobs={jobs} checks=0", flush=True)
        elif len(command) == 2 and command[0] == "run" and command[1] in ("BOOLEAN_ONLY", "SUMMARY"):
            df = spark.read.format("delta").load(args.table)
            # The unpersist inside validate() is timed too: it is part of a run that leaves nothing behind.
            result, wall, cpu, jobs = timed("GX validation", lambda: validate(df, command[1]))
            for out in check_lines(result.results, len(checks)):
                print(out, flush=True)
            print(f"RESULT wall_s={wall:.3f} cpu_s={cpu:.3f} jobs={jobs} checks={len(checks)}", flush=True)
        else:
            print(f"gx_validation_bench.py: unknown command '{line.strip()}': scan, run BOOLEAN_ONLY, run SUMMARY or "
                  "quit", flush=True)
    spark.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    for a in ("--table", "--suite", "--master", "--driver-memory", "--jars", "--work"):
        s.add_argument(a, required=True)
    s.add_argument("--conf", action="append", default=[], help="KEY=VALUE, a Spark setting (repeatable)")
    args = parser.parse_args()
    serve(args)


if __name__ == "__main__":
    main()
