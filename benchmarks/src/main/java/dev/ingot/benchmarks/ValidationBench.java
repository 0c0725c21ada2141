package dev.ingot.benchmarks;

import com.amazon.deequ.VerificationResult;
import com.amazon.deequ.VerificationSuite;
import com.amazon.deequ.analyzers.AnalyzerOptions;
import com.amazon.deequ.checks.Check;
import com.amazon.deequ.checks.CheckLevel;
import com.amazon.deequ.constraints.Constraint;
import com.amazon.deequ.constraints.ConstraintResult;
import com.amazon.deequ.constraints.ConstraintStatus;
import com.amazon.deequ.metrics.Metric;
import dev.ingot.core.Catalog;
import dev.ingot.core.IngotSessions;
import dev.ingot.core.Location;
import dev.ingot.core.TableName;
import dev.ingot.core.config.CheckDef;
import dev.ingot.core.config.CheckSuiteDef;
import dev.ingot.core.config.Project;
import dev.ingot.core.config.ProjectLoader;
import dev.ingot.validation.CheckResult;
import dev.ingot.validation.CheckStatus;
import dev.ingot.validation.Gate;
import dev.ingot.validation.GateOutcome;
import dev.ingot.validation.ValidationResult;
import dev.ingot.validation.Validator;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoublePredicate;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import scala.Option;
import scala.collection.JavaConverters;

/**
 * Benchmark: a suite of 28 data-quality checks over a Delta table, against one plain scan of the same columns, and
 * the headline suite of 26 checks against its peers (Deequ's own runner, Great Expectations), in the same run.
 *
 * <p>The table has {@code --rows} rows of 9 columns (an id, six doubles, a status string, a code string). The suites
 * are written as a user writes them ({@code checks/<name>.yaml}) and loaded by {@link ProjectLoader}. Each variant
 * runs {@code --repeat} times after a warm-up and keeps its best wall time, its best task CPU time (Spark task CPU
 * summed by a listener) and its best process CPU time (this JVM's); the gate runs once. Everything is printed as a
 * ratio to the plain scan of the same run, with the Spark jobs a run started.
 *
 * <p>The peers validate the 26 checks of {@code bench_scan} (the 24 of one shared aggregation and the two approximate
 * quantiles), each asking the same question with the same threshold:
 * <ul>
 *   <li><b>deequ</b>: Deequ's own {@link VerificationSuite} (the Deequ on the class path, 2.1.0-spark-3.5) with one
 *       {@link Check} holding one constraint per Ingot check, built from the loaded suite ({@link Deequ#check}), each
 *       with the check's bound as its assertion and Deequ's default analyzer options (as Ingot's analyzers have them):
 *       completeness {@code hasCompleteness} (at least {@code min}, else 1), min and max {@code hasMin}/{@code hasMax},
 *       range {@code isContainedIn(column, lower, upper)} (bounds included), contained-in
 *       {@code isContainedIn(column, values)}, pattern {@code hasPattern}, predicate {@code satisfies} (a row whose
 *       predicate is NULL fails, as in Ingot), mean {@code hasMean}, standard deviation {@code hasStandardDeviation},
 *       size {@code hasSize}, quantile {@code hasApproxQuantile} (relative error 0.01, Ingot's too). All 26 run as
 *       Ingot defines them, none is left out: Ingot's checks are Deequ's analyzers with Ingot's own bounds, and
 *       Deequ's runner computes the same metrics its own way (one aggregation that Spark interprets rather than
 *       compiles, see docs/benchmarks.md). One difference that this table does not reach: Ingot passes a null in a
 *       pattern check, Deequ's {@code PatternMatch} decides nulls by its analyzer options; {@code code} has no
 *       nulls. Timed in this JVM like Ingot's variants.</li>
 *   <li><b>great_expectations</b>: {@code benchmarks/python/gx_validation_bench.py} (its doc lists the expectation
 *       that stands for each kind of check and where their meanings differ) in a PySpark 3.5 process of its own,
 *       GX Core's Spark execution engine, with {@code --python} the interpreter of {@code python/venv.sh gx}; the same
 *       master, shuffle and Delta settings, driver heap and collector as this JVM; it reads the same Delta table and
 *       the same {@code checks/bench_scan.yaml}. Timed in two result formats: {@code BOOLEAN_ONLY} (a success per
 *       expectation: GX's least work) and {@code SUMMARY} (GX's default: with observed values, counts and up to 20
 *       unexpected values per expectation); and its own plain scan of the table. It has no Spark task CPU here: its
 *       CPU is that of the Python process and every process under it (its Spark JVM), set beside this JVM's process
 *       CPU for Ingot's variants.</li>
 * </ul>
 * Each peer's outcome is compared with Ingot's, check by check: the same pass or fail, and where both report the
 * check's metric, the same value (within 1e-9 relative; GX's sample standard deviation against the population one
 * within 1/(rows - 1); for approximate quantiles, each system's value must be a q-quantile of the column within the
 * relative error 0.01 of Ingot's and Deequ's sketches, i.e. its rank in the column within q +- 0.01, checked by a
 * count over the table). A line says how many agreed; any disagreement is printed and the run exits 1.
 *
 * <p>Run it with {@code benchmarks/run.sh validation [arguments]}. Arguments: {@code --rows N} (2,000,000),
 * {@code --repeat N} (3), {@code --python PATH} (none: no great_expectations variant), {@code --master M}
 * ({@code local[2]}), {@code --warehouse DIR} (a new temporary directory, deleted afterwards; a given one is kept).
 * A bad argument exits 2.
 */
