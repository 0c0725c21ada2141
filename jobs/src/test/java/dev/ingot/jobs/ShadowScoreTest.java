package dev.ingot.jobs;

import static dev.ingot.jobs.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ingot.core.Catalog;
import dev.ingot.core.Lineage;
import dev.ingot.core.Location;
import dev.ingot.core.TableName;
import dev.ingot.core.Tables;
import dev.ingot.core.TestFiles;
import dev.ingot.core.TestSpark;
import dev.ingot.core.config.TrackingSettings;
import dev.ingot.jobs.Cli.Result;
import dev.ingot.jobs.cli.ScoreComparison;
import dev.ingot.scoring.SklearnModels;
import dev.ingot.training.ModelVersion;
import dev.ingot.training.ScoreReference;
import dev.ingot.validation.QualityMetrics;
import dev.ingot.training.TrackingStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code score --shadow} and {@code models compare} on two versions of one model trained by {@code train} from a
 * materialized feature view (so they have training sets and feature tables to trace): v1 a lightly regularized
 * logistic regression, v2 (the challenger) a heavily regularized one, so their scores differ on every row.
 */
class ShadowScoreTest {
    private static final String MODEL = "shadow_fraud";
    private static final String SPINE = "shadow_score.orders";
    private static final int ROWS = 200;
    private static SparkSession spark;
    private static TrackingStore store;
    private static Path project;
    private static ModelVersion v1;
    private static ModelVersion v2;
    private static String input;

    @BeforeAll
    static void twoVersions(@TempDir Path dir) throws IOException {
        spark = TestSpark.session();
        spark.sql("CREATE DATABASE IF NOT EXISTS shadow_score");
        // Five customers, an order each every 25 hours; a customer's amounts (and so past spend) predict the label.
        spark.sql("SELECT id AS order_id, CAST(id % 5 AS BIGINT) AS customer_id, timestamp_seconds(1767225600 + id * 18000) AS ts, "
                        + "CAST((id % 5) * 20 + pmod(hash(id, 1), 30) AS DOUBLE) AS amount FROM range(" + ROWS + ")")
                .selectExpr("*", "CAST(amount + pmod(hash(order_id, 3), 40) > 70 AS INT) AS label")
                .write().format("delta").mode("overwrite").saveAsTable(SPINE);
        project = dir.resolve("shop");
        TestFiles.write(project, "ingot.yaml", "name: shop\nwarehouse: " + TestSpark.warehouse() + "\n");
        TestFiles.write(project, "sources/shadow_orders.yaml", "table: " + SPINE + "\nevent_time: ts\n");
        TestFiles.write(project, "feature_views/shadow_spend.yaml", """
                source: shadow_orders
                entities: [customer_id]
                aggregations:
                  - {name: spend, function: sum, column: amount, windows: [2d, 7d]}
                """);
        store = TrackingStore.open(TrackingSettings.local(), spark, Location.of(TestSpark.warehouse()));
        Result m = run("features", "materialize", "--project", project.toString(), "--view", "shadow_spend",
                "--from", "2026-01-01", "--to", "2026-02-14");
        assertThat(m.code()).as(m.out() + m.err()).isZero();
        v1 = train("{maxIter: 30, regParam: 0.0}");
        v2 = train("{maxIter: 30, regParam: 1.0}");
        assertThat(v2.version()).isEqualTo(v1.version() + 1);
        assertThat(store.versionByAlias(MODEL, "challenger").orElseThrow().version()).isEqualTo(v2.version());
        input = Tables.trainingSet(MODEL).toString();
    }

    private static ModelVersion train(String params) {
        TestFiles.write(project, "models/" + MODEL + ".yaml", """
                spine: %s
                timestamp: ts
                label: label
                features: [shadow_spend]
                algorithm:
                  type: logistic_regression
                  params: %s
                test_window: 10d
                """.formatted(SPINE, params));
        Result r = run("train", "--project", project.toString(), "--model", MODEL);
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        return store.versionByAlias(MODEL, "challenger").orElseThrow();
    }

    @AfterAll
    static void close() {
        store.close();
    }

    private static Result score(String... args) {
        List<String> all = new ArrayList<>(List.of("score", "--project", project.toString(), "--input", input,
                "--keys", "order_id", "--nulls", "impute"));
        all.addAll(List.of(args));
        return run(all.toArray(String[]::new));
    }

