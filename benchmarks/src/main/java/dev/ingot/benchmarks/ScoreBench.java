package dev.ingot.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.ingot.core.Catalog;
import dev.ingot.core.Location;
import dev.ingot.jobs.IngotMain;
import dev.ingot.scoring.OnnxConverter;
import dev.ingot.scoring.OnnxModel;
import dev.ingot.scoring.Scorer;
import dev.ingot.scoring.internal.LatencyHistogram;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.functions;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import scala.collection.JavaConverters;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.exp;
import static org.apache.spark.sql.functions.lit;

/**
 * Benchmark: {@code ingot score} of a GBT classifier (100 trees of depth 6 over 30 double features) on a Delta table,
 * against the limit of ONNX Runtime itself, Spark ML's own {@code transform}, the same read and write without a model,
 * and MLflow's {@code spark_udf} on PySpark serving the same ONNX model. Every variant reads the same Delta table and
 * writes a Delta table of the same columns, in the same run:
 * <ul>
 *   <li><b>ort</b> (a): ONNX Runtime alone on this thread, one intra-op thread, on tensors built before the clock
 *       starts (batches of {@link Scorer#BATCH_SIZE_DEFAULT} rows taken from the table), as many rows as the table
 *       has: rows per second per core, the practical limit;</li>
 *   <li><b>ingot</b> (b): {@code ingot score --model FILE.onnx --input T --out score_bench --keys id} in-process,
 *       through {@link IngotMain} as {@code bin/ingot} runs it (its null check, the scoring, the Delta write, the
 *       lineage and run records); the inference's own time is the sum of the scorer's batch times, elapsed and CPU
 *       ({@code BatchLatencies}, read from the tasks' accumulator updates); with {@code --path columnar}: the
 *       table's column batches straight into the tensors;</li>
 *   <li><b>ingot_rows</b> (b-rows): the same with {@code --path rows}: the row path, Spark rows copied into the
 *       tensors and back;</li>
 *   <li><b>sparkml</b> (c): the fitted {@code PipelineModel.transform} of the same table, written as the score
 *       table's columns;</li>
 *   <li><b>floor</b> (d): the same read and a write of the same columns computed by cheap expressions: no model;</li>
 *   <li><b>floor_rw</b> (d'): the same, written as {@code score} writes into an existing score table (Delta's
 *       {@code replaceWhere} of this date and model), to tell the idempotent write's cost from the scoring's;</li>
 *   <li><b>spark_udf</b> (e): {@code benchmarks/python/spark_udf_bench.py} in a PySpark 3.5 process of its own
 *       ({@code --python}: the interpreter of {@code python/venv.sh bench}) on the same master, shuffle partitions and
 *       heap, reading the table's Delta folder and writing a Delta folder.</li>
 * </ul>
 * A warm-up runs every JVM variant once (the PySpark process warms up on its own when it starts), then each
 * repetition runs them all, in an order that rotates. Reported per
 * variant: wall time, the JVM's CPU time (the Python variant: its whole process tree) and Spark task CPU, medians and
 * ranges, and the target ratios, each computed within a repetition; where {@code ingot score}'s time goes comes from
 * one more, untimed run that samples the stacks of the task threads and of the main thread every 10 ms.
 *
 * <p>Run it with {@code benchmarks/run.sh score [--small]}. Arguments: {@code --rows N} (2,000,000), {@code
 * --train-rows N} (the GBT is fitted on the first N rows: 30,000), {@code --repeat N} (3), {@code --python PATH}
 * (none: no spark_udf variant), {@code --master M}, {@code --warehouse DIR}.
 */
public final class ScoreBench {
    private static final String TABLE = "ml.score_bench_input";
    private static final String OUT = "score_bench";
    private static final int FEATURES = 30;
    private static final int TREES = 100;
    private static final int DEPTH = 6;
    private static final String DATE = "2026-11-30";
    private static final long SAMPLE_MS = 10;
    private static final List<String> NAMES = IntStream.range(0, FEATURES).mapToObj(i -> String.format(Locale.ROOT, "f%02d", i))
            .toList();
    private static final Pattern RESULT = Pattern.compile("^RESULT wall_s=([0-9.]+) cpu_s=([0-9.]+) rows=([0-9]+)$");

