package dev.ingot.scoring;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ingot.core.IngotException;
import dev.ingot.core.ml.NumericFeatures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.feature.Imputer;
import org.apache.spark.ml.feature.OneHotEncoder;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.regression.GBTRegressor;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The columnar scoring path gives the row path's rows, columns and scores, exactly, on random data with nulls, NaN and
 * unseen categories read from Parquet and Delta files; chained (a shadow model) as well; and an input it cannot read
 * as column batches falls back to rows.
 */
class ColumnarScoringTest {
    private static final String WHOLE_STAGE = "spark.sql.codegen.wholeStage";
    private static String wholeStageBefore;
    private final SparkSession spark = Parity.SPARK;

    /**
     * Spark reads Parquet as column batches only with whole-stage code generation, which the unit test JVMs run without
     * (the root pom's test.codegen.*): on for this class, as it is in every Ingot session.
     */
    @BeforeAll
    static void wholeStageCodegen() {
        wholeStageBefore = Parity.SPARK.conf().get(WHOLE_STAGE);
        Parity.SPARK.conf().set(WHOLE_STAGE, "true");
    }

    @AfterAll
    static void restore() {
        Parity.SPARK.conf().set(WHOLE_STAGE, wholeStageBefore);
    }

    @TempDir
    Path dir;

    private static PipelineModel fit(long seed, PipelineStage model) {
        return new Pipeline().setStages(new PipelineStage[] {
                new NumericFeatures().setInputCols(new String[] {"amount", "visits", "vip"})
                        .setOutputCols(new String[] {"n_amount", "n_visits", "n_vip"})
                        .setIndicatorInputCols(new String[] {"amount", "visits"})
                        .setIndicatorOutputCols(new String[] {"amount__is_null", "visits__is_null"}),
                new Imputer().setInputCols(new String[] {"n_amount", "n_visits", "n_vip"})
                        .setOutputCols(new String[] {"i_amount", "i_visits", "i_vip"}),
                new StringIndexer().setInputCols(new String[] {"city", "channel"})
                        .setOutputCols(new String[] {"idx_city", "idx_channel"}).setHandleInvalid("keep"),
                new OneHotEncoder().setInputCols(new String[] {"idx_city", "idx_channel"})
                        .setOutputCols(new String[] {"ohe_city", "ohe_channel"}),
                new VectorAssembler().setInputCols(new String[] {"i_amount", "i_visits", "i_vip", "ratio",
                        "amount__is_null", "visits__is_null", "ohe_city", "ohe_channel"}).setOutputCol("features"),
                model}).fit(Parity.data(seed, 2000, false));
    }

    private static Scorer scorer(PipelineModel model) {
        return Scorer.of(OnnxConverter.create().convert(model, Parity.SCHEMA)).withBatchSize(300);
    }

    /** Held-out rows (nulls, NaN, unseen cities) in three Parquet files. */
    private Dataset<Row> parquet(long seed, String name) {
        String path = dir.resolve(name).toString();
        Parity.data(seed, 2500, true).repartition(3).write().parquet(path);
        return spark.read().parquet(path);
    }

    @Test
    void classifierScoresEqualTheRowPathsFromParquetAndDelta() {
        long seed = new Random().nextLong();
        Scorer scorer = scorer(fit(seed, new LogisticRegression().setLabelCol("y_bin").setRegParam(0.01)));
        Dataset<Row> input = parquet(seed + 1, "cls");
        assertSame(seed, scorer, input, 2500);

        String delta = dir.resolve("cls_delta").toString();
        input.write().format("delta").save(delta);
        Dataset<Row> fromDelta = spark.read().format("delta").option("versionAsOf", 0).load(delta)
                .select(col("id"), col("city"), col("amount"), col("visits"), col("vip"), col("ratio"), col("channel"));
        assertSame(seed, scorer, fromDelta, 2500);
    }

    @Test
    void regressorScoresEqualTheRowPaths() {
        long seed = new Random().nextLong();
        Scorer scorer = scorer(fit(seed, new GBTRegressor().setLabelCol("y_reg").setMaxIter(10).setMaxDepth(3)
                .setSeed(seed)));
        assertSame(seed, scorer, parquet(seed + 1, "reg"), 2500);
    }