    private static Result compare(String... args) {
        List<String> all = new ArrayList<>(List.of("models", "compare", "--project", project.toString()));
        all.addAll(List.of(args));
        return run(all.toArray(String[]::new));
    }

    private static com.fasterxml.jackson.databind.JsonNode readJson(String text) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Map<Long, Row> byKey(TableName t, String where) {
        Map<Long, Row> m = new TreeMap<>();
        spark.table(t.sql()).where(where).collectAsList().forEach(r -> m.put(r.<Long>getAs("order_id"), r));
        return m;
    }

    @Test
    void theShadowScoresTheSameRowsAsItWouldAloneInTheSameTableAndComparesExactly() {
        TableName out = Tables.scores("shadow_daily");
        Result first = score("--model", MODEL + "/" + v1.version(), "--shadow", "challenger", "--out", "shadow_daily",
                "--date", "2026-11-30", "--batch-size", "32");
        assertThat(first.code()).as(first.out() + first.err()).isZero();
        assertThat(first.out()).contains("200 rows scored by " + MODEL + " v" + v1.version())
                .contains("shadow: " + MODEL + "@challenger = v" + v2.version())
                .contains("shadow inference (v" + v2.version() + "): ").doesNotContain("note:");
        assertThat(spark.table(out.sql()).columns()).containsExactly("order_id", "label", "probability", "probabilities",
                "model_name", "model_version", "model_run_id", "model_sha256", "scored_at", "score_date",
                "shadow_label", "shadow_probability", "shadow_probabilities", "shadow_model_version",
                "shadow_model_run_id", "shadow_model_sha256");

        // Each version alone, as the reference for its columns.
        Result alone1 = score("--model", MODEL + "/" + v1.version(), "--out", "shadow_alone1", "--date", "2026-11-30");
        Result alone2 = score("--model", MODEL + "/" + v2.version(), "--out", "shadow_alone2", "--date", "2026-11-30");
        assertThat(alone1.code()).as(alone1.err()).isZero();
        assertThat(alone2.code()).as(alone2.err()).isZero();
        Map<Long, Row> one = byKey(Tables.scores("shadow_alone1"), "true");
        Map<Long, Row> two = byKey(Tables.scores("shadow_alone2"), "true");
        Map<Long, Row> both = byKey(out, "true");
        assertThat(both).hasSize(ROWS);
        assertThat(both.keySet()).isEqualTo(one.keySet()).isEqualTo(two.keySet());
        int differing = 0;
        for (Map.Entry<Long, Row> e : both.entrySet()) {
            Row r = e.getValue();
            Row a = one.get(e.getKey());
            Row b = two.get(e.getKey());
            assertThat(r.<Long>getAs("label")).as("main label of " + e.getKey()).isEqualTo(a.<Long>getAs("label"));
            assertThat(r.<Double>getAs("probability")).isEqualTo(a.<Double>getAs("probability"));
            assertThat(r.<Long>getAs("shadow_label")).as("shadow label of " + e.getKey()).isEqualTo(b.<Long>getAs("label"));
            assertThat(r.<Double>getAs("shadow_probability")).isEqualTo(b.<Double>getAs("probability"));
            assertThat(r.getList(r.fieldIndex("shadow_probabilities"))).isEqualTo(b.getList(b.fieldIndex("probabilities")));
            assertThat(r.<Long>getAs("model_version")).isEqualTo(v1.version());
            assertThat(r.<Long>getAs("shadow_model_version")).isEqualTo(v2.version());
            assertThat(r.<String>getAs("shadow_model_run_id")).isEqualTo(v2.runId());
            assertThat(r.<String>getAs("shadow_model_sha256")).isEqualTo(v2.tags().get("ingot.onnx_sha256"));
            if (!r.<Double>getAs("probability").equals(r.<Double>getAs("shadow_probability"))) {
                differing++;
            }
        }
        assertThat(differing).as("the two versions score differently, so equal columns say something").isEqualTo(ROWS);

        // Lineage: the input, and what each model was trained on.
        Lineage.CommitInfo lineage = Lineage.parse(spark.sql("DESCRIBE HISTORY " + out.sql())
                .orderBy(functions.col("version").desc()).first().getAs("userMetadata")).orElseThrow();
        Map<String, String> tags1 = store.run(v1.runId()).tags();
        Map<String, String> tags2 = store.run(v2.runId()).tags();
        assertThat(tags1.get("ingot.feature_tables")).startsWith("features.shadow_spend_v1@");
        assertThat(lineage.inputs()).extracting(Object::toString).containsExactly(
                "input=" + input + "@" + Lineage.latestVersion(spark, TableName.parse(input)),
                "training_set=" + tags1.get("ingot.training_set") + "@" + tags1.get("ingot.training_set_version"),
                "feature_table=" + tags1.get("ingot.feature_tables"),
                "shadow_training_set=" + tags2.get("ingot.training_set") + "@" + tags2.get("ingot.training_set_version"),
                "shadow_feature_table=" + tags2.get("ingot.feature_tables"));
        assertThat(lineage.details()).containsEntry("shadow_model_version", Long.toString(v2.version()))
                .containsEntry("shadow_model_run_id", v2.runId());
        Row entry = spark.table(Tables.LINEAGE.sql()).where("output_table = '" + out + "' AND command = 'score'")
                .orderBy(functions.col("finished_at").desc()).first();
        assertThat(entry.<String>getAs("inputs")).as("ingot.lineage names the feature table too")
                .contains(tags1.get("ingot.feature_tables").split("@")[0]);
        Row measured = spark.table(Tables.SCORE_RUNS.sql()).where("output_table = '" + out + "'")
                .orderBy(functions.col("finished_at").desc()).first();
        assertThat(measured.<Long>getAs("shadow_model_version")).isEqualTo(v2.version());
        assertThat(measured.<Long>getAs("shadow_batches")).as("the same rows in the same batches")
                .isEqualTo(measured.<Long>getAs("batches")).isPositive();
        assertThat(measured.<Double>getAs("shadow_batch_p99_ms")).isPositive();

        // models compare against a brute-force computation on the collected rows.
        ScoreComparison c = ScoreComparison.of(spark, "shadow_daily", Optional.empty());
        bruteForce(c, new ArrayList<>(both.values()));
        Result printed = compare("--scores", "shadow_daily");
        assertThat(printed.code()).as(printed.err()).isZero();
        assertThat(printed.out()).isEqualTo(c.summary()).contains(String.format(java.util.Locale.ROOT,
                "labels: %.4f agree", c.labels().orElseThrow().agreement())).contains("KS ").contains("PSI ");
        Result json = compare("--scores", "shadow_daily", "--format", "json");
        assertThat(json.code()).as(json.err()).isZero();
        com.fasterxml.jackson.databind.JsonNode j = readJson(json.out());
        assertThat(j.get("model").asText()).isEqualTo(c.model());
        assertThat(j.get("main_version").asLong()).isEqualTo(c.mainVersion());
        assertThat(j.get("shadow_version").asLong()).isEqualTo(c.shadowVersion());
        assertThat(j.get("date").asText()).isEqualTo(c.date().toString());
        assertThat(j.get("rows").asLong()).isEqualTo(c.rows());
        assertThat(j.at("/labels/agreement").asDouble()).as("unrounded").isEqualTo(c.labels().orElseThrow().agreement());
        assertThat(j.at("/labels/counts/0/0").asLong()).isEqualTo(c.labels().orElseThrow().counts().get(0).get(0));
        assertThat(j.at("/scores/psi").asDouble()).isEqualTo(c.scores().orElseThrow().psi());
        assertThat(j.at("/scores/ks").asDouble()).isEqualTo(c.scores().orElseThrow().ks());
        assertThat(j.at("/scores/main/p99").asDouble()).isEqualTo(c.scores().orElseThrow().main().p99());
        assertThat(j.at("/scores/shadow/mean").asDouble()).isEqualTo(c.scores().orElseThrow().shadow().mean());

        // Drift: each model against its own version's test window, kept apart by version.
        List<Row> rows = new ArrayList<>(both.values());
        double mainPsi = psiByHand(rows, "probability", v1);
        double shadowPsi = psiByHand(rows, "shadow_probability", v2);
        assertThat(shadowPsi).as("the two models' PSIs differ, so a swap would show").isNotCloseTo(mainPsi, within(1e-9));
        assertDrift(out, mainPsi, shadowPsi);
        assertThat(first.out()).contains("score drift (PSI vs the test window of " + MODEL + " v" + v1.version())
                .contains("shadow score drift (PSI vs the test window of " + MODEL + " v" + v2.version());
        java.util.regex.Matcher reports = java.util.regex.Pattern.compile("(shadow )?drift report: (\\S+\\.html)")
                .matcher(first.out());
        List<String> files = new ArrayList<>();
        while (reports.find()) {
            files.add(reports.group(2));
            assertThat(Path.of(reports.group(2))).as("the report exists").exists();
        }
        assertThat(files).as(first.out()).hasSize(2);
        assertThat(files.get(0)).contains("-drift-v" + v1.version() + "-");
        assertThat(files.get(1)).contains("-drift-v" + v2.version() + "-");
        try {
            assertThat(Files.readString(Path.of(files.get(1)))).contains("shadow_probability of " + MODEL + " v" + v2.version());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }

        // Idempotent: the same run again replaces its rows, drift rows of both models included.
        Result again = score("--model", MODEL + "/" + v1.version(), "--shadow", "challenger", "--out", "shadow_daily",
                "--date", "2026-11-30");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(spark.table(out.sql()).count()).isEqualTo(ROWS);
        assertDrift(out, mainPsi, shadowPsi);

        // Without --shadow into the same table: its rows get null shadow columns; the shadow date stays comparable.
        Result plain = score("--model", MODEL + "/" + v1.version(), "--out", "shadow_daily", "--date", "2026-12-01");
        assertThat(plain.code()).as(plain.err()).isZero();
        assertThat(spark.table(out.sql()).where("score_date = DATE'2026-12-01'").count()).isEqualTo(ROWS);
        assertThat(spark.table(Tables.SCORE_RUNS.sql()).where("output_table = '" + out + "'")
                .orderBy(functions.col("finished_at").desc()).first().<Double>getAs("shadow_score_psi"))
                .as("no shadow, no shadow PSI").isNull();
        assertThat(spark.table(out.sql()).where("score_date = DATE'2026-12-01' AND (shadow_label IS NOT NULL OR "
                + "shadow_probability IS NOT NULL OR shadow_model_version IS NOT NULL)").count()).isZero();
        assertThat(ScoreComparison.of(spark, "shadow_daily", Optional.empty()).date())
                .as("the default date is the latest with shadow scores").isEqualTo(LocalDate.parse("2026-11-30"));
        Result none = compare("--scores", "shadow_daily", "--date", "2026-12-01");
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("no row of that date has shadow scores").contains("[2026-11-30]")
                .contains("--shadow challenger");
        Result replaced = score("--model", MODEL + "/" + v1.version(), "--out", "shadow_daily", "--date", "2026-11-30");
        assertThat(replaced.code()).as(replaced.err()).isZero();
        assertThat(spark.table(out.sql()).where("shadow_model_version IS NOT NULL").count())
                .as("a run without --shadow replaces the date's rows, shadow columns null").isZero();
        for (String metric : List.of("score_psi", "score_bin_fraction")) {
            assertThat(QualityMetrics.read(spark, out.toString(), metric).stream()
                    .filter(e -> "2026-11-30".equals(e.tags().get("score_date"))).map(QualityMetrics.Entry::instance)
                    .distinct().toList()).as(metric + " of 2026-11-30: the shadow no longer scored it, so its drift rows"
                            + " went with its scores").containsExactly(MODEL + "/" + v1.version());
        }
        assertThat(spark.table(out.sql()).count()).isEqualTo(2L * ROWS);
    }

