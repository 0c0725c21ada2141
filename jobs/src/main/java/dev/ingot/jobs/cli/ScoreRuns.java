package dev.ingot.jobs.cli;

import dev.ingot.core.Catalog;
import dev.ingot.core.CorePrice;
import dev.ingot.core.TableName;
import dev.ingot.core.TableDoc;
import dev.ingot.core.Tables;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code ingot.score_runs}: what each scoring run measured, one row per run, appended after its scores commit.
 * Throughput is over the command's wall time; latency is ONNX Runtime's time per batch ({@code OrtSession.run});
 * CPU is the executor CPU time of every task the command ran (the null-count pass, inference and the Delta writes),
 * measured as {@code ingot train} measures it; the cost per million predictions is present only when
 * {@code ingot.yaml} sets {@code cost.price_per_core_hour}.
 *
 * <p>A run with {@code --shadow} also keeps the shadow's version, digest and its own batch latencies in the
 * {@code shadow_*} columns (null for runs without); rows/s and CPU are then those of both models together. Those
 * columns came after the table did: appends merge the schema, so a table written before them gains them.
 * The score drift (PSI against the model's test window, see {@link ScoreDrift}) is kept only for a model with a
 * score reference ({@code score_psi}, added the same way), and the shadow's against its own version's
 * ({@code shadow_score_psi}).
 */
final class ScoreRuns {
    static final StructType SCHEMA = new StructType()
            .add("run_id", DataTypes.StringType, false, "The scoring run (its id is the lineage's)")
            .add("started_at", DataTypes.TimestampType, false, "When the command started")
            .add("finished_at", DataTypes.TimestampType, false, "When it finished")
            .add("model_name", DataTypes.StringType, false, "The model scored")
            .add("model_version", DataTypes.LongType, true, "Its registry version; null for a .onnx file")
            .add("model_sha256", DataTypes.StringType, false, "SHA-256 of the ONNX model scored")
            .add("input_table", DataTypes.StringType, false, "The table scored")
            .add("input_version", DataTypes.LongType, true, "Its Delta version read; null for a table that is not "
                    + "Delta")
            .add("output_table", DataTypes.StringType, false, "The scores table written, scores.<out>")
            .add("output_version", DataTypes.LongType, false, "The Delta version of the scores' commit")
            .add("score_date", DataTypes.DateType, false, "The scoring date (the scores' partition)")
            .add("rows", DataTypes.LongType, false, "Rows scored and written")
            .add("rows_quarantined", DataTypes.LongType, false, "Rows sent to quarantine (null or NaN inputs)")
            .add("seconds", DataTypes.DoubleType, false, "The command's wall time: reading, checking, scoring, writing")
            .add("rows_per_second", DataTypes.DoubleType, false, "rows over seconds")
            .add("batch_size", DataTypes.IntegerType, false, "--batch-size: rows per ONNX Runtime batch")
            .add("batches", DataTypes.LongType, false, "Batches ONNX Runtime ran")
            .add("batch_p50_ms", DataTypes.DoubleType, false, "Median time of one ONNX Runtime batch (inference "
                    + "alone), ms")
            .add("batch_p95_ms", DataTypes.DoubleType, false, "95th percentile of the batch time, ms")
            .add("batch_p99_ms", DataTypes.DoubleType, false, "99th percentile of the batch time, ms")
            .add("executor_cpu_seconds", DataTypes.DoubleType, false, "Executor CPU seconds of every task of the "
                    + "command")
            .add("cpu_seconds_per_million_rows", DataTypes.DoubleType, true, "executor_cpu_seconds per million rows "
                    + "scored")
            .add("price_per_core_hour", DataTypes.DoubleType, true, "cost.price_per_core_hour of ingot.yaml; null "
                    + "when not set")
            .add("cost_per_million", DataTypes.DoubleType, true, "Cost of scoring a million rows at that price; null "
                    + "without a price")
            .add("cost_currency", DataTypes.StringType, true, "The price's currency; null without a price")
            .add("shadow_model_version", DataTypes.LongType, true, "The --shadow model's registry version; null "
                    + "without --shadow")
            .add("shadow_model_sha256", DataTypes.StringType, true, "SHA-256 of the --shadow model")
            .add("shadow_batches", DataTypes.LongType, true, "Batches ONNX Runtime ran for the shadow")
            .add("shadow_batch_p50_ms", DataTypes.DoubleType, true, "Median batch time of the shadow, ms")
            .add("shadow_batch_p95_ms", DataTypes.DoubleType, true, "95th percentile batch time of the shadow, ms")
            .add("shadow_batch_p99_ms", DataTypes.DoubleType, true, "99th percentile batch time of the shadow, ms")
            .add("score_psi", DataTypes.DoubleType, true, "Score drift (PSI) against the model version's test window; "
                    + "null without a score reference")
            .add("shadow_score_psi", DataTypes.DoubleType, true, "The same for the --shadow model against its own "
                    + "version's test window");

    static final TableDoc DOC = TableDoc.of("One row per scoring run (ingot score): the model and its digest, the "
            + "input and output Delta versions, rows, throughput, ONNX Runtime batch latency, CPU, cost and score drift."
            + " Appended to, never updated.");

    private ScoreRuns() {}

    /** Milliseconds per batch at three percentiles. */
    record Latency(double p50, double p95, double p99) {}

    /** The {@code --shadow} model of a run: its version, digest, and ONNX Runtime's time per batch for it. */
    record ShadowRun(long version, String sha256, long batches, Latency batchMillis) {}

    /**
     * One scoring run's figures.
     *
     * @param modelVersion the registry version, empty for a file
     * @param inputVersion the input's Delta version read, empty for a table that is not Delta
     * @param rows rows scored (quarantined rows excluded)
     * @param seconds the command's wall time
     * @param batchMillis ONNX Runtime's time per batch at the 50th, 95th and 99th percentiles
     * @param cpuSeconds executor CPU seconds of the command's tasks
     * @param price the configured price of a core-hour, if any
     * @param shadow the {@code --shadow} model's figures, if one scored too
     * @param scorePsi the PSI of the scores against the model's test window, when it has a reference
     * @param shadowScorePsi the same for the {@code --shadow} model's scores against its own version's test window
     */
    record Run(String runId, Instant startedAt, Instant finishedAt, String modelName, Optional<Long> modelVersion,
               String modelSha256, TableName input, Optional<Long> inputVersion, TableName output, long outputVersion,
               LocalDate scoreDate, long rows, long rowsQuarantined, double seconds, int batchSize, long batches,
               Latency batchMillis, double cpuSeconds, Optional<CorePrice> price, Optional<ShadowRun> shadow,
               Optional<Double> scorePsi, Optional<Double> shadowScorePsi) {

        double rowsPerSecond() {
            return rows / Math.max(seconds, 1e-9);
        }

        /** Executor CPU seconds per million rows scored; empty when no row was. */
        Optional<Double> cpuPerMillion() {
            return rows > 0 ? Optional.of(cpuSeconds * 1_000_000.0 / rows) : Optional.empty();
        }

        /** The cost of a million predictions at the configured price; empty without a price or rows. */
        Optional<CorePrice.Money> costPerMillion() {
            return rows > 0 ? price.map(p -> p.perMillion(cpuSeconds, rows)) : Optional.empty();
        }

        /** The line {@code ingot score} prints after its throughput: latency, CPU and cost. */
        String summary() {
            return String.format(Locale.ROOT, "inference: %,d batches of up to %,d rows, p50 %.2f ms, p95 %.2f ms, "
                            + "p99 %.2f ms; executor CPU %.3f s%s%s%n", batches, batchSize, batchMillis.p50(),
                    batchMillis.p95(), batchMillis.p99(), cpuSeconds,
                    cpuPerMillion().map(c -> String.format(Locale.ROOT, " (%.3f s per million rows)", c)).orElse(""),
                    costPerMillion().map(m -> "; " + m + " per million predictions at " + price.get()).orElse(""))
                    + shadow.map(s -> String.format(Locale.ROOT, "shadow inference (v%d): %,d batches, p50 %.2f ms, "
                            + "p95 %.2f ms, p99 %.2f ms%n", s.version(), s.batches(), s.batchMillis().p50(),
                            s.batchMillis().p95(), s.batchMillis().p99())).orElse("");
        }

        Row row() {
            return RowFactory.create(runId, Timestamp.from(startedAt), Timestamp.from(finishedAt), modelName,
                    modelVersion.orElse(null), modelSha256, input.toString(), inputVersion.orElse(null),
                    output.toString(), outputVersion, Date.valueOf(scoreDate), rows, rowsQuarantined, seconds,
                    rowsPerSecond(), batchSize, batches, batchMillis.p50(), batchMillis.p95(), batchMillis.p99(), cpuSeconds,
                    cpuPerMillion().orElse(null), price.map(CorePrice::perCoreHour).orElse(null),
                    costPerMillion().map(CorePrice.Money::amount).orElse(null),
                    costPerMillion().map(CorePrice.Money::currency).orElse(null),
                    shadow.map(ShadowRun::version).orElse(null), shadow.map(ShadowRun::sha256).orElse(null),
                    shadow.map(ShadowRun::batches).orElse(null), shadow.map(s -> s.batchMillis().p50()).orElse(null),
                    shadow.map(s -> s.batchMillis().p95()).orElse(null), shadow.map(s -> s.batchMillis().p99()).orElse(null),
                    scorePsi.orElse(null), shadowScorePsi.orElse(null));
        }
    }

    /** Appends the run to {@code ingot.score_runs}, creating the table when missing. */
    static void record(SparkSession spark, Run run) {
        Catalog.appendRows(spark, Tables.SCORE_RUNS, SCHEMA, List.of(run.row()), DOC);
    }
}
