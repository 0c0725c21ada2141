package dev.ingot.scoring.internal.onnx;

import static dev.ingot.scoring.internal.onnx.OnnxGraph.attr;

import dev.ingot.core.Errors;
import dev.ingot.core.IngotException;
import dev.ingot.core.ml.NumericFeatures;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PredictionModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.feature.Bucketizer;
import org.apache.spark.ml.feature.ImputerModel;
import org.apache.spark.ml.feature.MinMaxScalerModel;
import org.apache.spark.ml.feature.OneHotEncoderModel;
import org.apache.spark.ml.feature.StandardScalerModel;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.param.Params;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The stages of a fitted Spark ML pipeline as nodes of one {@link OnnxGraph}. A stage registers how to build each of
 * its output columns; a column is built only when a later stage (or the caller) asks for it, and a column of the
 * training set becomes a graph input only then. So a stage that only the training needed (an indexer of the label)
 * adds nothing, and the graph's inputs are exactly the feature columns, in the order the pipeline first reads them.
 *
 * <p>Conventions of the tensors: a numeric or boolean column is a double input of shape [N,1] (null as NaN, booleans
 * as 1.0 and 0.0), a string column a string input of shape [N,1]; a vector column is double [N,width]. NaN in an index
 * means a row Spark would have refused (an unseen category under {@code handleInvalid=error}); it reaches the
 * model's outputs as NaN rather than a made-up score.
 */
public final class PipelineGraph {
    /** The stages converted (besides nested {@code PipelineModel}s), as their Spark class names. */
    public static final List<String> STAGES = List.of(NumericFeatures.class.getName(), "Imputer", "StringIndexer",
            "OneHotEncoder", "Bucketizer", "VectorAssembler", "StandardScaler", "MinMaxScaler");
    private static final String DOING = "convert the Spark ML pipeline to ONNX";

    /** What a column is in the graph. */
    public enum Kind {
        /** double [N,1]. */
        NUMBER,
        /** string [N,1]. */
        STRING,
        /** double [N,width]. */
        VECTOR
    }

    /**
     * A column built in the graph.
     *
     * @param value its ONNX value name
     * @param type its Spark type (the training set's for an input, double for a number a stage makes)
     */
    public record Column(String value, Kind kind, int width, DataType type) {}

    private final OnnxGraph g;
    private final StructType schema;
    private final Map<String, Supplier<Column>> producers = new HashMap<>();
    private final Map<String, Column> built = new HashMap<>();
    private final Map<String, Column> inputs = new LinkedHashMap<>();
    private final Map<String, String> producedBy = new HashMap<>();
    private final Map<String, String> constants = new HashMap<>();

    /** A converter adding to {@code g}, whose inputs are columns of {@code schema} (the training set's). */
    public PipelineGraph(OnnxGraph g, StructType schema) {
        this.g = g;
        this.schema = schema;
        for (String name : schema.fieldNames()) {
            g.reserve(name);
        }
    }

    /** The training set's columns declared as graph inputs so far, in order. */
    public Map<String, Column> inputs() {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
    }

    /**
     * Registers every stage of {@code stages} but the model at its end, which is returned (nested pipelines are
     * flattened).
     *
     * @throws IngotException (bad input) for a stage that cannot be converted, or a pipeline not ending in a model
     */
    public Model<?> addStages(PipelineModel pipeline, List<String> models) {
        List<Transformer> flat = new ArrayList<>();
        flatten(pipeline, flat);
        if (flat.isEmpty()) {
            throw Errors.badData(DOING, "the pipeline has no stages", "fit a pipeline that ends with a model");
        }
        for (int i = 0; i < flat.size() - 1; i++) {
            add(flat.get(i), i, models);
        }
        Transformer last = flat.get(flat.size() - 1);
        if (!(last instanceof PredictionModel<?, ?> m)) {
            add(last, flat.size() - 1, models);
            throw Errors.badData(DOING, "the pipeline ends with " + describe(last, flat.size() - 1) + ", not a model",
                    "end the pipeline with one of: " + String.join(", ", models));
        }
        return m;
    }