public final class ValidationBench {
    private static final String[] COLUMNS = {"id", "a", "b", "c", "d", "e", "f", "status", "code"};

    /** Checks that share Deequ's one aggregation. */
    private static final List<String> SHARED = List.of(
            "{kind: completeness, column: a, min: 0.9}",
            "{kind: completeness, column: b, min: 0.9}",
            "{kind: completeness, column: c, min: 0.9}",
            "{kind: completeness, column: d, min: 0.9}",
            "{kind: completeness, column: e, min: 0.9}",
            "{kind: completeness, column: f, min: 0.9}",
            "{kind: completeness, column: status}",
            "{kind: min, column: a, min: 0}",
            "{kind: max, column: b, max: 1000}",
            "{kind: range, column: c, min: 0, max: 1000}",
            "{kind: range, column: d, min: -10, max: 1000}",
            "{kind: contained_in, column: status, values: [new, paid, shipped, lost]}",
            "{kind: pattern, column: code, regex: '^c-[0-9]+$'}",
            "{kind: predicate, expr: 'a <= b + 1000'}",
            "{kind: predicate, expr: 'e >= 0 OR e IS NULL'}",
            "{kind: predicate, expr: 'f < 2000 OR f IS NULL', min: 0.99}",
            "{kind: mean, column: a, min: 0, max: 1000}",
            "{kind: mean, column: b, min: 0, max: 1000}",
            "{kind: mean, column: c, min: 0, max: 1000}",
            "{kind: stddev, column: d, min: 0, max: 1000}",
            "{kind: stddev, column: e, min: 0, max: 1000}",
            "{kind: size, min: 1}");
    /** Approximate quantiles: in the same scan since {@code SharedScan}. */
    private static final List<String> QUANTILES = List.of(
            "{kind: quantile, column: f, quantile: 0.5, min: 0, max: 1000}",
            "{kind: quantile, column: a, quantile: 0.9, min: 0, max: 1000}");
    private static final List<String> ID_BOUNDS = List.of(
            "{kind: max, column: id, max: 1000000000000}",
            "{kind: min, column: id, min: 0}");
    /** Checks that need a grouping job each. */
    private static final List<String> GROUPING = List.of(
            "{kind: uniqueness, columns: [id]}",
            "{kind: distinct_count, column: status, min: 1, max: 10}");

    /**
     * The settings of the test JVM (TestSpark) in which the figures of docs/benchmarks.md were measured, pinned here so
     * that tuning the tests does not move the benchmark; GX's PySpark session gets them too.
     */
    private static final Map<String, String> SESSION_CONF = orderedMap(
            "spark.sql.shuffle.partitions", "4",
            "spark.default.parallelism", "4",
            "spark.sql.adaptive.coalescePartitions.initialPartitionNum", "4",
            "spark.databricks.delta.snapshotPartitions", "2",
            "spark.sql.sources.parallelPartitionDiscovery.parallelism", "2");

    /** Relative error of Ingot's and Deequ's approximate quantiles: the rank tolerance of the agreement. */
    private static final double QUANTILE_ERROR = 0.01;

    /** CPU time of Spark tasks (executor run and deserialization), summed by a listener. */
    private static final AtomicLong TASK_CPU = new AtomicLong();
    /** Spark jobs started, counted by the same listener. */
    private static final AtomicLong JOBS = new AtomicLong();

    private ValidationBench() {}

    /**
     * Best wall time, best task CPU time and best process CPU time of n runs, in ms (task CPU -1: not measured); the
     * Spark jobs of the last run.
     */
    private record Timing(long wall, long cpu, long processCpu, long jobs) {}

    /**
     * A peer's outcome for one Ingot check.
     *
     * @param index the check's index in the suite
     * @param success whether the peer passed it
     * @param value the peer's value of the check's metric, in Ingot's terms, when it reports one
     * @param note what the peer said (its message or error), for a disagreement
     */
    private record PeerCheck(int index, boolean success, OptionalDouble value, String note) {}