    private static final AtomicLong TASK_CPU = new AtomicLong();
    private static final AtomicLong INFERENCE_NANOS = new AtomicLong();
    private static final AtomicLong INFERENCE_CPU_NANOS = new AtomicLong();

    private ScoreBench() {}

    /**
     * One timed run: wall, process CPU and Spark task CPU in seconds, the inference's summed batch time and its CPU
     * time in seconds (ort and ingot only), the rows scored (ort and spark_udf; else -1).
     */
    private record Timing(double wall, double cpu, double taskCpu, double inference, double inferenceCpu, long rows) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = Bench.args("score", args, "rows", "2000000", "train-rows", "30000", "repeat", "3",
                "python", "");
        long rows = Long.parseLong(opts.get("rows"));
        long trainRows = Math.min(rows, Long.parseLong(opts.get("train-rows")));
        int repeat = Integer.parseInt(opts.get("repeat"));
        String python = opts.get("python");
        try (Bench.Warehouse wh = Bench.Warehouse.of(opts, "score")) {
            SparkSession spark = wh.session(opts, "score").build();
            try {
                Catalog.ensureDatabases(spark, Location.of(wh.dir()));
                Bench.countTaskCpu(spark, TASK_CPU, end -> {
                    // The scorer's batch times, as the task reported them (ScoreCommand's own BatchLatencies).
                    for (AccumulableInfo a : JavaConverters.seqAsJavaList(end.taskInfo().accumulables())) {
                        if (a.name().isDefined() && a.name().get().equals("ingot.score.batch_latency")
                                && a.update().isDefined() && a.update().get() instanceof LatencyHistogram h) {
                            INFERENCE_NANOS.addAndGet(h.totalNanos());
                            INFERENCE_CPU_NANOS.addAndGet(h.cpuNanos());
                        }
                    }
                });
                run(spark, wh.dir(), opts.get("master"), rows, trainRows, repeat, python);
            } finally {
                spark.stop();
            }
        }
    }

    private static void run(SparkSession spark, Path warehouse, String master, long rows, long trainRows, int repeat,
                            String python) throws Exception {
        long t0 = System.nanoTime();
        generate(spark, rows);
        System.out.printf(Locale.ROOT, "BENCHMARK input %s: %,d rows, id + %d doubles, written in %.1f s%n", TABLE, rows,
                FEATURES, (System.nanoTime() - t0) / 1e9);
        t0 = System.nanoTime();
        PipelineModel model = fit(spark, trainRows);
        OnnxModel onnx = OnnxConverter.create().convert(model, spark.table(TABLE).schema());
        Path onnxFile = Files.createDirectories(warehouse.resolve("_model")).resolve("gbt.onnx");
        Files.write(onnxFile, onnx.bytes());
        System.out.printf(Locale.ROOT, "BENCHMARK model: GBT classifier, %d trees of depth %d, fitted on %,d rows and"
                        + " converted in %.1f s; %s, %,d bytes, sha256 %s%n", TREES, DEPTH, trainRows,
                (System.nanoTime() - t0) / 1e9, onnxFile, onnx.bytes().length, onnx.sha256().substring(0, 12));
        Path project = project(warehouse.resolve("_project"), warehouse);
        String inputPath = spark.sql("DESCRIBE DETAIL " + TABLE).first().getAs("location").toString();
        Path pythonModel = warehouse.resolve("_model/mlflow");
        PySpark pyspark = null;
        if (!python.isEmpty()) {
            t0 = System.nanoTime();
            python(python, List.of("prepare", "--onnx", onnxFile.toString(), "--model-dir", pythonModel.toString()));
            String heap = Bench.PeerProcess.driverMemory();
            pyspark = new PySpark(python, List.of("serve", "--input", inputPath, "--model-dir", pythonModel.toString(),
                    "--out", warehouse.resolve("_python_out").toString(), "--master", master, "--driver-memory", heap,
                    "--shuffle-partitions", spark.conf().get("spark.sql.shuffle.partitions"), "--jars", deltaJars(),
                    "--date", DATE));
            System.out.printf(Locale.ROOT, "BENCHMARK PySpark %s with MLflow's spark_udf started and warmed up in %.1f s%n",
                    master, (System.nanoTime() - t0) / 1e9);
        }
        try {
            measureAll(spark, onnx, onnxFile, model, project, rows, repeat, pyspark);
        } finally {
            if (pyspark != null) {
                pyspark.close();
            }
        }
    }

    private static void measureAll(SparkSession spark, OnnxModel onnx, Path onnxFile, PipelineModel model, Path project,
                                   long rows, int repeat, PySpark pyspark) throws Exception {

        Map<String, Variant> variants = new LinkedHashMap<>();
        variants.put("ort", () -> ort(spark, onnx, rows));
        variants.put("ingot", () -> ingot(project, onnxFile, "columnar"));
        variants.put("ingot_rows", () -> ingot(project, onnxFile, "rows"));
        variants.put("sparkml", () -> sparkMl(spark, model, onnx.sha256()));
        variants.put("floor", () -> floor(spark, onnx.sha256(), false));
        variants.put("floor_rw", () -> floor(spark, onnx.sha256(), true));
        if (pyspark != null) {
            variants.put("spark_udf", pyspark::run);
        }

        // Warm-up: the JIT, Spark's generated code, the ONNX session, each table's creation (PySpark warmed up itself).
        for (Map.Entry<String, Variant> v : variants.entrySet()) {
            if (v.getKey().equals("spark_udf")) {
                continue;
            }
            Timing t = v.getValue().run();
            System.out.printf(Locale.ROOT, "BENCHMARK warm-up  %-10s wall %6.1f s, CPU %6.1f s%n", v.getKey(), t.wall(), t.cpu());
        }
        String uptimeBefore = uptime();
        Map<String, List<Timing>> timings = new LinkedHashMap<>();
        variants.keySet().forEach(k -> timings.put(k, new ArrayList<>()));
        Map<String, Long> samples = new ConcurrentHashMap<>();
        Map<String, Long> driver = new ConcurrentHashMap<>();
        for (int r = 1; r <= repeat; r++) {
            List<String> order = new ArrayList<>(variants.keySet());
            Collections.rotate(order, -(r - 1));
            for (String v : order) {
                Timing t = variants.get(v).run();
                timings.get(v).add(t);
                System.out.printf(Locale.ROOT, "BENCHMARK repetition %d %-10s wall %6.1f s, CPU %6.1f s, task CPU %6.1f s%s%n",
                        r, v, t.wall(), t.cpu(), t.taskCpu(), t.inference() > 0 ? String.format(Locale.ROOT,
                                ", inference %.2f s (CPU %.2f s)", t.inference(), t.inferenceCpu()) : "");
            }
        }
        String uptimeAfter = uptime();
        // One more ingot score, not timed: sampling every thread's stack stops them all at a safepoint, which would
        // slow the timed runs down.
        Thread main = Thread.currentThread();
        Thread sampler = new Thread(() -> sample(main, samples, driver), "score-bench-sampler");
        sampler.setDaemon(true);
        sampler.start();
        try {
            Timing t = variants.get("ingot").run();
            System.out.printf(Locale.ROOT, "BENCHMARK profiled  ingot     wall %6.1f s, CPU %6.1f s, task CPU %6.1f s (not in the"
                    + " figures)%n", t.wall(), t.cpu(), t.taskCpu());
        } finally {
            sampler.interrupt();
        }
        report(timings, samples, driver, rows, repeat, uptimeBefore, uptimeAfter);
    }

    /** A measured variant. */
    private interface Variant {
        Timing run() throws Exception;
    }

    /** The input: an id and 30 doubles (standard normal), in 8 files, as any Delta table Ingot scores. */
    private static void generate(SparkSession spark, long rows) {
        List<String> cols = new ArrayList<>(List.of("id"));
        for (int i = 0; i < FEATURES; i++) {
            cols.add("randn(" + (100 + i) + ") AS " + NAMES.get(i));
        }
        spark.sql("DROP TABLE IF EXISTS " + TABLE);
        spark.range(0, rows, 1, 8).selectExpr(cols.toArray(String[]::new)).write().format("delta").saveAsTable(TABLE);
    }

    /** The GBT, fitted on the first rows with a label that depends on most features (so the trees use them all). */
    private static PipelineModel fit(SparkSession spark, long trainRows) {
        StringBuilder margin = new StringBuilder("0");
        for (int i = 0; i < FEATURES; i++) {
            double w = ((i * 37) % 11) / 5.0 - 1;
            margin.append(String.format(Locale.ROOT, " + %.2f * %s", w, NAMES.get(i)));
        }
        margin.append(" + 0.8 * f00 * f01 - 0.6 * abs(f02)");
        Dataset<Row> train = spark.table(TABLE).where(col("id").lt(trainRows))
                .selectExpr("*", "CAST(rand(7) < 1 / (1 + exp(-(" + margin + "))) AS DOUBLE) AS y").cache();
        PipelineStage[] stages = {
            new VectorAssembler().setInputCols(NAMES.toArray(String[]::new)).setOutputCol("x"),
            new GBTClassifier().setFeaturesCol("x").setLabelCol("y").setMaxIter(TREES).setMaxDepth(DEPTH).setSeed(42)
        };
        PipelineModel m = new Pipeline().setStages(stages).fit(train);
        train.unpersist();
        return m;
    }

    /** (a) ONNX Runtime alone: this thread, one intra-op thread, prebuilt tensors of the table's first rows. */
    private static Timing ort(SparkSession spark, OnnxModel onnx, long rows) throws OrtException {
        int batch = Scorer.BATCH_SIZE_DEFAULT;
        int distinct = 8;
        List<Row> data = spark.table(TABLE).orderBy("id").limit(batch * distinct).collectAsList();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<Map<String, OnnxTensor>> batches = new ArrayList<>();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            // As OrtSessions sets up a scoring session for a task of one CPU.
            o.setIntraOpNumThreads(1);
            o.setInterOpNumThreads(1);
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            try (OrtSession session = env.createSession(onnx.bytes(), o)) {
                for (int b = 0; b * batch < data.size(); b++) {
                    int n = Math.min(batch, data.size() - b * batch);
                    Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
                    for (int f = 0; f < FEATURES; f++) {
                        DoubleBuffer d = ByteBuffer.allocateDirect(n * 8).order(ByteOrder.nativeOrder()).asDoubleBuffer();
                        int field = data.get(0).fieldIndex(NAMES.get(f));
                        for (int r = 0; r < n; r++) {
                            d.put(r, data.get(b * batch + r).getDouble(field));
                        }
                        tensors.put(NAMES.get(f), OnnxTensor.createTensor(env, d, new long[] {n, 1}));
                    }
                    batches.add(tensors);
                }
                Set<String> wanted = Set.of(OnnxConverter.LABEL, OnnxConverter.PROBABILITY);
                ThreadMXBean threads = ManagementFactory.getThreadMXBean();
                long scored = 0;
                long cpu0 = threads.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                for (int i = 0; scored < rows; i++) {
                    Map<String, OnnxTensor> in = batches.get(i % batches.size());
                    try (OrtSession.Result r = session.run(in, wanted)) {
                        scored += in.get(NAMES.get(0)).getInfo().getShape()[0];
                    }
                }
                double wall = (System.nanoTime() - t0) / 1e9;
                double cpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e9;
                return new Timing(wall, cpu, 0, wall, cpu, scored);
            } finally {
                batches.forEach(m -> m.values().forEach(OnnxTensor::close));
            }
        }
    }

    /**
     * (b) {@code ingot score} in-process, as {@code bin/ingot} runs it, on the columnar path (what {@code --path auto}
     * takes for this Delta table; {@code columnar} makes sure of it) or (b-rows) the row path.
     */
    private static Timing ingot(Path project, Path onnxFile, String path) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        return measure(() -> {
            INFERENCE_NANOS.set(0);
            INFERENCE_CPU_NANOS.set(0);
            int code = IngotMain.run(new PrintWriter(out, true), new PrintWriter(err, true), "score", "--project",
                    project.toString(), "--model", onnxFile.toString(), "--input", TABLE, "--out", OUT, "--keys", "id",
                    "--date", DATE, "--path", path);
            if (code != 0) {
                throw new IllegalStateException("ingot score exited " + code + ":\n" + out + err);
            }
            // The command's own report: rows, rows/s, batches, latency percentiles, executor CPU.
            Arrays.stream(out.toString().split("\n")).filter(l -> l.startsWith("inference:") || l.startsWith("scoring path:"))
                    .forEach(l -> System.out.println("BENCHMARK   ingot score --path " + path + ": " + l));
            out.getBuffer().setLength(0);
            return -1;
        }, () -> INFERENCE_NANOS.get() / 1e9, () -> INFERENCE_CPU_NANOS.get() / 1e9);
    }

    /** The score table's model columns besides the outputs, as {@code score} writes them for a file's model. */
    private static Column[] lineage(String sha256) {
        return new Column[] {
            lit("gbt").as("model_name"), lit(null).cast(DataTypes.LongType).as("model_version"),
            lit(null).cast(DataTypes.StringType).as("model_run_id"), lit(sha256).as("model_sha256"),
            current_timestamp().as("scored_at"),
            lit(java.sql.Date.valueOf(DATE)).as("score_date")};
    }

    /** (c) Spark ML's transform, its outputs as the score table's columns, the same Delta write. */
    private static Timing sparkMl(SparkSession spark, PipelineModel model, String sha256) {
        return measure(() -> {
            // The vector to an array once, then its second element: as score's columns, without converting twice.
            Dataset<Row> scored = model.transform(spark.read().table(TABLE)).select(col("id"),
                    col("prediction").cast(DataTypes.LongType).as("label"),
                    functions.vector_to_array(col("probability"), "float64").as("probabilities"));
            List<Column> cols = new ArrayList<>(List.of(col("id"), col("label"), col("probabilities").getItem(1).as("probability"),
                    col("probabilities")));
            cols.addAll(Arrays.asList(lineage(sha256)));
            scored.select(cols.toArray(Column[]::new)).write().format("delta").mode("overwrite").partitionBy("score_date")
                    .saveAsTable("scores.score_bench_sparkml");
            return -1;
        }, () -> 0, () -> 0);
    }

    /** (d) The floor: the same read and a write of the same columns, each from a cheap expression: no model. */
    private static Timing floor(SparkSession spark, String sha256, boolean replaceWhere) {
        return measure(() -> {
            Column p = lit(1).divide(lit(1).plus(exp(col("f00").multiply(-1))));
            List<Column> cols = new ArrayList<>(List.of(col("id"), col("f01").gt(0).cast(DataTypes.LongType).as("label"),
                    p.as("probability"), array(lit(1).minus(p), p).as("probabilities")));
            cols.addAll(Arrays.asList(lineage(sha256)));
            Dataset<Row> rows = spark.read().table(TABLE).select(cols.toArray(Column[]::new));
            String table = replaceWhere ? "scores.score_bench_floor_rw" : "scores.score_bench_floor";
            if (replaceWhere && spark.catalog().tableExists(table)) {
                // As score writes into an existing score table: replace exactly this date's and model's rows.
                rows.write().format("delta").mode("overwrite").option("replaceWhere", "score_date = DATE'" + DATE
                        + "' AND model_name = 'gbt' AND model_version IS NULL AND model_sha256 = '" + sha256 + "'")
                        .saveAsTable(table);
            } else {
                rows.write().format("delta").mode("overwrite").partitionBy("score_date").saveAsTable(table);
            }
            return -1;
        }, () -> 0, () -> 0);
    }

    /**
     * (e)'s PySpark process ({@code spark_udf_bench.py serve}): started once, warmed up on its own, then asked for one
     * timed read, score and write per repetition. Its output (Spark's warnings included) is kept for an error message.
     */
    private static final class PySpark implements AutoCloseable {
        private final Process process;
        private final BufferedReader out;
        private final PrintWriter in;
        private final List<String> lines = new ArrayList<>();

        PySpark(String python, List<String> args) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(python, "benchmarks/python/spark_udf_bench.py"));
            cmd.addAll(args);
            process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
            until(l -> l.equals("READY"));
        }

        /** One timed run of the read, the scoring and the write. */
        Timing run() throws IOException {
            in.println("run");
            Matcher m = RESULT.matcher(until(l -> RESULT.matcher(l).matches()));
            m.matches();
            return new Timing(Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)), 0, 0, 0,
                    Long.parseLong(m.group(3)));
        }

        private String until(java.util.function.Predicate<String> done) throws IOException {
            for (String l = out.readLine(); l != null; l = out.readLine()) {
                lines.add(l);
                if (done.test(l)) {
                    return l;
                }
            }
            throw new IllegalStateException("spark_udf_bench.py stopped; its output ends with:\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size())));
        }

        @Override
        public void close() throws InterruptedException {
            in.println("quit");
            if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /** Runs the Python script to its end; its output, echoed when it fails. */
    private static List<String> python(String python, List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(python, "benchmarks/python/spark_udf_bench.py"));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                lines.add(l);
            }
        }
        if (p.waitFor() != 0) {
            throw new IllegalStateException("spark_udf_bench.py " + args.get(0) + " exited " + p.exitValue() + ":\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size())));
        }
        return lines;
    }

    /** Delta's jars from this JVM's class path, for the PySpark process (the same Delta, no download). */
    private static String deltaJars() {
        return Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(j -> j.matches(".*/delta-(spark|storage)[^/]*\\.jar")).collect(Collectors.joining(","));
    }

    private interface Action {
        long run() throws Exception;
    }

    private interface Extra {
        double get();
    }

    /** Wall, JVM process CPU and Spark task CPU of an action. */
    private static Timing measure(Action action, Extra inference, Extra inferenceCpu) {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long task0 = TASK_CPU.get();
        long t0 = System.nanoTime();
        try {
            action.run();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        return new Timing(wall, (os.getProcessCpuTime() - cpu0) / 1e9, (TASK_CPU.get() - task0) / 1e9, inference.get(),
                inferenceCpu.get(), -1);
    }

    /**
     * Every {@link #SAMPLE_MS} ms until interrupted: what each running Spark task thread is doing, by label, into
     * {@code tasks}; what {@code ScoreCommand} is calling on the {@code main} thread, into {@code driver}.
     */
    private static void sample(Thread main, Map<String, Long> tasks, Map<String, Long> driver) {
        while (!Thread.currentThread().isInterrupted()) {
            for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
                if (e.getKey().getName().contains("Executor task launch worker for task")
                        && e.getKey().getState() == Thread.State.RUNNABLE && e.getValue().length > 0) {
                    tasks.merge(label(e.getValue()), 1L, Long::sum);
                } else if (e.getKey() == main) {
                    driver.merge(driverLabel(e.getValue()), 1L, Long::sum);
                }
            }
            if (!Bench.pause(SAMPLE_MS)) {
                return;
            }
        }
    }

    /** The callee of {@code ScoreCommand}'s outermost frame: which step of the command the main thread is in. */
    private static String driverLabel(StackTraceElement[] stack) {
        String command = "dev.ingot.jobs.cli.ScoreCommand";
        String name = Bench.calleeLabel(stack, command, "command line (parse, load the project)", "ScoreCommand (itself)");
        int callee = Bench.callee(stack, command);
        // The line of ScoreCommand that called it: one method (a write) is called from several places.
        return callee < 0 ? name : name + " (ScoreCommand line " + stack[callee + 1].getLineNumber() + ")";
    }

    /** The innermost frame that says what the task is doing. */
    private static String label(StackTraceElement[] stack) {
        for (StackTraceElement f : stack) {
            String c = f.getClassName();
            String m = f.getMethodName();
            if (c.startsWith("ai.onnxruntime.")) {
                return "ONNX Runtime (OrtSession.run, tensors)";
            }
            if (c.startsWith("dev.ingot.scoring.internal.BatchScorer")) {
                return switch (m) {
                    case "fill", "number", "integer" -> "BatchScorer: rows to tensors";
                    case "append" -> "BatchScorer: outputs to rows";
                    default -> "BatchScorer: batching";
                };
            }
            if (c.startsWith("dev.ingot.scoring.internal.ColumnarBatchScorer")) {
                return switch (m) {
                    case "fill", "number", "integer" -> "ColumnarBatchScorer: column vectors to tensors";
                    case "write" -> "ColumnarBatchScorer: outputs to score vectors";
                    default -> "ColumnarBatchScorer: batches";
                };
            }
            if (c.startsWith("dev.ingot.scoring.internal.ModelRun")) {
                return "ModelRun: buffers, outputs to arrays";
            }
            if (c.startsWith("org.apache.spark.sql.vectorized.ColumnarBatchRow")
                    || c.startsWith("org.apache.spark.sql.execution.RDDScanExec")) {
                return "Column batch rows to UnsafeRows (the scored rows' scan)";
            }
            if (c.startsWith("org.apache.spark.sql.catalyst.encoders.") || c.startsWith("org.apache.spark.sql.RowFactory")
                    || c.startsWith("org.apache.spark.sql.catalyst.expressions.GenericRow")
                    || c.contains("SpecificSafeProjection") || c.startsWith("org.apache.spark.sql.execution.MapPartitionsExec")
                    || c.startsWith("org.apache.spark.sql.execution.DeserializeToObjectExec")
                    || c.startsWith("org.apache.spark.sql.execution.SerializeFromObjectExec")) {
                return "Row conversion (encoder, deserializer)";
            }
            if (c.startsWith("org.xerial.snappy") || c.startsWith("com.github.luben.zstd") || c.contains("Compress")) {
                return "compression codec";
            }
            if (c.contains("Parquet") || c.startsWith("org.apache.parquet")) {
                if (c.contains("Writ") || m.contains("write")) {
                    return "Parquet write";
                }
                if (c.contains("Read") || m.contains("read")) {
                    return "Parquet read";
                }
            }
            if (c.startsWith("org.apache.spark.sql.catalyst.expressions.GeneratedClass")) {
                return c.contains("GeneratedIteratorForCodegenStage") ? "Spark whole-stage code (null-check aggregation,"
                        + " selects)" : "Spark generated projections (" + c.substring(c.lastIndexOf('$') + 1) + ")";
            }
        }
        StackTraceElement top = stack[0];
        return "other: " + top.getClassName().substring(top.getClassName().lastIndexOf('.') + 1) + "." + top.getMethodName();
    }

    private static String uptime() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    private static void report(Map<String, List<Timing>> timings, Map<String, Long> samples, Map<String, Long> driver,
                               long rows, int repeat, String loadBefore, String loadAfter) {
        System.out.printf(Locale.ROOT, "%nBENCHMARK %,d rows, %d repetitions; /proc/loadavg before: %s; after: %s%n", rows,
                repeat, loadBefore, loadAfter);
        for (Map.Entry<String, List<Timing>> e : timings.entrySet()) {
            List<Timing> ts = e.getValue();
            System.out.printf(Locale.ROOT, "BENCHMARK %-10s wall median %6.2f s (%.2f .. %.2f), CPU median %6.2f s (%.2f .. %.2f),"
                            + " task CPU median %6.2f s; CPU s per million rows %.2f%n", e.getKey(),
                    median(ts, Timing::wall), min(ts, Timing::wall), max(ts, Timing::wall), median(ts, Timing::cpu),
                    min(ts, Timing::cpu), max(ts, Timing::cpu), median(ts, Timing::taskCpu),
                    median(ts, Timing::cpu) * 1e6 / rows);
        }
        List<Timing> ort = timings.get("ort");
        List<Timing> ingot = timings.get("ingot");
        System.out.printf(Locale.ROOT, "BENCHMARK (a) ONNX Runtime alone: %,.0f rows/s per core (median; %,.0f .. %,.0f)%n",
                median(ort, t -> t.rows() / t.cpu()), min(ort, t -> t.rows() / t.cpu()), max(ort, t -> t.rows() / t.cpu()));
        System.out.printf(Locale.ROOT, "BENCHMARK (b) ingot score: %,.0f rows/s end to end (wall); inference %,.0f rows/s"
                        + " per core of batch CPU time (%,.0f per summed batch time)%n", median(ingot, t -> rows / t.wall()),
                median(ingot, t -> rows / t.inferenceCpu()), median(ingot, t -> rows / t.inference()));
        // Each ratio within a repetition, then the median and range over repetitions.
        ratio(timings, "(b-rows) / (b) wall: the row path over the columnar path", "ingot_rows", "ingot", Timing::wall);
        ratio(timings, "(b-rows) / (b) CPU", "ingot_rows", "ingot", Timing::cpu);
        ratio(timings, "(b-rows) / (b) task CPU", "ingot_rows", "ingot", Timing::taskCpu);
        ratio(timings, "(b-rows) / (b) inference CPU (batch CPU time)", "ingot_rows", "ingot", Timing::inferenceCpu);
        ratio(timings, "(b-rows) / (d) wall: the row path over the floor", "ingot_rows", "floor", Timing::wall);
        ratio(timings, "(b) / (d) wall: ingot score over the floor (target <= 1.3)", "ingot", "floor", Timing::wall);
        ratio(timings, "(b) / (d) CPU", "ingot", "floor", Timing::cpu);
        ratioOf(timings, "(b) inference per core / (a) per core, CPU time (target >= 0.85)", "ingot", "ort",
                (b, a) -> (rows / b.inferenceCpu()) / (a.rows() / a.inferenceCpu()));
        ratioOf(timings, "(b) inference per core / (a) per core, elapsed batch time", "ingot", "ort",
                (b, a) -> (rows / b.inference()) / (a.rows() / a.inference()));
        ratio(timings, "(c) / (b) wall: Spark ML over ingot score (target >= 2)", "sparkml", "ingot", Timing::wall);
        ratio(timings, "(c) / (b) CPU", "sparkml", "ingot", Timing::cpu);
        if (timings.containsKey("spark_udf")) {
            ratio(timings, "(e) / (b) wall: spark_udf over ingot score (target >= 3)", "spark_udf", "ingot", Timing::wall);
            ratio(timings, "(e) / (b) CPU (process tree)", "spark_udf", "ingot", Timing::cpu);
        }
        ratio(timings, "(c) / (d) wall", "sparkml", "floor", Timing::wall);
        ratio(timings, "(d') / (d) wall: the floor written as score writes (replaceWhere)", "floor_rw", "floor", Timing::wall);
        ratio(timings, "(b) / (d') wall: ingot score over that floor", "ingot", "floor_rw", Timing::wall);
        ratio(timings, "(b) / (d') CPU", "ingot", "floor_rw", Timing::cpu);
        shares("where (b)'s task threads spend their time (profiled run; seconds: share times the timed runs' mean"
                + " task CPU, %.1f s)", samples, ingot.stream().mapToDouble(Timing::taskCpu).average().orElse(0));
        shares("where (b)'s main thread waits (profiled run; seconds: share times the timed runs' mean wall, %.1f s)",
                driver, ingot.stream().mapToDouble(Timing::wall).average().orElse(0));
    }

    /** Each label's share of the samples (those of at least 0.5%), and that share of {@code seconds}. */
    private static void shares(String title, Map<String, Long> samples, double seconds) {
        long total = samples.values().stream().mapToLong(Long::longValue).sum();
        System.out.printf(Locale.ROOT, "BENCHMARK " + title + ", %d samples:%n", seconds, total);
        samples.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .filter(w -> 200L * w.getValue() >= total)
                .forEach(w -> System.out.printf(Locale.ROOT, "BENCHMARK   %5.1f%% %6.1f s  %s%n", 100.0 * w.getValue() / total,
                        seconds * w.getValue() / total, w.getKey()));
    }

    private static void ratio(Map<String, List<Timing>> timings, String what, String num, String den,
                              java.util.function.ToDoubleFunction<Timing> f) {
        ratioOf(timings, what, num, den, (a, b) -> f.applyAsDouble(a) / f.applyAsDouble(b));
    }

    private static void ratioOf(Map<String, List<Timing>> timings, String what, String num, String den,
                                java.util.function.ToDoubleBiFunction<Timing, Timing> f) {
        List<Timing> a = timings.get(num);
        List<Timing> b = timings.get(den);
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            r.add(f.applyAsDouble(a.get(i), b.get(i)));
        }
        System.out.printf(Locale.ROOT, "BENCHMARK ratio %-70s median %.3f (%.3f .. %.3f) %s%n", what, Bench.median(r),
                r.stream().min(Double::compare).orElseThrow(), r.stream().max(Double::compare).orElseThrow(),
                r.stream().map(x -> String.format(Locale.ROOT, "%.3f", x)).collect(Collectors.joining(" ")));
    }

    private static double median(List<Timing> ts, java.util.function.ToDoubleFunction<Timing> f) {
        return Bench.median(ts.stream().map(f::applyAsDouble).toList());
    }

    private static double min(List<Timing> ts, java.util.function.ToDoubleFunction<Timing> f) {
        return ts.stream().mapToDouble(f).min().orElseThrow();
    }

    private static double max(List<Timing> ts, java.util.function.ToDoubleFunction<Timing> f) {
        return ts.stream().mapToDouble(f).max().orElseThrow();
    }


    /** The project {@code score} loads: the bench's warehouse, nothing else. */
    private static Path project(Path dir, Path warehouse) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("ingot.yaml"), "name: bench\nwarehouse: " + warehouse + "\n");
        return dir;
    }
}
