package dev.ingot.jobs.cli;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.percentile_approx;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.ingot.core.Catalog;
import dev.ingot.core.Errors;
import dev.ingot.core.Psi;
import dev.ingot.core.TableName;
import dev.ingot.core.Tables;
import dev.ingot.scoring.Scorer;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The main model against its shadow on the rows of one scoring date of {@code scores.<name>} (written by
 * {@code ingot score --shadow ALIAS}): how often their labels agree, with the confusion table of main against shadow
 * labels, and how the distributions of the positive-class probability (a regressor's prediction) differ. What
 * {@code ingot models compare} prints, and what the demo's summary shows.
 *
 * <p>When the date holds rows of more than one pair of versions (the main or the shadow changed between runs of the
 * same day), the pair of the latest run ({@code scored_at}) is compared. Rows where either score is null or NaN
 * count for the labels but not for the distributions.
 *
 * <p>How each figure is computed: one aggregation pass gives the counts, agreement, means, mean and max absolute
 * difference and the percentiles ({@code percentile_approx} at its default accuracy: within 1/10,000 of the rank); a
 * grouped count gives the confusion table; one pass over the distinct score values, sorted, gives the
 * Kolmogorov-Smirnov statistic exactly (the largest gap between the two empirical CDFs, ties handled) and the PSI.
 * PSI uses {@value #PSI_BINS} equal-width bins, over [0, 1] for probabilities and over [min, max] of both models'
 * predictions for a regressor, with the main model as the expected distribution; an empty bin's share is
 * {@link Psi#EPSILON}. Equal-width rather than quantile bins, because tree models put many rows on the same few
 * probabilities and quantile edges then collapse.
 *
 * @param table the scores table
 * @param date the scoring date compared
 * @param model the registered model
 * @param mainVersion the main model's version
 * @param shadowVersion the shadow's version
 * @param rows the rows compared (the main and shadow scores of one row each)
 * @param labels label agreement, for classifiers
 * @param scores score distributions; empty when the table has no positive-class probability or prediction columns
 *     for both, or no row has both
 */
public record ScoreComparison(TableName table, LocalDate date, String model, long mainVersion, long shadowVersion,
                              long rows, Optional<Labels> labels, Optional<Distributions> scores) {
    /** Equal-width bins of the PSI. */
    public static final int PSI_BINS = 10;

    public ScoreComparison {
        Errors.required(table, "ScoreComparison.table");
        Errors.required(date, "ScoreComparison.date");
        Errors.required(model, "ScoreComparison.model");
        Errors.required(labels, "ScoreComparison.labels");
        Errors.required(scores, "ScoreComparison.scores");
    }

    /**
     * Label agreement.
     *
     * @param agreeing rows whose main and shadow labels are equal
     * @param classes the labels seen in either column, in order
     * @param counts {@code counts.get(i).get(j)}: rows the main model labelled {@code classes[i]} and the shadow
     *     {@code classes[j]}
     */
    public record Labels(long agreeing, long rows, List<String> classes, List<List<Long>> counts) {
        public Labels {
            classes = List.copyOf(classes);
            counts = counts.stream().map(List::copyOf).toList();
        }

        /** The fraction of rows whose labels agree; NaN without rows. */
        public double agreement() {
            return rows == 0 ? Double.NaN : agreeing / (double) rows;
        }
    }

    /** Mean and percentiles of one model's scores. */
    public record Stats(double mean, double p50, double p90, double p99) {}

    /**
     * The two score distributions.
     *
     * @param column the score column compared ({@code probability} or {@code prediction}) and its {@code shadow_} twin
     * @param rows rows where both scores are numbers
     * @param meanAbsDiff mean of |main - shadow| per row
     * @param maxAbsDiff largest |main - shadow|
     * @param ks Kolmogorov-Smirnov statistic, 0 to 1
     * @param psi population stability index of the shadow against the main model
     * @param binFrom the lower edge of the PSI bins
     * @param binTo the upper edge of the PSI bins
     */
    public record Distributions(String column, long rows, Stats main, Stats shadow, double meanAbsDiff,
                                double maxAbsDiff, double ks, double psi, double binFrom, double binTo) {}

    /**
     * Compares the main and shadow scores of {@code scores.<name>} on a date.
     *
     * @param name the scores table's name (as given to {@code score --out})
     * @param date the scoring date; empty for the latest date with shadow scores
     * @throws dev.ingot.core.IngotException (bad input) for an unknown table, a table without shadow columns, or a
     *     date without shadow scores
     */
    public static ScoreComparison of(SparkSession spark, String name, Optional<LocalDate> date) {
        TableName t = Tables.scores(name);
        if (!Catalog.tableExists(spark, t)) {
            throw Errors.badArgument("--scores", name, "the name of an existing scores table (" + t + " does not exist): "
                    + "write one with 'ingot score ... --out " + name + " --shadow ALIAS'");
        }
        Dataset<Row> all = spark.table(t.sql());
        List<String> columns = Arrays.asList(all.columns());
        if (!columns.contains(ScoreCommand.SHADOW_MODEL_VERSION)) {
            throw Errors.badData("compare the models of " + t, "it has no shadow columns ("
                    + ScoreCommand.SHADOW_MODEL_VERSION + "): no run scored into it with a shadow",
                    "score with a shadow first: 'ingot score ... --out " + name + " --shadow challenger'");
        }
        Column shadowed = col(ScoreCommand.SHADOW_MODEL_VERSION).isNotNull();
        LocalDate day = date.orElseGet(() -> {
            Row latest = all.where(shadowed).agg(max(ScoreCommand.SCORE_DATE)).first();
            if (latest.isNullAt(0)) {
                throw Errors.badData("compare the models of " + t, "no row of it has shadow scores",
                        "score with a shadow first: 'ingot score ... --out " + name + " --shadow challenger'");
            }
            return latest.getDate(0).toLocalDate();
        });
        Dataset<Row> ofDay = all.where(col(ScoreCommand.SCORE_DATE).equalTo(lit(java.sql.Date.valueOf(day))).and(shadowed));
        // The pair of the day's latest run: rows of another pair scored earlier the same day are not mixed in.
        List<Row> latest = ofDay.orderBy(col(ScoreCommand.SCORED_AT).desc()).select(ScoreCommand.MODEL_NAME,
                ScoreCommand.MODEL_VERSION, ScoreCommand.SHADOW_MODEL_VERSION).limit(1).collectAsList();
        if (latest.isEmpty()) {
            List<String> days = all.where(shadowed).select(ScoreCommand.SCORE_DATE).distinct()
                    .orderBy(ScoreCommand.SCORE_DATE).collectAsList().stream().map(r -> r.get(0).toString()).toList();
            throw Errors.badData("compare the models of " + t + " on " + day, "no row of that date has shadow scores "
                    + "(dates with some: " + days + ")", "pass one of those dates, or score " + day + " with a shadow: "
                    + "'ingot score ... --out " + name + " --date " + day + " --shadow challenger'");
        }
        String model = latest.get(0).getString(0);
        long mainVersion = latest.get(0).getLong(1);
        long shadowVersion = latest.get(0).getLong(2);
        Dataset<Row> rows = ofDay.where(col(ScoreCommand.MODEL_NAME).equalTo(model)
                .and(col(ScoreCommand.MODEL_VERSION).equalTo(mainVersion))
                .and(col(ScoreCommand.SHADOW_MODEL_VERSION).equalTo(shadowVersion)));

        String label = Scorer.LABEL;
        String shadowLabel = ScoreCommand.SHADOW_PREFIX + label;
        boolean hasLabels = columns.contains(label) && columns.contains(shadowLabel);
        Optional<String> scoreColumn = List.of(Scorer.PROBABILITY, Scorer.PREDICTION).stream()
                .filter(c -> columns.contains(c) && columns.contains(ScoreCommand.SHADOW_PREFIX + c)).findFirst();
        Column m = col(scoreColumn.orElse(Scorer.PROBABILITY)).cast("double");
        Column s = col(ScoreCommand.SHADOW_PREFIX + scoreColumn.orElse(Scorer.PROBABILITY)).cast("double");
        Column both = scoreColumn.isEmpty() ? lit(false)
                : m.isNotNull().and(s.isNotNull()).and(isnan(m).unary_$bang()).and(isnan(s).unary_$bang());

        // One pass: counts, agreement, means, differences, range and percentiles.
        Column qs = array(lit(0.5), lit(0.9), lit(0.99));
        List<Column> aggs = new ArrayList<>(List.of(
                hasLabels ? sum(when(col(label).eqNullSafe(col(shadowLabel)), 1L).otherwise(0L)) : lit(0L),
                count(when(both, 1)), avg(when(both, m)), avg(when(both, s)),
                percentile_approx(when(both, m), qs, lit(10_000)), percentile_approx(when(both, s), qs, lit(10_000)),
                avg(when(both, abs(m.minus(s)))), max(when(both, abs(m.minus(s)))),
                min(when(both, least(m, s))), max(when(both, greatest(m, s)))));
        Row a = rows.agg(count(lit(1)), aggs.toArray(Column[]::new)).first();
        long total = a.getLong(0);

        Optional<Labels> labels = hasLabels ? Optional.of(confusion(rows, label, shadowLabel, a.getLong(1), total))
                : Optional.empty();
        Optional<Distributions> scores = Optional.empty();
        long numeric = a.getLong(2);
        if (scoreColumn.isPresent() && numeric > 0) {
            boolean probability = scoreColumn.get().equals(Scorer.PROBABILITY);
            double from = probability ? 0 : a.getDouble(9);
            double to = probability ? 1 : a.getDouble(10);
            double[] ksPsi = ksAndPsi(rows.where(both), m, s, numeric, from, to);
            scores = Optional.of(new Distributions(scoreColumn.get(), numeric, stats(a.getDouble(3), a.getList(5)),
                    stats(a.getDouble(4), a.getList(6)), a.getDouble(7), a.getDouble(8), ksPsi[0], ksPsi[1], from, to));
        }
        return new ScoreComparison(t, day, model, mainVersion, shadowVersion, total, labels, scores);
    }

    private static Stats stats(double mean, List<Object> q) {
        return new Stats(mean, ((Number) q.get(0)).doubleValue(), ((Number) q.get(1)).doubleValue(),
                ((Number) q.get(2)).doubleValue());
    }

    private static Labels confusion(Dataset<Row> rows, String label, String shadowLabel, long agreeing, long total) {
        List<Row> cells = rows.groupBy(col(label).cast("string"), col(shadowLabel).cast("string")).count().collectAsList();
        // Numeric labels in numeric order (2 before 10), others as text; a null label shows as "null".
        Comparator<String> order = Comparator.comparing((String c) -> !c.matches("-?[0-9]{1,18}"))
                .thenComparing(c -> c.matches("-?[0-9]{1,18}") ? Long.parseLong(c) : 0L).thenComparing(c -> c);
        List<String> classes = cells.stream().flatMap(r -> java.util.stream.Stream.of(text(r, 0), text(r, 1)))
                .distinct().sorted(order).toList();
        long[][] counts = new long[classes.size()][classes.size()];
        for (Row r : cells) {
            counts[classes.indexOf(text(r, 0))][classes.indexOf(text(r, 1))] += r.getLong(2);
        }
        List<List<Long>> matrix = Arrays.stream(counts).map(rowCounts -> Arrays.stream(rowCounts).boxed().toList()).toList();
        return new Labels(agreeing, total, classes, matrix);
    }

    private static String text(Row r, int i) {
        return r.isNullAt(i) ? "null" : r.getString(i);
    }

    /**
     * KS and PSI from one sorted pass over the distinct values: each row's two scores become two (value, is-main)
     * entries, counted per value; walking the values in order, the gap between the two CDFs is taken after each value
     * (so tied values move both CDFs at once, as the exact statistic wants), and each value's counts go to its bin.
     */
    private static double[] ksAndPsi(Dataset<Row> rows, Column m, Column s, long n, double from, double to) {
        Dataset<Row> values = rows.select(explode(array(struct(m.as("v"), lit(1L).as("main")),
                struct(s.as("v"), lit(0L).as("main")))).as("e")).select(col("e.v").as("v"), col("e.main").as("main"));
        Iterator<Row> it = values.groupBy("v").agg(sum("main").as("a"), count(lit(1)).as("c")).orderBy("v")
                .toLocalIterator();
        long[] mainBins = new long[PSI_BINS];
        long[] shadowBins = new long[PSI_BINS];
        long cumMain = 0;
        long cumShadow = 0;
        double ks = 0;
        while (it.hasNext()) {
            Row r = it.next();
            double v = r.getDouble(0);
            long inMain = r.getLong(1);
            long inShadow = r.getLong(2) - inMain;
            cumMain += inMain;
            cumShadow += inShadow;
            ks = Math.max(ks, Math.abs(cumMain / (double) n - cumShadow / (double) n));
            int b = to > from ? (int) Math.floor((v - from) / (to - from) * PSI_BINS) : 0;
            b = Math.max(0, Math.min(PSI_BINS - 1, b));
            mainBins[b] += inMain;
            shadowBins[b] += inShadow;
        }
        return new double[] {ks, Psi.of(mainBins, shadowBins)};
    }

    /** What {@code models compare} prints. */
    public String summary() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%s on %s: %s v%d (main) against v%d (shadow), %,d rows%n", table, date,
                model, mainVersion, shadowVersion, rows));
        if (mainVersion == shadowVersion) {
            b.append("note: the shadow is the main version itself, so the two agree by construction\n");
        }
        labels.ifPresent(l -> {
            b.append(String.format(Locale.ROOT, "labels: %.4f agree (%,d of %,d rows)%n", l.agreement(), l.agreeing(),
                    l.rows()));
            List<List<String>> grid = new ArrayList<>();
            List<String> head = new ArrayList<>(List.of("  main \\ shadow"));
            head.addAll(l.classes());
            grid.add(head);
            for (int i = 0; i < l.classes().size(); i++) {
                List<String> r = new ArrayList<>(List.of("  " + l.classes().get(i)));
                l.counts().get(i).forEach(c -> r.add(String.format(Locale.ROOT, "%,d", c)));
                grid.add(r);
            }
            b.append(ModelsCommand.align(grid));
        });
        if (scores.isEmpty()) {
            b.append("scores: no positive-class probability or prediction in both models' columns to compare\n");
            return b.toString();
        }
        Distributions d = scores.get();
        Map<String, double[]> table = new LinkedHashMap<>();
        table.put("mean", new double[] {d.main().mean(), d.shadow().mean()});
        table.put("p50", new double[] {d.main().p50(), d.shadow().p50()});
        table.put("p90", new double[] {d.main().p90(), d.shadow().p90()});
        table.put("p99", new double[] {d.main().p99(), d.shadow().p99()});
        List<List<String>> grid = new ArrayList<>();
        grid.add(List.of("  " + d.column() + String.format(Locale.ROOT, " (%,d rows)", d.rows()), "main", "shadow"));
        table.forEach((k, v) -> grid.add(List.of("  " + k, fmt(v[0]), fmt(v[1]))));
        b.append(ModelsCommand.align(grid));
        b.append(String.format(Locale.ROOT, "  mean |diff| %s, max |diff| %s, KS %s, PSI %s (%d equal-width bins over "
                        + "[%s, %s], main as expected)%n", fmt(d.meanAbsDiff()), fmt(d.maxAbsDiff()), fmt(d.ks()),
                fmt(d.psi()), PSI_BINS, fmt(d.binFrom()), fmt(d.binTo())));
        return b.toString();
    }

    /**
     * What {@code models compare --format json} prints: the same figures as {@link #summary()}, unrounded; a figure
     * that is not a number (the agreement of no rows) is {@code null}.
     */
    public com.fasterxml.jackson.databind.node.ObjectNode toJson() {
        var o = ModelsCommand.JSON.createObjectNode();
        o.put("table", table.toString());
        o.put("date", date.toString());
        o.put("model", model);
        o.put("main_version", mainVersion);
        o.put("shadow_version", shadowVersion);
        o.put("rows", rows);
        labels.ifPresentOrElse(l -> {
            var n = o.putObject("labels");
            number(n, "agreement", l.agreement());
            n.put("agreeing", l.agreeing());
            n.put("rows", l.rows());
            var classes = n.putArray("classes");
            l.classes().forEach(classes::add);
            var counts = n.putArray("counts");
            l.counts().forEach(r -> {
                var row = counts.addArray();
                r.forEach(row::add);
            });
        }, () -> o.putNull("labels"));
        scores.ifPresentOrElse(d -> {
            var n = o.putObject("scores");
            n.put("column", d.column());
            n.put("rows", d.rows());
            stats(n.putObject("main"), d.main());
            stats(n.putObject("shadow"), d.shadow());
            number(n, "mean_abs_diff", d.meanAbsDiff());
            number(n, "max_abs_diff", d.maxAbsDiff());
            number(n, "ks", d.ks());
            number(n, "psi", d.psi());
            n.put("psi_bins", PSI_BINS);
            number(n, "bin_from", d.binFrom());
            number(n, "bin_to", d.binTo());
        }, () -> o.putNull("scores"));
        return o;
    }

    private static void stats(com.fasterxml.jackson.databind.node.ObjectNode n, Stats s) {
        number(n, "mean", s.mean());
        number(n, "p50", s.p50());
        number(n, "p90", s.p90());
        number(n, "p99", s.p99());
    }

    /** JSON has no NaN or infinity: those are null. */
    private static void number(com.fasterxml.jackson.databind.node.ObjectNode n, String key, double x) {
        if (Double.isFinite(x)) {
            n.put(key, x);
        } else {
            n.putNull(key);
        }
    }

    private static String fmt(double x) {
        return String.format(Locale.ROOT, "%.4f", x);
    }
}