    /**
     * {@code quality.metrics} holds one PSI and one share per bin for each of the two versions on 2026-11-30 (so a
     * re-run replaced rather than added, and neither model's rows replaced the other's), and the latest
     * {@code ingot.score_runs} row both PSIs.
     */
    private static void assertDrift(TableName out, double mainPsi, double shadowPsi) {
        Map<String, Double> psis = new HashMap<>();
        for (QualityMetrics.Entry e : QualityMetrics.read(spark, out.toString(), "score_psi")) {
            assertThat(e.tags()).containsEntry("score_date", "2026-11-30");
            assertThat(psis.put(e.instance(), e.value())).as("one PSI row per version: " + e.instance()).isNull();
            assertThat(e.tags()).containsEntry("score_column", e.instance().endsWith("/" + v2.version())
                    ? "shadow_probability" : "probability");
        }
        assertThat(psis).containsOnlyKeys(MODEL + "/" + v1.version(), MODEL + "/" + v2.version());
        assertThat(psis.get(MODEL + "/" + v1.version())).as("the main model's PSI").isCloseTo(mainPsi, within(1e-12));
        assertThat(psis.get(MODEL + "/" + v2.version())).as("the shadow's PSI").isCloseTo(shadowPsi, within(1e-12));
        Map<String, Long> bins = new HashMap<>();
        QualityMetrics.read(spark, out.toString(), "score_bin_fraction").forEach(e -> bins.merge(e.instance(), 1L, Long::sum));
        assertThat(bins).containsEntry(MODEL + "/" + v1.version(), (long) reference(v1).bins())
                .containsEntry(MODEL + "/" + v2.version(), (long) reference(v2).bins()).hasSize(2);
        Row run = spark.table(Tables.SCORE_RUNS.sql()).where("output_table = '" + out + "'")
                .orderBy(functions.col("finished_at").desc()).first();
        assertThat(run.<Double>getAs("score_psi")).isCloseTo(mainPsi, within(1e-12));
        assertThat(run.<Double>getAs("shadow_score_psi")).isCloseTo(shadowPsi, within(1e-12));
    }