    /** Registers the transformations of {@code stage} (the {@code index}th of the pipeline). */
    public void add(Transformer stage, int index, List<String> models) {
        String what = describe(stage, index);
        if (stage instanceof NumericFeatures nf) {
            numericFeatures(nf, what);
        } else if (stage instanceof ImputerModel m) {
            imputer(m, what);
        } else if (stage instanceof StringIndexerModel m) {
            stringIndexer(m, what);
        } else if (stage instanceof OneHotEncoderModel m) {
            oneHot(m, what);
        } else if (stage instanceof Bucketizer b) {
            bucketizer(b, what);
        } else if (stage instanceof VectorAssembler va) {
            String[] in = va.getInputCols();
            produce(va.getOutputCol(), what, () -> assemble(in, what));
        } else if (stage instanceof StandardScalerModel m) {
            standardScaler(m, what);
        } else if (stage instanceof MinMaxScalerModel m) {
            minMaxScaler(m, what);
        } else {
            List<String> all = new ArrayList<>(STAGES);
            all.addAll(models);
            throw Errors.badData(DOING, what + " is not supported" + (stage instanceof Model<?> ? " (a model is "
                    + "converted only as the last stage)" : ""), "build the pipeline from supported stages: "
                    + String.join(", ", all));
        }
    }

    /** The column {@code name}: built now if a stage makes it, else declared as a graph input. */
    public Column column(String name, String reader) {
        Column c = built.get(name);
        if (c != null) {
            return c;
        }
        Supplier<Column> p = producers.get(name);
        if (p != null) {
            c = p.get();
            built.put(name, c);
            return c;
        }
        StructField f = Arrays.stream(schema.fields()).filter(x -> x.name().equals(name)).findFirst().orElseThrow(() ->
                Errors.badData(DOING, reader + " reads column '" + name + "', which neither the training set nor an "
                        + "earlier stage has (training set columns: " + String.join(", ", schema.fieldNames()) + ")",
                        "pass the schema of the data the pipeline was fitted on"));
        DataType t = f.dataType();
        if (t instanceof NumericType || t instanceof BooleanType) {
            c = new Column(g.input(name, OnnxGraph.DOUBLE, -1, 1), Kind.NUMBER, 1, t);
        } else if (t instanceof StringType) {
            c = new Column(g.input(name, OnnxGraph.STRING, -1, 1), Kind.STRING, 1, t);
        } else {
            throw Errors.badData(DOING, reader + " reads column '" + name + "' of type " + t.simpleString()
                    + ", and a model input is a number, boolean or string column", "feed the pipeline such columns");
        }
        inputs.put(name, c);
        built.put(name, c);
        return c;
    }

    /** A column that must be a number (double [N,1]). */
    private Column number(String name, String reader) {
        return of(Kind.NUMBER, name, reader, "give the stage a numeric column");
    }

    /** A column that must be a vector (double [N,width]). */
    public Column vector(String name, String reader) {
        return of(Kind.VECTOR, name, reader, "assemble it into a vector first (VectorAssembler)");
    }

    private Column of(Kind kind, String name, String reader, String fix) {
        Column c = column(name, reader);
        if (c.kind() != kind) {
            throw Errors.badData(DOING, reader + " reads '" + name + "' as a " + kind.name().toLowerCase(Locale.ROOT)
                    + ", but it is a " + kindName(c), fix);
        }
        return c;
    }

    private static String kindName(Column c) {
        return c.kind() == Kind.STRING ? "string" : c.kind() == Kind.NUMBER ? "number" : "vector";
    }

    /** Registers {@code build(inputColumn, i)} for each input/output column pair of a (multi-)column stage. */
    private void perColumn(Params stage, String what, BiFunction<String, Integer, Supplier<Column>> build) {
        String[] in = cols(stage, "inputCols", "inputCol");
        String[] out = cols(stage, "outputCols", "outputCol");
        for (int i = 0; i < in.length; i++) {
            produce(out[i], what, build.apply(in[i], i));
        }
    }

    private void produce(String column, String what, Supplier<Column> p) {
        String earlier = producedBy.putIfAbsent(column, what);
        if (earlier != null) {
            throw Errors.badData(DOING, what + " writes column '" + column + "', which " + earlier + " wrote already",
                    "give each stage's output column its own name");
        }
        producers.put(column, p);
    }

    // ---- stages ----

    private void numericFeatures(NumericFeatures nf, String what) {
        String[] in = nf.getInputCols();
        String[] out = nf.getOutputCols();
        for (int i = 0; i < in.length; i++) {
            String c = in[i];
            // A numeric input is already double, with null as NaN: the cast is the tensor itself.
            produce(out[i], what, () -> new Column(number(c, what).value(), Kind.NUMBER, 1, DataTypes.DoubleType));
        }
        String[] ind = nf.getIndicatorInputCols();
        String[] indOut = nf.getIndicatorOutputCols();
        for (int i = 0; i < ind.length; i++) {
            String c = ind[i];
            produce(indOut[i], what,
                    () -> doubleColumn(cast(g.node("IsNaN", number(c, what).value()), OnnxGraph.DOUBLE)));
        }
    }

