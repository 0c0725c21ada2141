package dev.ingot.jobs.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import dev.ingot.core.Catalog;
import dev.ingot.core.IngotException;
import dev.ingot.core.Psi;
import dev.ingot.core.TableName;
import dev.ingot.core.Tables;
import dev.ingot.core.config.Project;
import dev.ingot.training.ModelVersion;
import dev.ingot.training.ScoreReference;
import dev.ingot.training.TrackingStore;
import dev.ingot.validation.DriftReport;
import dev.ingot.validation.QualityMetrics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code score}'s last step: the drift of the scores just written from the model's scores on its own test window,
 * as PSI over the bins of the version's {@link ScoreReference} (logged by {@code train}). One aggregation over the
 * written rows of this date and model version counts them per bin; the PSI and each bin's share go to
 * {@code quality.metrics} (a re-run of the date replaces them), and a {@link DriftReport} with the PSI history of
 * every version scored into the table is written. A model without a reference (an ONNX file, a model registered from
 * one, a version trained before references were logged) gets the line "no reference distribution" and nothing
 * recorded: drift is information, never a reason for {@code score} to fail.
 */
final class ScoreDrift {
    /** {@code quality.metrics} metric: the PSI of a run's scores against the test window's. */
    static final String PSI = "score_psi";
    /** {@code quality.metrics} metric: a run's share of scores in one bin ({@code tags['bin']}, from 0). */
    static final String BIN_FRACTION = "score_bin_fraction";
    /** {@code quality.metrics} entity of score drift rows: their instance ({@code column}) is {@code model/version}. */
    static final String ENTITY = "Model";

    private ScoreDrift() {}

    /**
     * What was measured, or why nothing was.
     *
     * @param psi the PSI, when measured
     * @param summary the lines {@code score} prints
     */
    record Outcome(Optional<Double> psi, String summary) {}

    /**
     * The scoring run's context.
     *
     * @param runId the scoring run
     * @param scoredAt its time on the rows
     * @param day the scoring date
     * @param scores the table written
     * @param scoresVersion its Delta version holding the rows
     * @param where the rows of this date and model version in it
     */
    record Scored(String runId, Instant scoredAt, LocalDate day, TableName scores, long scoresVersion, String where) {}