    public static void main(String[] args) throws IOException {
        Map<String, String> opts;
        long rows;
        int n;
        String python;
        try {
            opts = Bench.args("validation", args, "rows", "2000000", "repeat", "3", "python", "");
            rows = positive(opts, "rows");
            n = (int) Math.min(Integer.MAX_VALUE, positive(opts, "repeat"));
            python = opts.get("python");
            if (!python.isEmpty() && !Files.isExecutable(Path.of(python))) {
                throw new IllegalArgumentException("validation: --python " + python + " is not an executable file (the "
                        + "interpreter of python/venv.sh gx; benchmarks/run.sh validation passes it)");
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        boolean agreed;
        try (Bench.Warehouse wh = Bench.Warehouse.of(opts, "validation")) {
            Map<String, CheckSuiteDef> suites = suites(wh.dir());
            IngotSessions.Builder session = wh.session(opts, "validation");
            SESSION_CONF.forEach(session::conf);
            SparkSession spark = session.build();
            try {
                Catalog.ensureDatabases(spark, Location.of(wh.dir()));
                agreed = run(spark, wh.dir(), suites, rows, n, python);
            } finally {
                spark.stop();
            }
        }
        if (!agreed) {
            System.exit(1);
        }
    }

    private static long positive(Map<String, String> opts, String name) {
        String v = opts.get(name);
        try {
            long x = Long.parseLong(v);
            if (x > 0) {
                return x;
            }
        } catch (NumberFormatException e) {
            // the message below
        }
        throw new IllegalArgumentException("validation: --" + name + " " + v + ": expected a whole number from 1");
    }

    /** Runs every variant; false when a peer's outcome disagrees with Ingot's. */
    private static boolean run(SparkSession spark, Path warehouse, Map<String, CheckSuiteDef> suites, long rows, int n,
                               String python) throws IOException {
        spark.sql("DROP TABLE IF EXISTS features.bench_rows");
        spark.sql("SELECT id, CAST(id % 1000 AS DOUBLE) AS a, CAST((id * 7) % 1000 AS DOUBLE) AS b,"
                + " CAST((id * 13) % 1000 AS DOUBLE) AS c, IF(id % 997 = 0, -1.0, CAST((id * 17) % 1000 AS DOUBLE)) AS d,"
                + " IF(id % 101 = 0, NULL, CAST((id * 19) % 1000 AS DOUBLE)) AS e, CAST((id * 23) % 1000 AS DOUBLE) AS f,"
                + " element_at(array('new', 'paid', 'shipped', 'lost', 'odd'), CAST(id % 5 + 1 AS INT)) AS status,"
                + " IF(id % 499 = 0, 'x', concat('c-', id)) AS code FROM range(" + rows + ")")
                .write().format("delta").saveAsTable("features.bench_rows");
        Dataset<Row> data = spark.table("features.bench_rows");
        CheckSuiteDef scanOnly = suites.get("bench_scan");
        Validator v = Validator.of(spark);
        Check deequ = Deequ.check(scanOnly);
        Runnable plain = () -> data.select(COLUMNS[0], Arrays.copyOfRange(COLUMNS, 1, COLUMNS.length))
                .write().format("noop").mode("overwrite").save();

        GreatExpectations gx = null;
        if (!python.isEmpty()) {
            long t0 = System.nanoTime();
            String table = spark.sql("DESCRIBE DETAIL features.bench_rows").first().getAs("location").toString();
            gx = GreatExpectations.start(python, spark, Path.of(URI.create(table)),
                    warehouse.resolve("project").resolve(scanOnly.file()), warehouse.resolve("_gx"));
            System.out.printf(Locale.ROOT, "BENCHMARK PySpark with Great Expectations started and warmed up in %.1f s (%s)%n",
                    (System.nanoTime() - t0) / 1e9, gx.settings);
        }
        try {
            return measure(spark, data, suites, rows, n, v, deequ, plain, gx);
        } finally {
            if (gx != null) {
                gx.close();
            }
        }
    }

    private static boolean measure(SparkSession spark, Dataset<Row> data, Map<String, CheckSuiteDef> suites, long rows,
                                   int n, Validator v, Check deequ, Runnable plain, GreatExpectations gx)
            throws IOException {
        CheckSuiteDef strict = suites.get("bench");
        CheckSuiteDef scanOnly = suites.get("bench_scan");
        CheckSuiteDef oneAggregation = suites.get("bench_agg");
        CheckSuiteDef quarantine = suites.get("bench_q");
        // Warm up: code generation, file listing, Delta snapshot; Deequ's runner; GX on the whole table once.
        plain.run();
        v.validate(data, scanOnly);
        Deequ.verify(data, deequ);
        List<List<GreatExpectations.Outcome>> gxOutcomes = new ArrayList<>();
        if (gx != null) {
            gxOutcomes.add(gx.run("SUMMARY").checks());
        }
        spark.sparkContext().addSparkListener(new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (end.taskMetrics() != null) {
                    TASK_CPU.addAndGet(end.taskMetrics().executorCpuTime() + end.taskMetrics().executorDeserializeCpuTime());
                }
            }

            @Override
            public void onJobStart(SparkListenerJobStart start) {
                JOBS.incrementAndGet();
            }
        });
        double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        Timing scan = best(spark, n, plain);
        Timing aggregationOnly = best(spark, n, () -> v.validate(data, oneAggregation));
        AtomicReference<ValidationResult> ingot = new AtomicReference<>();
        Timing metricsNoGrouping = best(spark, n, () -> ingot.set(v.validate(data, scanOnly)));
        Timing metrics = best(spark, n, () -> v.validate(data, strict));
        Timing quarantined = best(spark, n, () -> {
            ValidationResult r = v.validate(data, quarantine);
            if (r.quarantinedRows() == 0) {
                throw new AssertionError("the benchmark data has bad rows");
            }
        });
        // Quarantine as the gate does it: the split written out (published rows and quarantined rows).
        Timing gate = best(spark, 1, () -> {
            try (GateOutcome g = Gate.of(spark).check(data, List.of(quarantine), new TableName("features", "bench_target"))) {
                g.published().write().format("noop").mode("overwrite").save();
            }
        });
        // The peers after Ingot's own variants, which keep the order their figures in docs/benchmarks.md were taken in.
        AtomicReference<VerificationResult> deequResult = new AtomicReference<>();
        Timing deequRunner = best(spark, n, () -> deequResult.set(Deequ.verify(data, deequ)));
        Timing gxScan = null;
        Timing gxBoolean = null;
        Timing gxSummary = null;
        if (gx != null) {
            System.gc(); // lets this JVM give back heap it no longer uses while the PySpark process works
            gxScan = gx.best(n, "scan", gxOutcomes);
            gxBoolean = gx.best(n, "run BOOLEAN_ONLY", gxOutcomes);
            gxSummary = gx.best(n, "run SUMMARY", gxOutcomes);
        }
        System.out.printf(Locale.ROOT, "%nBENCHMARK load average %.2f before, %.2f after%n", loadBefore,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.printf(Locale.ROOT, "BENCHMARK %d rows, %d checks (%d without uniqueness/distinct count), best of %d "
                + "(the gate: one run); process CPU: this JVM's (great_expectations: its Python process tree)%n", rows,
                strict.checks().size(), scanOnly.checks().size(), n);
        print("plain scan of the same columns", scan, scan);
        print("metrics only, " + oneAggregation.checks().size() + " checks, no quantiles", aggregationOnly, scan);
        print("metrics only, " + scanOnly.checks().size() + " scan-shared checks (with quantiles)", metricsNoGrouping, scan);
        print("metrics only, all " + strict.checks().size() + " checks", metrics, scan);
        print("quarantine policy (metrics + split)", quarantined, scan);
        print("gate with quarantine, history, publish", gate, scan);
        print("peer: deequ VerificationSuite, the same " + scanOnly.checks().size(), deequRunner, scan);
        if (gx != null) {
            print("peer: great_expectations, plain scan in PySpark", gxScan, scan);
            print("peer: great_expectations " + scanOnly.checks().size() + ", BOOLEAN_ONLY", gxBoolean, scan);
            print("peer: great_expectations " + scanOnly.checks().size() + ", SUMMARY (default)", gxSummary, scan);
        }
        System.out.printf(Locale.ROOT, "BENCHMARK ingot %d checks / deequ: wall %.2fx, task CPU %.2fx, process CPU %.2fx (below 1: Ingot"
                + " takes less)%n",
                scanOnly.checks().size(), metricsNoGrouping.wall() / (double) deequRunner.wall(),
                metricsNoGrouping.cpu() / (double) deequRunner.cpu(),
                metricsNoGrouping.processCpu() / (double) deequRunner.processCpu());
        if (gx != null) {
            for (Map.Entry<String, Timing> e : ValidationBench.<Timing>orderedMap("BOOLEAN_ONLY", gxBoolean, "SUMMARY",
                    gxSummary).entrySet()) {
                System.out.printf(Locale.ROOT, "BENCHMARK ingot %d checks / great_expectations %s: wall %.2fx, process CPU"
                                + " %.2fx (JVM against Python process tree)%n", scanOnly.checks().size(), e.getKey(),
                        metricsNoGrouping.wall() / (double) e.getValue().wall(),
                        metricsNoGrouping.processCpu() / (double) e.getValue().processCpu());
            }
        }

        // Agreement: the last timed Ingot run against the last Deequ run, and against every GX run.
        List<CheckResult> ours = ingot.get().checks();
        long passed = ours.stream().filter(c -> c.status() == CheckStatus.PASSED).count();
        System.out.printf(Locale.ROOT, "BENCHMARK Ingot's %d checks: %d passed, %d failed or in error%n", ours.size(), passed,
                ours.size() - passed);
        long checkedRows = ingot.get().rows();
        Agreement agreement = new Agreement(data, scanOnly, ours, checkedRows);
        agreement.compare("deequ", List.of(Deequ.outcome(deequResult.get(), deequ)), false);
        if (gx != null) {
            agreement.compare("great_expectations", gxOutcomes.stream()
                    .map(run -> run.stream().map(o -> o.peerCheck(checkedRows)).toList()).toList(), true);
        }
        return agreement.ok();
    }

    /**
     * The four suites, written to {@code <warehouse>/project/checks/} and loaded as a project: {@code bench} (all 28
     * checks, strict), {@code bench_scan} (the 26 that share one scan), {@code bench_agg} (those 24 without the
     * quantiles), {@code bench_q} (all 28, quarantine policy).
     */
    private static Map<String, CheckSuiteDef> suites(Path warehouse) throws IOException {
        Path project = warehouse.resolve("project");
        Files.createDirectories(project.resolve("checks"));
        Files.writeString(project.resolve("ingot.yaml"), "name: bench\nwarehouse: " + warehouse + "\n");
        List<String> all = concat(SHARED, QUANTILES, ID_BOUNDS, GROUPING);
        writeSuite(project, "bench", "strict", all);
        writeSuite(project, "bench_scan", "strict", concat(SHARED, QUANTILES, ID_BOUNDS));
        writeSuite(project, "bench_agg", "strict", concat(SHARED, ID_BOUNDS));
        writeSuite(project, "bench_q", "quarantine", all);
        Project p = ProjectLoader.load(project);
        return p.suites();
    }

    @SafeVarargs
    private static List<String> concat(List<String>... parts) {
        List<String> out = new ArrayList<>();
        Arrays.stream(parts).forEach(out::addAll);
        return out;
    }

    @SuppressWarnings("unchecked")
    private static <V> Map<String, V> orderedMap(Object... kv) {
        Map<String, V> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (V) kv[i + 1]);
        }
        return m;
    }

    private static void writeSuite(Path project, String name, String policy, List<String> checks) throws IOException {
        StringBuilder yaml = new StringBuilder("policy: " + policy + "\nchecks:\n");
        checks.forEach(c -> yaml.append("  - ").append(c).append('\n'));
        Files.writeString(project.resolve("checks/" + name + ".yaml"), yaml);
    }

    private static void drain(SparkSession spark) {
        try {
            spark.sparkContext().listenerBus().waitUntilEmpty();
        } catch (TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Timing best(SparkSession spark, int n, Runnable r) {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long wall = Long.MAX_VALUE;
        long cpu = Long.MAX_VALUE;
        long processCpu = Long.MAX_VALUE;
        long jobs = 0;
        for (int i = 0; i < n; i++) {
            drain(spark);
            TASK_CPU.set(0);
            JOBS.set(0);
            long p = os.getProcessCpuTime();
            long t = System.nanoTime();
            r.run();
            wall = Math.min(wall, (System.nanoTime() - t) / 1_000_000);
            drain(spark);
            processCpu = Math.min(processCpu, (os.getProcessCpuTime() - p) / 1_000_000);
            cpu = Math.min(cpu, TASK_CPU.get() / 1_000_000);
            jobs = JOBS.get();
        }
        return new Timing(wall, cpu, processCpu, jobs);
    }

    private static void print(String what, Timing t, Timing scan) {
        String task = t.cpu() < 0 ? String.format(Locale.ROOT, "task CPU %6s     %5s ", "-", "-")
                : String.format(Locale.ROOT, "task CPU %6d ms  %5.2fx", t.cpu(), t.cpu() / (double) scan.cpu());
        System.out.printf(Locale.ROOT, "BENCHMARK %-48s %6d ms  %5.2fx   %s   process CPU %6d ms  %5.2fx   %3d jobs%n",
                what, t.wall(), t.wall() / (double) scan.wall(), task, t.processCpu(),
                t.processCpu() / (double) scan.processCpu(), t.jobs());
    }

    /** Deequ's own runner on the same checks: the {@link Check} built from an Ingot suite, its run and its outcome. */
    static final class Deequ {
        private Deequ() {}

        /** One Deequ constraint per check of {@code suite}, in order, each with the check's own bound. */
        static Check check(CheckSuiteDef suite) {
            Check check = new Check(CheckLevel.Error(), suite.name(),
                    JavaConverters.asScalaBuffer(new ArrayList<Constraint>()).toSeq());
            for (int i = 0; i < suite.checks().size(); i++) {
                check = constraint(check, suite.checks().get(i), i);
            }
            return check;
        }

        private static Check constraint(Check check, CheckDef def, int index) {
            Option<String> none = Option.empty();
            Option<AnalyzerOptions> options = Option.empty(); // Deequ's defaults, as Ingot's analyzers have them
            return switch (def.kind()) {
                case COMPLETENESS -> {
                    CheckDef.Completeness c = (CheckDef.Completeness) def;
                    yield check.hasCompleteness(c.column(), holds(atLeast(c.min().orElse(1.0))), none, options);
                }
                case MIN -> {
                    CheckDef.Min c = (CheckDef.Min) def;
                    yield check.hasMin(c.column(), holds(atLeast(c.min())), none, options);
                }
                case MAX -> {
                    CheckDef.Max c = (CheckDef.Max) def;
                    yield check.hasMax(c.column(), holds(x -> x <= c.max()), none, options);
                }
                case RANGE -> {
                    CheckDef.Range c = (CheckDef.Range) def;
                    yield check.isContainedIn(c.column(), c.min(), c.max(), true, true, none, options);
                }
                case CONTAINED_IN -> {
                    CheckDef.ContainedIn c = (CheckDef.ContainedIn) def;
                    yield check.isContainedIn(c.column(), c.values().toArray(String[]::new));
                }
                case PATTERN -> {
                    CheckDef.Pattern c = (CheckDef.Pattern) def;
                    yield check.hasPattern(c.column(), new scala.util.matching.Regex(c.regex(),
                            JavaConverters.asScalaBuffer(new ArrayList<String>()).toSeq()), holds(atLeast(c.min().orElse(1.0))),
                            none, none, options);
                }
                case PREDICATE -> {
                    CheckDef.Predicate c = (CheckDef.Predicate) def;
                    yield check.satisfies(c.expr(), "predicate " + c.expr(), holds(atLeast(c.min().orElse(1.0))), none,
                            JavaConverters.asScalaBuffer(new ArrayList<String>()).toList(), options);
                }
                case MEAN -> {
                    CheckDef.Mean c = (CheckDef.Mean) def;
                    yield check.hasMean(c.column(), holds(between(c.min(), c.max())), none);
                }
                case STDDEV -> {
                    CheckDef.StdDev c = (CheckDef.StdDev) def;
                    yield check.hasStandardDeviation(c.column(), holds(between(c.min(), c.max())), none);
                }
                case SIZE -> {
                    CheckDef.Size c = (CheckDef.Size) def;
                    yield check.hasSize(holds(between(c.min(), c.max())), none);
                }
                case QUANTILE -> {
                    CheckDef.Quantile c = (CheckDef.Quantile) def;
                    yield check.hasApproxQuantile(c.column(), c.quantile(), holds(between(c.min(), c.max())), none);
                }
                case UNIQUENESS, DISTINCT_COUNT, ANOMALY, DRIFT -> throw new IllegalArgumentException("checks[" + index
                        + "]: no Deequ constraint is mapped here for a " + def.kind() + " check");
            };
        }

        /**
         * A Scala {@code Double => Boolean} (or {@code Long => Boolean}, for the size) for Deequ's assertions: Scala
         * calls it with a boxed value, which is tested as a double.
         */
        private static scala.Function1<Object, Object> holds(DoublePredicate test) {
            return value -> test.test(((Number) value).doubleValue());
        }

        private static DoublePredicate atLeast(double min) {
            return x -> x >= min;
        }

        /** Within whichever bounds are given, both included, as Ingot's bounds are. */
        private static DoublePredicate between(java.util.Optional<Double> min, java.util.Optional<Double> max) {
            return x -> min.map(m -> x >= m).orElse(true) && max.map(m -> x <= m).orElse(true);
        }

        static VerificationResult verify(Dataset<Row> data, Check check) {
            return new VerificationSuite().onData(data).addCheck(check).run();
        }

        /** One outcome per constraint, in the check's order (the suite's). */
        static List<PeerCheck> outcome(VerificationResult result, Check check) {
            com.amazon.deequ.checks.CheckResult r = JavaConverters.mapAsJavaMap(result.checkResults()).get(check);
            if (r == null) {
                throw new IllegalStateException("Deequ's result has no outcome for the check it ran");
            }
            List<PeerCheck> out = new ArrayList<>();
            List<ConstraintResult> constraints = JavaConverters.seqAsJavaList(r.constraintResults());
            for (int i = 0; i < constraints.size(); i++) {
                ConstraintResult c = constraints.get(i);
                OptionalDouble value = OptionalDouble.empty();
                if (c.metric().isDefined()) {
                    Metric<?> m = c.metric().get();
                    if (m.value().isSuccess() && m.value().get() instanceof Number x) {
                        value = OptionalDouble.of(x.doubleValue());
                    }
                }
                String note = c.status() + (c.message().isDefined() ? ": " + c.message().get() : "") + " ("
                        + c.constraint() + ")";
                out.add(new PeerCheck(i, c.status() == ConstraintStatus.Success(), value, note));
            }
            return out;
        }
    }

    /**
     * The comparison of peers' outcomes with Ingot's, check by check; every disagreement is printed as found.
     */
    static final class Agreement {
        private final Dataset<Row> data;
        private final CheckSuiteDef suite;
        private final List<CheckResult> ingot;
        private final long rows;
        private boolean ok = true;

        /** Compares with {@code ingot}, Ingot's results of {@code suite} over {@code data} ({@code rows} rows). */
        Agreement(Dataset<Row> data, CheckSuiteDef suite, List<CheckResult> ingot, long rows) {
            this.data = data;
            this.suite = suite;
            this.ingot = ingot;
            this.rows = rows;
        }

        boolean ok() {
            return ok;
        }

        /**
         * Compares each outcome of {@code peer} (one list per run) with Ingot's results.
         *
         * @param sample whether the peer's standard deviation is the sample one (GX) rather than the population one
         */
        void compare(String peer, List<List<PeerCheck>> runs, boolean sample) {
            int statuses = 0;
            int values = 0;
            int disagreements = 0;
            List<double[]> quantileValues = new ArrayList<>(); // {check index, value, 0 = Ingot / 1 = peer}
            for (List<PeerCheck> run : runs) {
                if (run.size() != ingot.size()) {
                    disagree(peer, "reported " + run.size() + " checks, Ingot " + ingot.size());
                    disagreements++;
                    continue;
                }
                for (PeerCheck p : run) {
                    CheckResult c = ingot.get(p.index());
                    boolean passed = c.status() == CheckStatus.PASSED;
                    statuses++;
                    if (passed != p.success()) {
                        disagree(peer, "checks[" + p.index() + "] " + c.message() + ": Ingot " + c.status() + ", "
                                + peer + (p.success() ? " passed" : " failed") + ": " + p.note());
                        disagreements++;
                    }
                    if (c.value().isEmpty() || p.value().isEmpty()) {
                        continue;
                    }
                    double ours = c.value().getAsDouble();
                    double theirs = p.value().getAsDouble();
                    values++;
                    if (c.kind() == CheckSuiteDef.Kind.QUANTILE) {
                        // Both approximations, or GX's exact value, are checked against the column itself.
                        quantileValues.add(new double[] {p.index(), ours, 0});
                        quantileValues.add(new double[] {p.index(), theirs, 1});
                        continue;
                    }
                    double tolerance = 1e-9 * Math.max(1, Math.max(Math.abs(ours), Math.abs(theirs)));
                    if (sample && c.kind() == CheckSuiteDef.Kind.STDDEV) {
                        // sqrt(m / (m - 1)) for m non-null values: under 1 / (rows - 1) from m >= rows / 2.
                        tolerance += Math.abs(ours) / Math.max(1, rows - 1);
                    }
                    if (!(Math.abs(ours - theirs) <= tolerance)) {
                        disagree(peer, String.format(Locale.ROOT, "checks[%d] %s: Ingot's value %s, %s's %s (tolerance %.3g)",
                                p.index(), c.message(), ours, peer, theirs, tolerance));
                        disagreements++;
                    }
                }
            }
            disagreements += quantiles(peer, quantileValues);
            System.out.printf(Locale.ROOT, "BENCHMARK agreement %s with Ingot: %s (%d statuses and %d metric values compared"
                            + " over %d run%s)%n", peer, disagreements == 0 ? "every status and value agrees"
                            : disagreements + " DISAGREEMENTS (above)", statuses, values, runs.size(),
                    runs.size() == 1 ? "" : "s");
        }

        /**
         * Whether each approximate quantile (Ingot's and the peer's) is a q-quantile of its column within
         * {@link #QUANTILE_ERROR}: some rank of the value among the column's non-null values, as a fraction, within q
         * +- that error (and 1/m for the rank's own step). One aggregation over the table, untimed.
         */
        private int quantiles(String peer, List<double[]> values) {
            if (values.isEmpty()) {
                return 0;
            }
            List<Column> counts = new ArrayList<>();
            for (double[] v : values) {
                CheckDef.Quantile q = quantile((int) v[0]);
                Column x = functions.col(q.column());
                counts.add(functions.count_if(x.lt(v[1])));
                counts.add(functions.count_if(x.leq(v[1])));
                counts.add(functions.count(x));
            }
            Row r = data.agg(counts.get(0), counts.subList(1, counts.size()).toArray(Column[]::new)).head();
            int bad = 0;
            for (int i = 0; i < values.size(); i++) {
                double[] v = values.get(i);
                CheckDef.Quantile q = quantile((int) v[0]);
                double m = Math.max(1, r.getLong(3 * i + 2));
                double below = r.getLong(3 * i) / m;
                double atOrBelow = r.getLong(3 * i + 1) / m;
                double slack = QUANTILE_ERROR + 1 / m;
                if (!(below - slack <= q.quantile() && q.quantile() <= atOrBelow + slack)) {
                    disagree(peer, String.format(Locale.ROOT, "checks[%d] quantile %s of %s: %s's value %s has rank %.4f to"
                                    + " %.4f in the column, not within %s +- %s", (int) v[0], q.quantile(), q.column(),
                            v[2] == 0 ? "Ingot" : peer, v[1], below, atOrBelow, q.quantile(), QUANTILE_ERROR));
                    bad++;
                }
            }
            return bad;
        }

        private CheckDef.Quantile quantile(int index) {
            return (CheckDef.Quantile) suite.checks().get(index);
        }

        private void disagree(String peer, String what) {
            ok = false;
            System.out.println("BENCHMARK DISAGREEMENT " + peer + ": " + what);
        }
    }

    /**
     * The great_expectations variant's PySpark process ({@code gx_validation_bench.py serve}): started once, warmed up,
     * then asked for one timed command at a time. Its output (Spark's warnings included) is kept for an error message.
     */
    static final class GreatExpectations implements AutoCloseable {
        private static final String SCRIPT = "benchmarks/python/gx_validation_bench.py";
        private static final Pattern RESULT =
                Pattern.compile("^RESULT wall_s=([0-9.]+) cpu_s=([0-9.]+) jobs=([0-9]+) checks=([0-9]+)$");
        private static final Pattern CHECK = Pattern.compile(
                "^CHECK ([0-9]+) success=(true|false) observed=(\\S+) unexpected=(\\S+) elements=(\\S+) error=(.*)$");

        /** One command's timing and, for a validation, its outcome per check. */
        record Run(Timing timing, List<Outcome> checks) {}

        /**
         * One expectation's outcome as the script printed it: success, and the numbers GX reported (NaN when it
         * reported none): its observed value, unexpected count and element count; the error it raised, if any.
         */
        record Outcome(int index, boolean success, double observed, double unexpected, double elements, String line) {
            /**
             * The outcome in Ingot's terms. The value of a check decided per row (completeness, range, contained-in,
             * pattern, predicate) is the share of rows that pass: GX's unexpected count is of non-null values, and
             * nulls pass Ingot's conditions too, so 1 - unexpected / elements (of {@code rows} for an
             * UnexpectedRowsExpectation, whose observed value is its count of rows). Other values are GX's observed
             * value.
             */
            PeerCheck peerCheck(long rows) {
                double value;
                if (!Double.isNaN(elements) && elements > 0) {
                    value = 1 - unexpected / elements;
                } else if (!Double.isNaN(unexpected)) {
                    value = rows > 0 ? 1 - unexpected / rows : Double.NaN;
                } else {
                    value = observed;
                }
                return new PeerCheck(index, success, Double.isNaN(value) ? OptionalDouble.empty() : OptionalDouble.of(value),
                        line);
            }
        }

        private final Bench.PeerProcess process;
        final String settings;

        private GreatExpectations(List<String> cmd) throws IOException {
            process = new Bench.PeerProcess(SCRIPT, cmd);
            settings = process.settings;
        }

        /** Starts the process on the table's Delta folder and the suite's YAML file, with this session's settings. */
        static GreatExpectations start(String python, SparkSession spark, Path table, Path suite, Path work)
                throws IOException {
            Bench.PeerProcess.requireScript(SCRIPT);
            Files.createDirectories(work);
            String heap = Bench.PeerProcess.driverMemory();
            List<String> cmd = new ArrayList<>(List.of(python, SCRIPT, "serve", "--table", table.toString(), "--suite",
                    suite.toString(), "--master", spark.sparkContext().master(), "--driver-memory", heap, "--jars",
                    deltaJars(), "--work", work.toString()));
            SESSION_CONF.keySet().forEach(k -> cmd.addAll(List.of("--conf", k + "=" + spark.conf().get(k))));
            // The same collector as this JVM (benchmarks/run.sh gives the validation benchmark the parallel one).
            boolean parallel = ManagementFactory.getGarbageCollectorMXBeans().stream()
                    .anyMatch(g -> g.getName().startsWith("PS "));
            if (parallel) {
                cmd.addAll(List.of("--conf", "spark.driver.extraJavaOptions=-XX:+UseParallelGC"));
            }
            return new GreatExpectations(cmd);
        }

        /** Delta's jars from this JVM's class path, for the PySpark process (the same Delta, no download). */
        private static String deltaJars() {
            return Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                    .filter(j -> j.matches(".*/delta-(spark|storage)[^/]*\\.jar")).collect(Collectors.joining(","));
        }

        /** Best of n runs of one command; each validation's outcome is added to {@code outcomes}. */
        Timing best(int n, String command, List<List<Outcome>> outcomes) throws IOException {
            long wall = Long.MAX_VALUE;
            long cpu = Long.MAX_VALUE;
            long jobs = 0;
            for (int i = 0; i < n; i++) {
                Run r = command.equals("scan") ? scan() : run(command.substring("run ".length()));
                wall = Math.min(wall, r.timing().wall());
                cpu = Math.min(cpu, r.timing().processCpu());
                jobs = r.timing().jobs();
                if (!r.checks().isEmpty()) {
                    outcomes.add(r.checks());
                }
            }
            return new Timing(wall, -1, cpu, jobs);
        }

        Run scan() throws IOException {
            process.send("scan");
            return result(List.of());
        }

        /** One validation of the whole table with GX's result format {@code format}. */
        Run run(String format) throws IOException {
            process.send("run " + format);
            List<Outcome> checks = new ArrayList<>();
            String l;
            while (!(l = process.until(x -> CHECK.matcher(x).matches() || RESULT.matcher(x).matches())).startsWith("RESULT")) {
                Matcher m = CHECK.matcher(l);
                m.matches();
                checks.add(new Outcome(Integer.parseInt(m.group(1)), m.group(2).equals("true"), number(m.group(3)),
                        number(m.group(4)), number(m.group(5)), l));
            }
            return result(checks, l);
        }

        /** A number as Python prints a float ({@code repr}: nan, inf, 1e+12 ...). */
        private static double number(String s) {
            return switch (s) {
                case "nan" -> Double.NaN;
                case "inf" -> Double.POSITIVE_INFINITY;
                case "-inf" -> Double.NEGATIVE_INFINITY;
                default -> Double.parseDouble(s);
            };
        }

        private Run result(List<Outcome> checks) throws IOException {
            return result(checks, process.until(x -> RESULT.matcher(x).matches()));
        }

        private Run result(List<Outcome> checks, String line) {
            Matcher m = RESULT.matcher(line);
            m.matches();
            if (Integer.parseInt(m.group(4)) != checks.size()) {
                throw new IllegalStateException(SCRIPT + " reported " + m.group(4) + " checks but printed " + checks.size());
            }
            Timing t = new Timing(Math.round(Double.parseDouble(m.group(1)) * 1000), -1,
                    Math.round(Double.parseDouble(m.group(2)) * 1000), Long.parseLong(m.group(3)));
            return new Run(t, checks);
        }


        @Override
        public void close() {
            process.close();
        }
    }
}