    private void imputer(ImputerModel m, String what) {
        Row surrogates = m.surrogateDF().head();
        double missing = m.getMissingValue();
        perColumn(m, what, (c, i) -> {
            double s = ((Number) surrogates.get(surrogates.fieldIndex(c))).doubleValue();
            return () -> {
                Column x = number(c, what);
                // Spark casts the imputed column back to the input's type: an integer column gets a whole surrogate.
                double surrogate = x.type() instanceof IntegralType ? (double) (long) s
                        : x.type() instanceof FloatType ? (double) (float) s : s;
                String mask = g.node("IsNaN", x.value());
                if (!Double.isNaN(missing)) {
                    mask = g.node("Or", mask, g.node("Equal", x.value(), constant("missing", missing)));
                }
                return new Column(g.node("Where", mask, constant("surrogate", surrogate), x.value()), Kind.NUMBER, 1,
                        x.type());
            };
        });
    }

    private void stringIndexer(StringIndexerModel m, String what) {
        String[][] labels = m.labelsArray();
        boolean keep = "keep".equals(m.getHandleInvalid());
        perColumn(m, what, (c, i) -> {
            String[] l = labels[i];
            return () -> {
                Column x = column(c, what);
                if (x.kind() != Kind.STRING) {
                    throw Errors.badData(DOING, what + " indexes '" + c + "', a " + kindName(x) + " column",
                            "index string columns only (Spark would index the number's text)");
                }
                long unseen = keep ? l.length : -1;
                String idx = g.node("LabelEncoder", OnnxGraph.ML, List.of(x.value()), 1, List.of(
                        OnnxGraph.strings("keys_strings", l),
                        OnnxGraph.ints("values_int64s", LongStream.range(0, l.length).toArray()),
                        attr("default_int64", unseen))).get(0);
                String d = cast(idx, OnnxGraph.DOUBLE);
                if (!keep) {
                    d = g.node("Where", g.node("Equal", idx, g.constant("unseen", new long[] {-1})), nan(), d);
                }
                return doubleColumn(d);
            };
        });
    }

    private void oneHot(OneHotEncoderModel m, String what) {
        int[] sizes = m.categorySizes();
        boolean keep = "keep".equals(m.getHandleInvalid());
        boolean dropLast = m.getDropLast();
        perColumn(m, what, (c, i) -> {
            int size = sizes[i];
            return () -> {
                String x = number(c, what).value();
                int width = size + (keep ? 1 : 0) - (dropLast ? 1 : 0);
                String valid = g.node("And", g.node("GreaterOrEqual", x, constant("zero", 0.0)),
                        g.node("Less", x, constant("categories", size)));
                // Under 'keep' an index out of range is one more category (the one dropLast drops).
                String idx = keep ? g.node("Where", valid, x, constant("categories", size)) : x;
                double[] range = new double[width];
                Arrays.setAll(range, j -> j);
                String hot = cast(g.node("Equal", idx, g.constant("categories_range", range)), OnnxGraph.DOUBLE);
                String bad = keep ? g.node("IsNaN", x) : g.node("Not", valid);
                return new Column(g.node("Where", bad, nan(), hot), Kind.VECTOR, width, null);
            };
        });
    }

    private void bucketizer(Bucketizer b, String what) {
        double[][] splits = b.isSet(b.splitsArray()) ? b.getSplitsArray() : new double[][] {b.getSplits()};
        boolean keep = "keep".equals(b.getHandleInvalid());
        perColumn(b, what, (c, i) -> {
            double[] s = splits[i];
            return () -> {
                String x = number(c, what).value();
                int n = s.length;
                // The bucket of x is the number of inner splits at or below it; the last split closes the last bucket.
                String bucket;
                if (n > 2) {
                    String inner = g.constant("inner_splits", Arrays.copyOfRange(s, 1, n - 1));
                    String ge = cast(g.node("GreaterOrEqual", x, inner), OnnxGraph.DOUBLE);
                    bucket = g.node("ReduceSum", List.of(ge, g.constant("axis1", new long[] {1})),
                            List.of(attr("keepdims", 1L)));
                } else {
                    bucket = g.node("Where", g.node("IsNaN", x), constant("zero", 0.0), constant("zero", 0.0));
                }
                // Out of the splits' range Spark always fails; NaN goes to an extra bucket under 'keep'.
                String outside = g.node("Or", g.node("Less", x, constant("first_split", s[0])),
                        g.node("Greater", x, constant("last_split", s[n - 1])));
                bucket = g.node("Where", outside, nan(), bucket);
                return doubleColumn(g.node("Where", g.node("IsNaN", x), keep ? constant("nan_bucket", n - 1) : nan(),
                        bucket));
            };
        });
    }