    private static ScoreReference reference(ModelVersion v) {
        String path = v.tags().get("ingot.score_reference");
        assertThat(path).as("train logged a score reference for v" + v.version()).isNotNull();
        return ScoreReference.parse(new String(store.downloadArtifact(v.runId(), path), StandardCharsets.UTF_8), path);
    }

    /**
     * PSI of a column of the collected rows against a version's reference, by hand: a score's bin is the first edge at
     * or above it (the last bin past every edge), and a share below {@link dev.ingot.core.Psi#EPSILON} counts as it.
     */
    private static double psiByHand(List<Row> rows, String column, ModelVersion v) {
        ScoreReference ref = reference(v);
        long[] actual = new long[ref.bins()];
        for (Row r : rows) {
            double x = r.<Double>getAs(column);
            int bin = ref.bins() - 1;
            for (int i = 0; i < ref.edges().size(); i++) {
                if (x <= ref.edges().get(i)) {
                    bin = i;
                    break;
                }
            }
            actual[bin]++;
        }
        double psi = 0;
        for (int i = 0; i < ref.bins(); i++) {
            double e = Math.max(ref.counts().get(i) / (double) ref.rows(), dev.ingot.core.Psi.EPSILON);
            double a = Math.max(actual[i] / (double) rows.size(), dev.ingot.core.Psi.EPSILON);
            psi += (a - e) * Math.log(a / e);
        }
        return psi;
    }

