package dev.ingot.scoring;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.ingot.core.TestSpark;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Random training and held-out data, and ONNX Runtime runs of converted models on Spark rows. */
final class Parity {
    static final SparkSession SPARK = TestSpark.session();
    static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
    static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.LongType)
            .add("amount", DataTypes.DoubleType)
            .add("visits", DataTypes.IntegerType)
            .add("ratio", DataTypes.DoubleType)
            .add("vip", DataTypes.BooleanType)
            .add("city", DataTypes.StringType)
            .add("channel", DataTypes.StringType)
            .add("y_bin", DataTypes.DoubleType)
            .add("y_multi", DataTypes.DoubleType)
            .add("y_reg", DataTypes.DoubleType);
    private static final String[] CITIES = {"paris", "lyon", "nice", "lille", "brest"};
    private static final String[] CHANNELS = {"web", "app", "shop"};

    private Parity() {}

    /**
     * {@code n} rows: amount with nulls and NaN, visits with nulls, ratio in [0, 10), vip, city with nulls (and, when
     * {@code unseen}, cities no training saw), channel; labels that depend on the features.
     */
    static Dataset<Row> data(long seed, int n, boolean unseen) {
        Random r = new Random(seed);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = r.nextInt(20);
            Double amount = k == 0 ? null : k == 1 ? Double.NaN : Math.exp(r.nextGaussian() * 1.5 + 3);
            Integer visits = k == 2 ? null : r.nextInt(40);
            double ratio = r.nextDouble() * 10;
            Boolean vip = r.nextInt(4) == 0;
            String city = k == 3 ? null : unseen && k == 4 ? "unseen_" + r.nextInt(3) : CITIES[(int) Math.min(4,
                    Math.abs(r.nextGaussian()) * 2)];
            String channel = CHANNELS[r.nextInt(3)];
            double a = amount == null || amount.isNaN() ? 20 : amount;
            double z = 0.01 * a - 0.05 * (visits == null ? 10 : visits) + 0.3 * ratio + (vip ? 1 : 0)
                    + ("paris".equals(city) ? 0.8 : 0) + r.nextGaussian();
            double yBin = z > 1.5 ? 1 : 0;
            double yMulti = z < 0.5 ? 0 : z < 2.5 ? 1 : 2;
            rows.add(RowFactory.create((long) i, amount, visits, ratio, vip, city, channel, yBin, yMulti, z * 3 + 1));
        }
        return SPARK.createDataFrame(rows, SCHEMA);
    }

    /** Runs {@code model} on {@code rows} (columns by name, nulls as the conventions say); outputs by name. */
    static Map<String, Object> run(OnnxModel model, List<Row> rows) throws OrtException {
        Map<String, OnnxTensor> feed = new LinkedHashMap<>();
        try (OrtSession s = ENV.createSession(model.bytes(), new OrtSession.SessionOptions())) {
            for (ModelInput in : model.inputs()) {
                long[] shape = {rows.size(), 1};
                if (in.type().orElseThrow() == ElementType.STRING) {
                    String[] v = rows.stream().map(r -> r.isNullAt(r.fieldIndex(in.name())) ? OnnxConverter.NULL_STRING
                            : r.getString(r.fieldIndex(in.name()))).toArray(String[]::new);
                    feed.put(in.name(), OnnxTensor.createTensor(ENV, v, shape));
                } else {
                    double[] v = rows.stream().mapToDouble(r -> number(r.get(r.fieldIndex(in.name())))).toArray();
                    feed.put(in.name(), OnnxTensor.createTensor(ENV, java.nio.DoubleBuffer.wrap(v), shape));
                }
            }
            try (OrtSession.Result result = s.run(feed)) {
                Map<String, Object> out = new HashMap<>();
                for (Map.Entry<String, OnnxValue> e : result) {
                    out.put(e.getKey(), e.getValue().getValue());
                }
                return out;
            }
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    /** A numeric or boolean cell as the model's input takes it. */
    static double number(Object v) {
        if (v == null) {
            return Double.NaN;
        }
        if (v instanceof Boolean b) {
            return b ? 1.0 : 0.0;
        }
        return ((Number) v).doubleValue();
    }
}