    private Column assemble(String[] in, String what) {
        List<String> parts = new ArrayList<>();
        int width = 0;
        for (String c : in) {
            Column x = column(c, what);
            if (x.kind() == Kind.STRING) {
                throw Errors.badData(DOING, what + " assembles '" + c + "', a string column",
                        "index and encode it first (StringIndexer, OneHotEncoder)");
            }
            parts.add(x.value());
            width += x.width();
        }
        String v = parts.size() == 1 ? parts.get(0) : g.node("Concat", parts, List.of(attr("axis", 1L)));
        return new Column(v, Kind.VECTOR, width, null);
    }

    private void standardScaler(StandardScalerModel m, String what) {
        String c = m.getInputCol();
        double[] mean = m.mean().toArray();
        double[] std = m.std().toArray();
        boolean withMean = m.getWithMean();
        boolean withStd = m.getWithStd();
        produce(m.getOutputCol(), what, () -> {
            Column x = width(vector(c, what), std.length, what);
            String y = x.value();
            if (withMean) {
                y = g.node("Sub", y, g.constant("mean", mean));
            }
            if (withStd) {
                // Spark multiplies by the reciprocal (0 for a constant feature) rather than dividing.
                double[] scale = new double[std.length];
                Arrays.setAll(scale, i -> std[i] == 0 ? 0.0 : 1.0 / std[i]);
                y = g.node("Mul", y, g.constant("scale", scale));
            }
            return new Column(y, Kind.VECTOR, x.width(), null);
        });
    }

    private void minMaxScaler(MinMaxScalerModel m, String what) {
        String c = m.getInputCol();
        double[] lo = m.originalMin().toArray();
        double[] hi = m.originalMax().toArray();
        double min = m.getMin();
        double scale = m.getMax() - min;
        produce(m.getOutputCol(), what, () -> {
            Column x = width(vector(c, what), lo.length, what);
            double[] factor = new double[lo.length];
            double[] constantOut = new double[lo.length];
            long[] constantFeature = new long[lo.length];
            for (int i = 0; i < lo.length; i++) {
                double range = hi[i] - lo[i];
                factor[i] = range != 0 ? scale / range : 0.0;
                constantFeature[i] = factor[i] == 0 ? 1 : 0;
                constantOut[i] = 0.5 * scale + min;
            }
            String scaled = g.node("Add", g.node("Mul", g.node("Sub", x.value(), g.constant("original_min", lo)),
                    g.constant("factor", factor)), constant("min", min));
            // A constant feature maps to the middle of [min, max]; NaN stays NaN.
            String isConstant = g.node("Cast", List.of(g.constant("constant_feature", constantFeature)),
                    List.of(attr("to", (long) OnnxGraph.BOOL)));
            String y = g.node("Where", isConstant, g.constant("middle", constantOut), scaled);
            return new Column(g.node("Where", g.node("IsNaN", x.value()), x.value(), y), Kind.VECTOR, x.width(), null);
        });
    }

    // ---- helpers ----

    private static Column width(Column x, int expected, String what) {
        if (x.width() != expected) {
            throw Errors.badData(DOING, what + " was fitted on vectors of " + expected + " values but gets "
                    + x.width(), "fit the pipeline again");
        }
        return x;
    }

    private static Column doubleColumn(String value) {
        return new Column(value, Kind.NUMBER, 1, DataTypes.DoubleType);
    }

    private String cast(String value, int to) {
        return g.node("Cast", List.of(value), List.of(attr("to", (long) to)));
    }

    private String nan() {
        return constant("nan", Double.NaN);
    }

    /** A scalar double initializer, shared by every node that needs the same value. */
    private String constant(String hint, double value) {
        return constants.computeIfAbsent(hint + "=" + Double.doubleToRawLongBits(value),
                k -> g.constant(hint, new double[] {value}));
    }

    /** A stage's multi-column param when set, else its single-column one. */
    private static String[] cols(Params p, String multi, String single) {
        if (p.hasParam(multi) && p.isSet(p.getParam(multi))) {
            return (String[]) p.getOrDefault(p.getParam(multi));
        }
        return new String[] {(String) p.getOrDefault(p.getParam(single))};
    }

    private static void flatten(Transformer t, List<Transformer> out) {
        if (t instanceof PipelineModel pm) {
            for (Transformer s : pm.stages()) {
                flatten(s, out);
            }
        } else {
            out.add(t);
        }
    }

    /** "stage 3 (StringIndexerModel strIdx_1a2b)". */
    public static String describe(Transformer stage, int index) {
        return "stage " + index + " (" + stage.getClass().getSimpleName() + " " + stage.uid() + ")";
    }
}