    @Test
    void aShadowModelScoresTheSameBatchesAndBothEqualTheRowPath() {
        long seed = new Random().nextLong();
        Scorer main = scorer(fit(seed, new LogisticRegression().setLabelCol("y_bin").setRegParam(0.01)));
        Scorer shadow = scorer(fit(seed + 7, new LogisticRegression().setLabelCol("y_multi").setRegParam(0.1)));
        Dataset<Row> input = parquet(seed + 1, "shadow");
        Map<Long, Row> rows = byId(chain(main.withPath(ScoringPath.ROWS), shadow.withPath(ScoringPath.ROWS), input));
        // COLUMNAR fails unless the main model also reads the shadow's column batches.
        Dataset<Row> columnar = chain(main.withPath(ScoringPath.COLUMNAR), shadow.withPath(ScoringPath.COLUMNAR), input);
        assertThat(columnar.columns()).as("seed " + seed).contains("shadow_probabilities", "label", "probability");
        assertThat(byId(columnar)).as("seed " + seed + ": every row, column and score").isEqualTo(rows);
    }

    @Test
    void anInputWithAFilterInItsPlanFallsBackToRowsAndSaysWhy() {
        long seed = new Random().nextLong();
        Scorer scorer = scorer(fit(seed, new LogisticRegression().setLabelCol("y_bin").setRegParam(0.01)));
        Dataset<Row> filtered = parquet(seed + 1, "filtered").where("visits > 3");
        assertThatThrownBy(() -> scorer.withPath(ScoringPath.COLUMNAR).score(filtered))
                .isInstanceOf(IngotException.class).hasMessageContaining("a filter stays in its plan");
        Dataset<Row> computed = parquet(seed + 2, "computed").withColumn("ratio", col("ratio").multiply(2));
        assertThatThrownBy(() -> scorer.withPath(ScoringPath.COLUMNAR).score(computed))
                .isInstanceOf(IngotException.class).hasMessageContaining("'ratio' is computed");
        Map<Long, Row> auto = byId(scorer.score(filtered));
        assertThat(auto).as("seed " + seed).isEqualTo(byId(scorer.withPath(ScoringPath.ROWS).score(filtered)))
                .hasSizeLessThan(2500).isNotEmpty();
    }

    /** Both paths on the input: the same schema, the same rows (every column, scores exactly), the same batches. */
    private void assertSame(long seed, Scorer scorer, Dataset<Row> input, int rows) {
        BatchLatencies rowLatencies = BatchLatencies.register(spark);
        BatchLatencies columnarLatencies = BatchLatencies.register(spark);
        Dataset<Row> byRows = scorer.withPath(ScoringPath.ROWS).score(input, rowLatencies);
        Dataset<Row> byColumns = scorer.withPath(ScoringPath.COLUMNAR).score(input, columnarLatencies);
        assertThat(byColumns.schema()).as("seed " + seed + ": schema").isEqualTo(byRows.schema());
        Map<Long, Row> want = byId(byRows);
        Map<Long, Row> got = byId(byColumns);
        assertThat(got).as("seed " + seed + ": one row per input row").hasSize(rows);
        assertThat(got).as("seed " + seed + ": every row, column and score").isEqualTo(want);
        long nan = want.values().stream().filter(r -> r.isNullAt(r.fieldIndex("amount"))
                || Double.isNaN(r.getDouble(r.fieldIndex("amount")))).count();
        assertThat(nan).as("seed " + seed + ": rows with a null or NaN amount are compared too").isGreaterThan(0);
        assertThat(columnarLatencies.batches()).as("seed " + seed + ": batches of at most 300 rows per file")
                .isEqualTo(rowLatencies.batches()).isGreaterThanOrEqualTo(rows / 300);
    }

    private static Dataset<Row> chain(Scorer main, Scorer shadow, Dataset<Row> input) {
        Dataset<Row> s = shadow.score(input);
        List<Column> cols = new ArrayList<>();
        for (String c : input.columns()) {
            cols.add(col(c));
        }
        shadow.appended().forEach(f -> cols.add(col(f.name()).as("shadow_" + f.name())));
        return main.score(s.select(cols.toArray(Column[]::new)));
    }

    private static Map<Long, Row> byId(Dataset<Row> scored) {
        Map<Long, Row> m = new HashMap<>();
        for (Row r : scored.collectAsList()) {
            m.put(r.getLong(r.fieldIndex("id")), r);
        }
        return m;
    }
}