    /**
     * Measures the drift of {@code model} (a registry version, or empty for a file) on the rows just written, records
     * it and writes the report into {@code reportsDir}. The main model's scores are its output columns; a
     * {@code --shadow} model's are the same names with {@code prefix} ({@code shadow_}) before them, in the same rows.
     * Rows in {@code quality.metrics} are keyed by the measured version ({@code fraud/4}), so a model's and its
     * shadow's never replace each other.
     *
     * @param columns the model's output columns, without the prefix
     * @param prefix {@code ""} for the main model, {@link ScoreCommand#SHADOW_PREFIX} for the shadow
     */
    static Outcome measure(SparkSession spark, Project p, String model, Optional<Long> version, Scored s,
                           List<String> columns, String prefix, Path reportsDir) {
        String label = prefix.isEmpty() ? "score drift" : "shadow score drift";
        if (version.isEmpty()) {
            return none(label, model, "a model scored from a file has no test window");
        }
        String who = model + " v" + version.get();
        ModelVersion v;
        ScoreReference ref;
        try (TrackingStore store = Registry.open(p, "score", () -> spark)) {
            v = store.modelVersion(model, version.get()).orElseThrow();
            String path = v.tags().get(Registry.SCORE_REFERENCE);
            if (path == null) {
                return none(label, who, "it was not trained by this Ingot ('ingot train' logs one), or was registered from an"
                        + " ONNX file");
            }
            ref = ScoreReference.parse(new String(store.downloadArtifact(v.runId(), path), StandardCharsets.UTF_8),
                    "runs:/" + v.runId() + "/" + path);
        } catch (IngotException e) {
            return none(label, who, "it could not be read: " + e.getMessage());
        }
        if (!columns.contains(ref.score())) {
            return none(label, who, "its reference describes '" + ref.score() + "', which the scores do not have (columns: "
                    + String.join(", ", columns) + ")");
        }
        String scoreColumn = prefix + ref.score();
        long[] counts = histogram(spark, s, ref, scoreColumn);
        long rows = java.util.Arrays.stream(counts).sum();
        if (rows == 0) {
            return none(label, who, "no row has a " + scoreColumn + " to compare");
        }
        double psi = ref.psi(counts);
        String instance = model + "/" + version.get();
        record(spark, s, v, instance, ref, scoreColumn, counts, psi);

        Map<String, List<DriftReport.Point>> history = new LinkedHashMap<>();
        for (QualityMetrics.Entry e : QualityMetrics.read(spark, s.scores().toString(), PSI)) {
            history.computeIfAbsent(e.instance().replace("/", " v"), k -> new ArrayList<>())
                    .add(new DriftReport.Point(e.tags().getOrDefault("score_date", "?"), e.value()));
        }
        double[] expected = ref.fractions();
        List<DriftReport.Bin> bins = new ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            bins.add(new DriftReport.Bin(ref.label(i), expected[i], counts[i] / (double) rows));
        }
        Path report = new DriftReport(s.runId(), s.scoredAt(), s.scores().toString(), scoreColumn + " of " + who
                + " on " + s.day(), "the test window of " + who + String.format(Locale.ROOT, " (%,d rows)", ref.rows()),
                psi, bins, history).write(reportsDir, "v" + version.get());
        return new Outcome(Optional.of(psi), String.format(Locale.ROOT,
                "%s (PSI vs the test window of %s, %,d rows in %d bins): %s%n%s report: %s%n", label, who, rows,
                ref.bins(), Psi.describe(psi), prefix.isEmpty() ? "drift" : "shadow drift", report));
    }

    /**
     * Removes the drift rows of {@code s}'s table and date measured for model versions other than {@code keep} (this
     * run's main and shadow versions, whose rows {@link #measure} replaces). A run replaces the date's rows in the
     * scores table, so the drift of a version that no longer scored them (the shadow of an earlier run of the date,
     * or its main model when another one scores the date again) must not stay beside this run's as if it had.
     * Writes nothing when there is no such row.
     *
     * @param keep instances ({@code model/version}) this run measures
     */
    static void forgetOthers(SparkSession spark, Scored s, List<String> keep) {
        if (!Catalog.tableExists(spark, Tables.QUALITY_METRICS)) {
            return;
        }
        long date = s.day().atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        String where = "`table` = " + Catalog.literal(s.scores().toString()) + " AND dataset_date = "
                + date + " AND check_id IS NULL AND metric IN (" + Catalog.literal(PSI) + ", "
                + Catalog.literal(BIN_FRACTION) + ")" + (keep.isEmpty() ? "" : " AND `column` NOT IN ("
                + String.join(", ", keep.stream().map(Catalog::literal).toList()) + ")");
        String metrics = Tables.QUALITY_METRICS.sql();
        if (!spark.table(metrics).where(where).isEmpty()) {
            spark.sql("DELETE FROM " + metrics + " WHERE " + where);
        }
    }

    private static Outcome none(String label, String who, String why) {
        return new Outcome(Optional.empty(), label + ": no reference distribution for " + who + " (" + why
                + "); nothing recorded\n");
    }

    /** Rows per bin of the reference: one aggregation over the rows written, at the version written. */
    private static long[] histogram(SparkSession spark, Scored s, ScoreReference ref, String scoreColumn) {
        Column score = col(scoreColumn);
        Column bin = lit(ref.bins() - 1);
        // Innermost first: the first edge at or above the score is its bin, as ScoreReference.bin says.
        for (int i = ref.edges().size() - 1; i >= 0; i--) {
            bin = when(score.leq(ref.edges().get(i)), i).otherwise(bin);
        }
        long[] counts = new long[ref.bins()];
        for (Row r : spark.read().format("delta").option("versionAsOf", s.scoresVersion()).table(s.scores().sql())
                .where(s.where()).where(score.isNotNull().and(isnan(score).unary_$bang()))
                .groupBy(bin.as("bin")).count().collectAsList()) {
            counts[r.getInt(0)] = r.getLong(1);
        }
        return counts;
    }

    /** The PSI and the share per bin, in one commit replacing those of an earlier run of the same date and version. */
    private static void record(SparkSession spark, Scored s, ModelVersion v, String instance, ScoreReference ref,
                               String scoreColumn, long[] counts, double psi) {
        long rows = java.util.Arrays.stream(counts).sum();
        long date = s.day().atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("score_date", s.day().toString());
        tags.put("model", v.model());
        tags.put("model_version", Long.toString(v.version()));
        tags.put("model_run_id", v.runId());
        tags.put("score_column", scoreColumn);
        tags.put("reference", "runs:/" + v.runId() + "/" + v.tags().get(Registry.SCORE_REFERENCE));
        tags.put("reference_rows", Long.toString(ref.rows()));
        tags.put("rows", Long.toString(rows));
        List<QualityMetrics.Entry> entries = new ArrayList<>();
        OptionalLong version = OptionalLong.of(s.scoresVersion());
        String table = s.scores().toString();
        entries.add(new QualityMetrics.Entry(s.runId(), table, version, ENTITY, instance, PSI, psi, s.scoredAt(), date, tags));
        double[] expected = ref.fractions();
        for (int i = 0; i < counts.length; i++) {
            Map<String, String> t = new LinkedHashMap<>(tags);
            t.put("bin", Integer.toString(i));
            t.put("bin_range", ref.label(i));
            t.put("reference_fraction", Double.toString(expected[i]));
            entries.add(new QualityMetrics.Entry(s.runId(), table, version, ENTITY, instance, BIN_FRACTION,
                    counts[i] / (double) rows, s.scoredAt(), date, t));
        }
        QualityMetrics.replace(spark, entries);
    }
}
