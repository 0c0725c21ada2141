package dev.ingot.benchmarks;

import dev.ingot.core.Catalog;
import dev.ingot.core.Lineage;
import dev.ingot.core.Location;
import dev.ingot.core.TableName;
import dev.ingot.core.config.FeatureViewDef;
import dev.ingot.core.config.Project;
import dev.ingot.core.config.ProjectLoader;
import dev.ingot.jobs.IngotMain;
import dev.ingot.training.ModelVersion;
import dev.ingot.training.TrackingStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.feature.Imputer;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * Benchmark: {@code ingot train} of the demo's fraud model (GBT, 100 trees of depth 5) end to end, against the bare
 * Spark ML fit and evaluation of the same pipeline on the same DataFrame, in the same JVM and Spark session.
 *
 * <p>The training set is synthetic, with the columns {@code train} reads from a point-in-time training set of the
 * retail demo: {@code txn_id}, {@code customer_id}, {@code merchant_id}, {@code ts}, {@code segment}, the label
 * {@code is_fraud} (about 2% positives, a logistic function of the features) and one {@code view__feature} double per
 * feature of {@code examples/retail}'s {@code customer_spend} and {@code merchant_risk} views, some of them null. The
 * project is {@code examples/retail}'s sources, feature views and checks with a fraud spec as the demo's
 * ({@link #SPEC}), written twice: one project on the local tracking store, one on a real MLflow server
 * ({@code --mlflow-uri}, started by {@code run.sh}).
 *
 * <p>Each repetition runs, in an order that rotates from one repetition to the next:
 * <ul>
 *   <li><b>bare</b>: read the table at its Delta version, find the split (the latest event time, minus the windows),
 *       fit {@code SQLTransformer} (casts and null indicators), {@code Imputer}, {@code VectorAssembler} and
 *       {@code GBTClassifier} as {@code train} builds them, score the test window and compute AUC and PR-AUC with
 *       {@code BinaryClassificationEvaluator};</li>
 *   <li><b>local</b> and <b>mlflow</b>: {@code ingot train --project P --model fraud --training-set T} in-process,
 *       through {@link IngotMain} as {@code bin/ingot} runs it. The spec file gets a comment naming the repetition,
 *       so that each run is a new run and version (the same bytes would be a retry, which does nothing).</li>
 * </ul>
 * Reported: wall time and Spark task CPU of each, their ratios to the bare fit of the same repetition (median and
 * range), where {@code train}'s wall time goes (the main thread's stack sampled every 20 ms, by what
 * {@code TrainCommand} was calling) and, for MLflow, the requests the server logged during each {@code train}, by
 * endpoint ({@code --mlflow-log}: the server's access log).
 *
 * <p>Run it with {@code benchmarks/run.sh train [--small]}. Arguments: {@code --rows N} (1,000,000), {@code --days N}
 * (90), {@code --repeat N} (3), {@code --mlflow-uri URI} and {@code --mlflow-log FILE} (none: local store only),
 * {@code --master M}, {@code --warehouse DIR}.
 */
public final class TrainBench {
    private static final String TABLE = "ml.fraud_bench_training_set";
    private static final String MODEL = "fraud";
    private static final List<String> VIEWS = List.of("customer_spend", "merchant_risk");
    /** The demo's fraud spec ({@code examples/retail/models/fraud.yaml} of {@code bin/ingot demo}), comments aside. */
    static final String SPEC = """
            description: Whether a card transaction is fraud (benchmark copy of the demo's spec).
            spine: ml.fraud_spine
            timestamp: ts
            label: is_fraud
            features: [customer_spend, merchant_risk]
            algorithm:
              type: gbt_classifier
              params: {maxIter: 100, maxDepth: 5}
            test_window: 21d
            validation_window: 7d
            metrics: [auc, pr_auc, log_loss, f1, precision_at_k]
            precision_at_k: 100
            nulls: {impute: mean, indicators: true}
            fairness:
              column: segment
              max_gap: {auc: 0.15}
            gate: ["auc >= 0.65", "auc >= champion.auc - 0.005"]
            """;
    private static final int TREES = 100;
    private static final int DEPTH = 5;
    private static final long SEED = 42;
    private static final Duration TEST = Duration.ofDays(21);
    private static final Duration VALIDATION = Duration.ofDays(7);
    private static final long SAMPLE_MS = 20;
    /** A request line of the server's access log: method and path (query left out). */
    private static final Pattern REQUEST = Pattern.compile("\"(GET|POST|PUT|PATCH|DELETE) (/[^ ?\"]*)");

    private static final AtomicLong TASK_CPU = new AtomicLong();

    private TrainBench() {}

    /** One timed run: wall and task CPU time in ms, and the test AUC it reported. */
    private record Timing(long wall, long cpu, double auc) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = Bench.args("train", args, "rows", "1000000", "days", "90", "repeat", "3",
                "mlflow-uri", "", "mlflow-log", "");
        long rows = Long.parseLong(opts.get("rows"));
        int days = Integer.parseInt(opts.get("days"));
        int repeat = Integer.parseInt(opts.get("repeat"));
        Optional<String> mlflow = Optional.of(opts.get("mlflow-uri")).filter(s -> !s.isEmpty());
        Optional<Path> accessLog = Optional.of(opts.get("mlflow-log")).filter(s -> !s.isEmpty()).map(Path::of);
        try (Bench.Warehouse wh = Bench.Warehouse.of(opts, "train")) {
            Path projects = Files.createDirectories(wh.dir().resolve("_projects"));
            Map<String, Path> backends = new LinkedHashMap<>();
            backends.put("local", project(projects.resolve("local"), wh.dir(), Optional.empty()));
            mlflow.ifPresent(uri -> backends.put("mlflow", project(projects.resolve("mlflow"), wh.dir(), Optional.of(uri))));
            // The session train reuses (IngotSessions builds the session once per JVM), with run.sh's heap.
            SparkSession spark = wh.session(opts, "train").build();
            try {
                Catalog.ensureDatabases(spark, Location.of(wh.dir()));
                Bench.countTaskCpu(spark, TASK_CPU, end -> { });
                run(spark, backends, accessLog, rows, days, repeat);
            } finally {
                spark.stop();
            }
        }
    }

    private static void run(SparkSession spark, Map<String, Path> backends, Optional<Path> accessLog, long rows,
                            int days, int repeat) throws IOException {
        Project project = ProjectLoader.load(backends.get("local"));
        List<String> features = new ArrayList<>();
        for (String v : VIEWS) {
            FeatureViewDef view = project.featureViews().get(v);
            view.featureNames().forEach(f -> features.add(v + "__" + f));
        }
        long t0 = System.nanoTime();
        generate(spark, TABLE, rows, days, features);
        long version = Lineage.latestVersion(spark, TableName.parse(TABLE));
        System.out.printf(Locale.ROOT, "BENCHMARK training set %s @ Delta v%d: %,d rows over %d days, %d features,"
                + " written in %.1f s%n", TABLE, version, rows, days, features.size(), (System.nanoTime() - t0) / 1e9);

        // Warm-up on a small copy: the JIT and Spark's generated code, for every variant alike.
        generate(spark, TABLE + "_warmup", Math.min(rows, 20_000), days, features);
        bare(spark, TABLE + "_warmup", features);
        for (Path dir : backends.values()) {
            train(spark, dir, TABLE + "_warmup", 0, new ConcurrentHashMap<>());
        }

        List<String> variants = new ArrayList<>(List.of("bare"));
        variants.addAll(backends.keySet());
        Map<String, List<Timing>> timings = new LinkedHashMap<>();
        variants.forEach(v -> timings.put(v, new ArrayList<>()));
        Map<String, Map<String, Long>> samples = new LinkedHashMap<>();
        List<Map<String, Long>> requests = new ArrayList<>();
        double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        for (int r = 1; r <= repeat; r++) {
            List<String> order = new ArrayList<>(variants);
            java.util.Collections.rotate(order, -(r - 1));
            for (String v : order) {
                Timing t;
                if (v.equals("bare")) {
                    t = bare(spark, TABLE, features);
                } else {
                    long logFrom = v.equals("mlflow") ? accessLog.map(TrainBench::size).orElse(0L) : 0;
                    Map<String, Long> where = samples.computeIfAbsent(v, k -> new ConcurrentHashMap<>());
                    t = train(spark, backends.get(v), TABLE, r, where);
                    if (v.equals("mlflow") && accessLog.isPresent()) {
                        requests.add(requests(accessLog.get(), logFrom));
                    }
                }
                timings.get(v).add(t);
                System.out.printf(Locale.ROOT, "BENCHMARK repetition %d %-6s wall %7.1f s, task CPU %7.1f s, test AUC %.6f%n",
                        r, v, t.wall() / 1e3, t.cpu() / 1e3, t.auc());
            }
        }
        double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        report(timings, samples, requests, repeat, loadBefore, loadAfter);
    }

    /**
     * Writes the synthetic training set: customers in three segments, one transaction per row at a random time over
     * {@code days} days, each feature a mix of two hidden factors and noise (some null), and a label that follows
     * the factors.
     */
    private static void generate(SparkSession spark, String table, long rows, int days, List<String> features) {
        long end = Instant.parse("2026-11-01T00:00:00Z").getEpochSecond();
        long start = end - days * 86_400L;
        List<String> cols = new ArrayList<>(List.of("id AS txn_id", "CAST(pmod(hash(id, 1), 50000) AS BIGINT) AS customer_id",
                "CAST(pmod(hash(id, 2), 4000) AS BIGINT) AS merchant_id",
                "timestamp_seconds(" + start + " + CAST(rand(3) * " + (end - start) + " AS BIGINT)) AS ts",
                "CASE WHEN pmod(hash(id, 1), 10) < 7 THEN 'mass' WHEN pmod(hash(id, 1), 10) < 9 THEN 'affluent'"
                        + " ELSE 'business' END AS segment",
                "randn(4) AS u", "randn(5) AS w"));
        List<String> feats = new ArrayList<>();
        for (int i = 0; i < features.size(); i++) {
            // Weights that differ by feature; every tenth feature is null in 3% of rows (stddev of a lone transaction,
            // a new merchant).
            double a = ((i * 37) % 11) / 10.0 - 0.5;
            double b = ((i * 53) % 7) / 6.0 - 0.5;
            String value = String.format(Locale.ROOT, "%.2f * u + %.2f * w + 0.7 * randn(%d)", a, b, 100 + i);
            feats.add((i % 10 == 3 ? "CASE WHEN rand(" + (200 + i) + ") < 0.03 THEN NULL ELSE " + value + " END" : value)
                    + " AS `" + features.get(i) + "`");
        }
        spark.sql("DROP TABLE IF EXISTS " + table);
        spark.range(0, rows, 1, 8).selectExpr(cols.toArray(String[]::new))
                .selectExpr(Stream.concat(Stream.of("txn_id", "customer_id", "merchant_id", "ts", "segment",
                                "CAST(rand(6) < 1 / (1 + exp(-(-4.6 + 1.3 * u + 0.9 * w))) AS INT) AS is_fraud"),
                        feats.stream()).toArray(String[]::new))
                .write().format("delta").saveAsTable(table);
    }

    /** The bare pipeline, as a person would write it for the same spec, fitted and evaluated by hand. */
    private static Timing bare(SparkSession spark, String table, List<String> features) {
        long cpu0 = TASK_CPU.get();
        long t0 = System.nanoTime();
        long version = Lineage.latestVersion(spark, TableName.parse(table));
        Dataset<Row> data = spark.read().format("delta").option("versionAsOf", version).table(table);
        Instant end = data.agg(functions.max("ts")).first().getTimestamp(0).toInstant();
        Timestamp testStart = Timestamp.from(end.minus(TEST));
        Timestamp trainEnd = Timestamp.from(end.minus(TEST).minus(VALIDATION));
        Dataset<Row> train = data.filter(functions.col("ts").leq(trainEnd));
        Dataset<Row> test = data.filter(functions.col("ts").gt(testStart));
        // The features that have nulls in the training window get an indicator, as train adds them.
        Row nulls = train.selectExpr(features.stream().map(f -> "count_if(`" + f + "` IS NULL) AS `" + f + "`")
                .toArray(String[]::new)).first();
        List<String> withNulls = features.stream().filter(f -> nulls.getLong(nulls.fieldIndex(f)) > 0).toList();
        String select = Stream.concat(Stream.of("CAST(is_fraud AS DOUBLE) AS y"),
                Stream.concat(features.stream().map(f -> "CAST(`" + f + "` AS DOUBLE) AS `n_" + f + "`"),
                        withNulls.stream().map(f -> "CAST(`" + f + "` IS NULL AS DOUBLE) AS `" + f + "_null`")))
                .collect(Collectors.joining(", "));
        List<String> assembled = new ArrayList<>(features.stream().map(f -> "i_" + f).toList());
        withNulls.forEach(f -> assembled.add(f + "_null"));
        PipelineStage[] stages = {
            new SQLTransformer().setStatement("SELECT *, " + select + " FROM __THIS__"),
            new Imputer().setInputCols(features.stream().map(f -> "n_" + f).toArray(String[]::new))
                    .setOutputCols(features.stream().map(f -> "i_" + f).toArray(String[]::new)).setStrategy("mean"),
            new VectorAssembler().setInputCols(assembled.toArray(String[]::new)).setOutputCol("x"),
            new GBTClassifier().setFeaturesCol("x").setLabelCol("y").setMaxIter(TREES).setMaxDepth(DEPTH).setSeed(SEED)
        };
        PipelineModel model = new Pipeline().setStages(stages).fit(train);
        Dataset<Row> scored = model.transform(test).cache();
        BinaryClassificationEvaluator eval = new BinaryClassificationEvaluator().setLabelCol("y")
                .setRawPredictionCol("probability").setNumBins(0);
        double auc = eval.setMetricName("areaUnderROC").evaluate(scored);
        eval.setMetricName("areaUnderPR").evaluate(scored);
        scored.unpersist();
        return new Timing((System.nanoTime() - t0) / 1_000_000, (TASK_CPU.get() - cpu0) / 1_000_000, auc);
    }

    /**
     * {@code ingot train} in-process on {@code dir}'s project, the spec marked with the repetition, while a thread
     * samples the main thread's stack into {@code where}.
     */
    private static Timing train(SparkSession spark, Path dir, String table, int repetition, Map<String, Long> where)
            throws IOException {
        Files.writeString(dir.resolve("models/" + MODEL + ".yaml"), SPEC + "# benchmark repetition " + repetition
                + " of " + table + "\n");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Thread main = Thread.currentThread();
        Thread sampler = new Thread(() -> sample(main, where), "train-bench-sampler");
        sampler.setDaemon(true);
        long cpu0 = TASK_CPU.get();
        long t0 = System.nanoTime();
        sampler.start();
        int code;
        try {
            code = IngotMain.run(new PrintWriter(out, true), new PrintWriter(err, true), "train", "--project",
                    dir.toString(), "--model", MODEL, "--training-set", table);
        } finally {
            sampler.interrupt();
        }
        long wall = (System.nanoTime() - t0) / 1_000_000;
        long cpu = (TASK_CPU.get() - cpu0) / 1_000_000;
        if (code != 0) {
            throw new IllegalStateException("ingot train exited " + code + ":\n" + out + err);
        }
        Project p = ProjectLoader.load(dir);
        try (TrackingStore store = TrackingStore.open(p.settings().tracking(), spark, p.settings().warehouse())) {
            ModelVersion v = store.versionByAlias(MODEL, "challenger").orElseThrow();
            double auc = store.runData(v.runId()).latestMetrics().get("auc").value();
            return new Timing(wall, cpu, auc);
        }
    }

    /**
     * Every {@link #SAMPLE_MS} ms until interrupted: what {@code TrainCommand} is calling on {@code thread} (the
     * outermost {@code TrainCommand} frame's callee), counted in {@code where}. Inside {@code Trainer.train}, the fit
     * of the pipeline is told apart from the rest (split, checks, evaluation).
     */
    private static void sample(Thread thread, Map<String, Long> where) {
        while (!Thread.currentThread().isInterrupted()) {
            StackTraceElement[] stack = thread.getStackTrace();
            where.merge(label(stack), 1L, Long::sum);
            if (!Bench.pause(SAMPLE_MS)) {
                return;
            }
        }
    }

    private static String label(StackTraceElement[] stack) {
        String command = "dev.ingot.jobs.cli.TrainCommand";
        String name = Bench.calleeLabel(stack, command, "command line (parse, load the project, open the session)",
                "TrainCommand (itself)");
        if (name.equals("Trainer.train")) {
            boolean fit = Arrays.stream(stack, 0, Bench.callee(stack, command)).anyMatch(f -> f.getClassName().equals("org.apache.spark.ml.Pipeline")
                    && f.getMethodName().equals("fit"));
            return fit ? "Trainer.train: Pipeline.fit" : "Trainer.train: split, checks, evaluation";
        }
        return name;
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    /** The requests of the server's access log written after byte {@code from}, counted by method and endpoint. */
    private static Map<String, Long> requests(Path log, long from) throws IOException {
        byte[] bytes;
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            f.seek(from);
            bytes = new byte[(int) (f.length() - from)];
            f.readFully(bytes);
        }
        Map<String, Long> out = new TreeMap<>();
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
            Matcher m = REQUEST.matcher(line);
            if (m.find()) {
                String path = m.group(2);
                // Artifact uploads name the file: count them as one endpoint.
                int artifacts = path.indexOf("/mlflow-artifacts/artifacts/");
                if (artifacts >= 0) {
                    path = path.substring(0, artifacts) + "/mlflow-artifacts/artifacts/...";
                }
                out.merge(m.group(1) + " " + path, 1L, Long::sum);
            }
        }
        return out;
    }

    private static void report(Map<String, List<Timing>> timings, Map<String, Map<String, Long>> samples,
                               List<Map<String, Long>> requests, int repeat, double loadBefore, double loadAfter) {
        System.out.printf(Locale.ROOT, "%nBENCHMARK load average %.2f before, %.2f after; %d repetitions%n", loadBefore,
                loadAfter, repeat);
        List<Timing> bare = timings.get("bare");
        System.out.printf(Locale.ROOT, "BENCHMARK bare fit + evaluate: wall median %.1f s (%.1f .. %.1f), task CPU median"
                        + " %.1f s%n", median(bare, Timing::wall) / 1e3, min(bare, Timing::wall) / 1e3,
                max(bare, Timing::wall) / 1e3, median(bare, Timing::cpu) / 1e3);
        for (Map.Entry<String, List<Timing>> e : timings.entrySet()) {
            if (e.getKey().equals("bare")) {
                continue;
            }
            List<Timing> ts = e.getValue();
            List<Double> wall = new ArrayList<>();
            List<Double> cpu = new ArrayList<>();
            for (int i = 0; i < ts.size(); i++) {
                wall.add((double) ts.get(i).wall() / bare.get(i).wall());
                cpu.add((double) ts.get(i).cpu() / Math.max(1, bare.get(i).cpu()));
            }
            System.out.printf(Locale.ROOT, "BENCHMARK train (%s): wall median %.1f s; wall / bare of the same repetition:"
                            + " median %.3f (%.3f .. %.3f); task CPU / bare: median %.3f (%.3f .. %.3f)%n", e.getKey(),
                    median(ts, Timing::wall) / 1e3, Bench.median(wall), wall.stream().min(Double::compare).orElseThrow(),
                    wall.stream().max(Double::compare).orElseThrow(), Bench.median(cpu),
                    cpu.stream().min(Double::compare).orElseThrow(), cpu.stream().max(Double::compare).orElseThrow());
            // Seconds are each label's share of the samples times the mean wall time: a sample takes longer than
            // SAMPLE_MS (the stack walk waits for a safepoint), so counting samples would understate them.
            Map<String, Long> where = samples.getOrDefault(e.getKey(), Map.of());
            long total = where.values().stream().mapToLong(Long::longValue).sum();
            double meanWall = ts.stream().mapToLong(Timing::wall).average().orElse(0) / 1e3;
            where.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .filter(w -> 1000L * w.getValue() >= total)
                    .forEach(w -> System.out.printf(Locale.ROOT, "BENCHMARK   %5.1f%% %6.1f s per train  %s%n",
                            100.0 * w.getValue() / total, meanWall * w.getValue() / total, w.getKey()));
        }
        if (!requests.isEmpty()) {
            List<Long> totals = requests.stream().map(m -> m.values().stream().mapToLong(Long::longValue).sum()).toList();
            System.out.printf(Locale.ROOT, "BENCHMARK MLflow requests per train: %s; by endpoint (last train):%n", totals);
            requests.get(requests.size() - 1).forEach((k, n) -> System.out.printf(Locale.ROOT, "BENCHMARK   %4d  %s%n", n, k));
        }
    }

    private static double median(List<Timing> ts, java.util.function.ToLongFunction<Timing> f) {
        return Bench.median(ts.stream().map(t -> (double) f.applyAsLong(t)).toList());
    }

    private static double min(List<Timing> ts, java.util.function.ToLongFunction<Timing> f) {
        return ts.stream().mapToLong(f).min().orElseThrow();
    }

    private static double max(List<Timing> ts, java.util.function.ToLongFunction<Timing> f) {
        return ts.stream().mapToLong(f).max().orElseThrow();
    }

    /**
     * A project at {@code dir}: {@code examples/retail}'s sources, feature views and checks (read from the working
     * directory, the repository root as {@code run.sh} runs it), the bench's warehouse and tracking, and the spec.
     */
    private static Path project(Path dir, Path warehouse, Optional<String> mlflowUri) {
        try {
            Path retail = Path.of("examples/retail");
            for (String sub : List.of("sources", "feature_views", "checks")) {
                Path to = Files.createDirectories(dir.resolve(sub));
                try (Stream<Path> files = Files.list(retail.resolve(sub))) {
                    for (Path f : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                        Files.copy(f, to.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            Files.createDirectories(dir.resolve("models"));
            Files.writeString(dir.resolve("models/" + MODEL + ".yaml"), SPEC);
            String tracking = mlflowUri.map(u -> "tracking:\n  type: mlflow\n  uri: " + u + "\n  experiment: bench\n")
                    .orElse("");
            Files.writeString(dir.resolve("ingot.yaml"), "name: bench\nwarehouse: " + warehouse + "\n" + tracking);
            return dir;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not write the benchmark project in " + dir, e);
        }
    }
}