    /** Agreement, confusion, mean |diff|, max |diff|, KS and means recomputed from the rows themselves. */
    private static void bruteForce(ScoreComparison c, List<Row> rows) {
        assertThat(c.rows()).isEqualTo(rows.size());
        assertThat(c.mainVersion()).isEqualTo(v1.version());
        assertThat(c.shadowVersion()).isEqualTo(v2.version());
        long agree = rows.stream().filter(r -> r.<Long>getAs("label").equals(r.<Long>getAs("shadow_label"))).count();
        ScoreComparison.Labels labels = c.labels().orElseThrow();
        assertThat(labels.agreeing()).isEqualTo(agree);
        Map<String, Long> cells = new HashMap<>();
        rows.forEach(r -> cells.merge(r.getAs("label") + ">" + r.getAs("shadow_label"), 1L, Long::sum));
        for (int i = 0; i < labels.classes().size(); i++) {
            for (int j = 0; j < labels.classes().size(); j++) {
                assertThat(labels.counts().get(i).get(j)).as("main " + labels.classes().get(i) + ", shadow "
                        + labels.classes().get(j)).isEqualTo(cells.getOrDefault(labels.classes().get(i) + ">"
                        + labels.classes().get(j), 0L));
            }
        }
        double[] m = rows.stream().mapToDouble(r -> r.<Double>getAs("probability")).toArray();
        double[] s = rows.stream().mapToDouble(r -> r.<Double>getAs("shadow_probability")).toArray();
        double absSum = 0;
        double absMax = 0;
        for (int i = 0; i < m.length; i++) {
            absSum += Math.abs(m[i] - s[i]);
            absMax = Math.max(absMax, Math.abs(m[i] - s[i]));
        }
        double ks = 0;
        for (double x : concat(m, s)) {
            double fm = java.util.Arrays.stream(m).filter(v -> v <= x).count() / (double) m.length;
            double fs = java.util.Arrays.stream(s).filter(v -> v <= x).count() / (double) s.length;
            ks = Math.max(ks, Math.abs(fm - fs));
        }
        ScoreComparison.Distributions d = c.scores().orElseThrow();
        assertThat(d.column()).isEqualTo("probability");
        assertThat(d.rows()).isEqualTo(m.length);
        assertThat(d.meanAbsDiff()).isCloseTo(absSum / m.length, within(1e-12));
        assertThat(d.maxAbsDiff()).isEqualTo(absMax);
        assertThat(d.ks()).as("KS is exact").isCloseTo(ks, within(1e-12)).isPositive();
        assertThat(d.main().mean()).isCloseTo(java.util.Arrays.stream(m).average().orElseThrow(), within(1e-12));
        assertThat(d.shadow().mean()).isCloseTo(java.util.Arrays.stream(s).average().orElseThrow(), within(1e-12));
        long[] mb = new long[ScoreComparison.PSI_BINS];
        long[] sb = new long[ScoreComparison.PSI_BINS];
        for (int i = 0; i < m.length; i++) {
            mb[Math.min(9, (int) Math.floor(m[i] * 10))]++;
            sb[Math.min(9, (int) Math.floor(s[i] * 10))]++;
        }
        assertThat(d.psi()).isCloseTo(dev.ingot.core.Psi.of(mb, sb), within(1e-12)).isPositive();
    }

