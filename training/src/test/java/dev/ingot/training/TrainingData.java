package dev.ingot.training;

import dev.ingot.core.TableName;
import dev.ingot.core.TestSpark;
import dev.ingot.core.config.FeatureRef;
import dev.ingot.core.config.ModelDef;
import dev.ingot.core.config.Project;
import dev.ingot.core.config.TimeSpan;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Small random training sets: {@link #DAYS} days of {@link #PER_DAY} spine rows, with a numeric feature that is
 * sometimes null, an int, a boolean, a string feature with nulls, a segment to group by, and a label that depends on
 * the features through a logistic model plus noise.
 */
final class TrainingData {
    static final int DAYS = 60;
    static final int PER_DAY = 10;
    static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    static final List<String> FEATURES = List.of("amount", "visits", "vip", "city");

    private TrainingData() {}

    static final StructType SCHEMA = new StructType()
            .add("customer_id", DataTypes.StringType)
            .add("ts", DataTypes.TimestampType)
            .add("segment", DataTypes.StringType)
            .add("amount", DataTypes.DoubleType)
            .add("visits", DataTypes.IntegerType)
            .add("vip", DataTypes.BooleanType)
            .add("city", DataTypes.StringType)
            .add("label", DataTypes.IntegerType)
            .add("target", DataTypes.DoubleType);

    /** The rows of a training set made from {@code seed}. */
    static List<Row> rows(long seed) {
        Random r = new Random(seed);
        String[] cities = {"paris", "lyon", "nice", null};
        String[] segments = {"retail", "business", "student"};
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < DAYS * PER_DAY; i++) {
            Instant ts = START.plusSeconds((long) (i / PER_DAY) * 86400 + (i % PER_DAY) * 3600L);
            Double amount = r.nextDouble() < 0.1 ? null : Math.round(r.nextGaussian() * 30 + 50) / 1.0;
            int visits = r.nextInt(8);
            boolean vip = r.nextDouble() < 0.3;
            String city = cities[r.nextInt(cities.length)];
            String segment = segments[r.nextInt(segments.length)];
            double z = -1.5 + 0.02 * (amount == null ? 50 : amount) + 0.25 * visits - 0.8 * (vip ? 1 : 0)
                    + ("paris".equals(city) ? 0.7 : 0) + ("student".equals(segment) ? 0.4 : 0) + r.nextGaussian() * 0.8;
            int label = r.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
            double target = 3 * z + r.nextGaussian();
            out.add(RowFactory.create("c" + (i % 97), Timestamp.from(ts), segment, amount, visits, vip, city, label,
                    target));
        }
        return out;
    }

    static Dataset<Row> frame(long seed) {
        return TestSpark.session().createDataFrame(rows(seed), SCHEMA);
    }

    static Project project() {
        return new Project(Path.of("/tmp/ingot-training-test"), TestSpark.settings(TestSpark.warehouse()), Map.of(),
                Map.of(), Map.of(), Map.of());
    }

    static ModelDef spec(ModelDef.Algorithm algorithm, Map<String, String> params) {
        return spec(algorithm, params, Optional.of(days(7)), Optional.empty(), List.of());
    }

    static ModelDef spec(ModelDef.Algorithm algorithm, Map<String, String> params, Optional<TimeSpan> validation,
                         Optional<ModelDef.Fairness> fairness, List<ModelDef.GateRule> gate) {
        boolean classifier = algorithm.task() == ModelDef.Task.CLASSIFICATION;
        return new ModelDef("m", "test model", new TableName("ml", "spine"), "ts", classifier ? "label" : "target",
                List.of(new FeatureRef("customer", FEATURES)), algorithm, params, days(14), validation, 42,
                ModelDef.Metric.of(algorithm.task()), 25, ModelDef.Nulls.defaults(), fairness, gate);
    }

    static TimeSpan days(int d) {
        return new TimeSpan(d * 86400L, d + "d");
    }
}
