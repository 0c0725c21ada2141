package dev.ingot.core.ml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ingot.core.TestSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NumericFeaturesTest {
    private static final SparkSession SPARK = TestSpark.session();

    private static Dataset<Row> data(long seed) {
        Random r = new Random(seed);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            int k = r.nextInt(10);
            Double d = k == 0 ? null : k == 1 ? Double.NaN : r.nextGaussian() * 1e3;
            Integer n = k == 2 ? null : r.nextInt(1000) - 500;
            Boolean b = k == 3 ? null : r.nextBoolean();
            rows.add(RowFactory.create(d, n, b, "s" + k));
        }
        StructType schema = new StructType().add("amount", DataTypes.DoubleType).add("visits", DataTypes.IntegerType)
                .add("vip", DataTypes.BooleanType).add("city", DataTypes.StringType);
        return SPARK.createDataFrame(rows, schema);
    }

    private static NumericFeatures stage() {
        return new NumericFeatures().setInputCols(new String[] {"amount", "visits", "vip"})
                .setOutputCols(new String[] {"__num__amount", "__num__visits", "__num__vip"})
                .setIndicatorInputCols(new String[] {"amount", "vip"})
                .setIndicatorOutputCols(new String[] {"amount__is_null", "vip__is_null"});
    }

    @Test
    void givesWhatTheSqlStatementGaveToTheBit() {
        long seed = new Random().nextLong();
        Dataset<Row> in = data(seed);
        // The statement TrainingRun wrote before this stage replaced it.
        SQLTransformer sql = new SQLTransformer().setStatement("SELECT *, CAST(`amount` AS DOUBLE) AS `__num__amount`, "
                + "CAST(`visits` AS DOUBLE) AS `__num__visits`, CAST(`vip` AS DOUBLE) AS `__num__vip`, "
                + "CAST(`amount` IS NULL OR isnan(CAST(`amount` AS DOUBLE)) AS DOUBLE) AS `amount__is_null`, "
                + "CAST(`vip` IS NULL OR isnan(CAST(`vip` AS DOUBLE)) AS DOUBLE) AS `vip__is_null` FROM __THIS__");
        Dataset<Row> expected = sql.transform(in);
        Dataset<Row> actual = stage().transform(in);

        assertThat(actual.schema().fieldNames()).isEqualTo(expected.schema().fieldNames());
        assertThat(stage().transformSchema(in.schema()).fieldNames()).isEqualTo(expected.schema().fieldNames());
        List<Row> a = actual.collectAsList();
        List<Row> e = expected.collectAsList();
        assertThat(a).as("seed " + seed).hasSize(200);
        for (int i = 0; i < a.size(); i++) {
            for (int c = 4; c < 9; c++) {
                Object x = a.get(i).get(c);
                Object y = e.get(i).get(c);
                assertThat(x == null ? null : Double.doubleToRawLongBits((Double) x)).as("seed " + seed + ", row " + i
                        + ", column " + c).isEqualTo(y == null ? null : Double.doubleToRawLongBits((Double) y));
            }
        }
        assertThat(a.stream().filter(r -> r.getDouble(7) == 1.0).count()).as("null and NaN amounts flagged")
                .isEqualTo(a.stream().filter(r -> r.isNullAt(0) || Double.isNaN(r.getDouble(0))).count()).isPositive();
    }

    @Test
    void aSavedPipelineModelLoadsBackWithTheStageAndTransformsAlike(@TempDir Path dir) throws Exception {
        Dataset<Row> in = data(7);
        PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {stage()}).fit(in);
        String path = dir.resolve("model").toUri().toString();
        fitted.write().save(path);

        PipelineModel loaded = PipelineModel.load(path);

        assertThat(loaded.stages()[0]).isInstanceOf(NumericFeatures.class);
        NumericFeatures s = (NumericFeatures) loaded.stages()[0];
        assertThat(s.getInputCols()).containsExactly("amount", "visits", "vip");
        assertThat(s.getIndicatorOutputCols()).containsExactly("amount__is_null", "vip__is_null");
        assertThat(s.uid()).isEqualTo(fitted.stages()[0].uid());
        assertThat(loaded.transform(in).collectAsList()).isEqualTo(fitted.transform(in).collectAsList());
    }

    @Test
    void refusesAStringColumnAndMismatchedColumnLists() {
        Dataset<Row> in = data(1);
        assertThatThrownBy(() -> new NumericFeatures().setInputCols(new String[] {"city"})
                .setOutputCols(new String[] {"c"}).transform(in)).hasMessageContaining("'city' has type string");
        assertThatThrownBy(() -> new NumericFeatures().setInputCols(new String[] {"amount"}).transform(in))
                .hasMessageContaining("1 input columns for 0 output columns");
        assertThatThrownBy(() -> new NumericFeatures().setInputCols(new String[] {"nope"})
                .setOutputCols(new String[] {"c"}).transform(in)).hasMessageContaining("no column 'nope'");
    }
}