    private static double[] concat(double[] a, double[] b) {
        double[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void aShadowOfTheMainVersionItselfIsAllowedAndSaidSo() {
        Result r = score("--model", MODEL + "@challenger", "--shadow", "challenger", "--out", "shadow_same");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("note: " + MODEL + "@challenger is v" + v2.version() + ", the main model itself")
                .contains("shadow score drift: the shadow is v" + v2.version() + ", the main model itself");
        assertThat(spark.table(Tables.scores("shadow_same").sql()).where("label <> shadow_label OR probability <> "
                + "shadow_probability").count()).isZero();
    }

    @Test
    void aFileModelAnUnknownAliasAndATableWithoutShadowsAreBadInputAndWriteNothing() {
        Result file = score("--model", SklearnModels.model("logreg").toString(), "--shadow", "challenger", "--out",
                "shadow_bad");
        assertThat(file.code()).isEqualTo(2);
        assertThat(file.err()).contains("--shadow").contains("no --shadow with a .onnx file");
        Result alias = score("--model", MODEL + "/" + v1.version(), "--shadow", "nosuch", "--out", "shadow_bad");
        assertThat(alias.code()).isEqualTo(2);
        assertThat(alias.err()).contains(MODEL + "@nosuch");
        assertThat(Catalog.tableExists(spark, Tables.scores("shadow_bad"))).as("nothing written").isFalse();

        // Fixed dates: a run without --date scores today, which would be the later run's date on that day.
        Result plain = score("--model", MODEL + "/" + v1.version(), "--out", "shadow_plain", "--date", "2026-12-01");
        assertThat(plain.code()).as(plain.err()).isZero();
        Result noShadow = compare("--scores", "shadow_plain");
        assertThat(noShadow.code()).isEqualTo(2);
        assertThat(noShadow.err()).contains("no shadow columns").contains("--out shadow_plain --shadow challenger");
        // A first --shadow run into a table written without one adds the columns; the earlier rows read them as null.
        Result later = score("--model", MODEL + "/" + v1.version(), "--shadow", "challenger", "--out", "shadow_plain",
                "--date", "2026-12-02");
        assertThat(later.code()).as(later.err()).isZero();
        TableName plainTable = Tables.scores("shadow_plain");
        assertThat(spark.table(plainTable.sql()).where("shadow_model_version IS NULL").count()).isEqualTo(ROWS);
        assertThat(spark.table(plainTable.sql()).where("shadow_model_version = " + v2.version()
                + " AND score_date = DATE'2026-12-02' AND shadow_probability IS NOT NULL").count()).isEqualTo(ROWS);
        assertThat(compare("--scores", "shadow_plain").out()).contains("2026-12-02").contains(ROWS + " rows");
        Result unknown = compare("--scores", "shadow_nosuch");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("scores.shadow_nosuch does not exist");
    }
}
