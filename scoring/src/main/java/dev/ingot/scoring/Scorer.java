package dev.ingot.scoring;

import dev.ingot.core.Errors;
import dev.ingot.scoring.internal.BatchScorer;
import dev.ingot.scoring.internal.ColumnarScoring;
import dev.ingot.scoring.internal.LatencyAccumulator;
import dev.ingot.scoring.internal.ScoringPlan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Scores a DataFrame with an ONNX model inside the Spark executors, with no Python process: the model's bytes are
 * broadcast once, each executor JVM creates one ONNX Runtime session per model and shares it between its tasks, and
 * rows go through the model in batches. The model's inputs are checked against the DataFrame's schema before any task
 * starts, every mismatch named at once.
 *
 * <pre>{@code
 * OnnxModel model = OnnxModel.read(Path.of("churn.onnx"));
 * Dataset<Row> scored = Scorer.of(model)
 *         .withBinding(InputBinding.empty().with("float_input", List.of("age", "income", "tenure")))
 *         .withBatchSize(4096)
 *         .score(customers);        // customers' columns + label, probability, probabilities
 * }</pre>
 *
 * <p>Columns appended: a classifier's {@value #LABEL} (its output's type, {@code long} or {@code string}), for a binary
 * classifier {@value #PROBABILITY} (of the second class, class 1) and {@value #PROBABILITIES} (one per class); a
 * regressor's {@value #PREDICTION}. Null numbers reach the model as NaN, null strings as the model's {@code ingot.null_string} metadata (what
 * {@link OnnxConverter} maps to Spark's index of a null) or else the empty string.
 *
 * <p>An input read from Parquet or Delta files is scored from Spark's column batches (see {@link ScoringPath}): each
 * model input is filled column by column, with no row made before the model; any other input goes through rows. The
 * scores, rows and columns are the same either way.
 *
 * <p>ONNX Runtime uses {@code spark.task.cpus} intra-op threads per session unless set with
 * {@link #withIntraOpThreads}, so that the tasks an executor runs at once do not ask for more threads than it has
 * cores. Immutable: each {@code with*} returns a copy.
 */
public final class Scorer {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Scorer.class);
    /** Output column: the predicted class. */
    public static final String LABEL = "label";
    /** Output column: a binary classifier's probability of class 1. */
    public static final String PROBABILITY = "probability";
    /** Output column: one probability per class. */
    public static final String PROBABILITIES = "probabilities";
    /** Output column: a regressor's prediction. */
    public static final String PREDICTION = "prediction";
    /** Default rows per batch: large enough that ONNX Runtime's per-call cost vanishes, small enough for any heap. */
    public static final int BATCH_SIZE_DEFAULT = 4096;
    /** The largest batch size accepted. */
    public static final int BATCH_SIZE_MAX = 1 << 20;

    private final OnnxModel model;
    private final InputBinding binding;
    private final OutputBinding outputs;
    private final int batchSize;
    private final Optional<Integer> threads;
    private final ScoringPath path;

    private Scorer(OnnxModel model, InputBinding binding, OutputBinding outputs, int batchSize, Optional<Integer> threads,
                   ScoringPath path) {
        this.model = model;
        this.binding = binding;
        this.outputs = outputs;
        this.batchSize = batchSize;
        this.threads = threads;
        this.path = path;
    }

    /** A scorer of the model, each input filled by the column of its name, outputs found by their usual names. */
    public static Scorer of(OnnxModel model) {
        Errors.required(model, "Scorer.of(model)");
        return new Scorer(model, InputBinding.byName(model), OutputBinding.detect(model), BATCH_SIZE_DEFAULT,
                Optional.empty(), ScoringPath.AUTO);
    }

    /** A copy filling the model's inputs from these columns. */
    public Scorer withBinding(InputBinding binding) {
        return new Scorer(model, Errors.required(binding, "Scorer.withBinding"), outputs, batchSize, threads, path);
    }

    /** A copy reading these outputs (names not given are detected, see {@link OutputBinding#detect}). */
    public Scorer withOutputs(OutputBinding outputs) {
        return new Scorer(model, binding, Errors.required(outputs, "Scorer.withOutputs").orElse(OutputBinding.detect(model)),
                batchSize, threads, path);
    }

    /** A copy running batches of this many rows (1 to {@value #BATCH_SIZE_MAX}). */
    public Scorer withBatchSize(int rows) {
        if (rows < 1 || rows > BATCH_SIZE_MAX) {
            throw Errors.badArgument("batch size", rows, "a number of rows from 1 to " + BATCH_SIZE_MAX);
        }
        return new Scorer(model, binding, outputs, rows, threads, path);
    }

    /** A copy whose sessions use this many intra-op threads (default: {@code spark.task.cpus}). */
    public Scorer withIntraOpThreads(int n) {
        if (n < 1) {
            throw Errors.badArgument("intra-op threads", n, "a number of threads from 1");
        }
        return new Scorer(model, binding, outputs, batchSize, Optional.of(n), path);
    }

    /**
     * A copy handing the input to ONNX Runtime this way (default {@link ScoringPath#AUTO}: column batches when the
     * input is a columnar file scan, else rows; the same scores either way).
     */
    public Scorer withPath(ScoringPath path) {
        return new Scorer(model, binding, outputs, batchSize, threads, Errors.required(path, "Scorer.withPath"));
    }

    /** How the input is handed to ONNX Runtime. */
    public ScoringPath path() {
        return path;
    }

    /**
     * Why this input cannot be scored from column batches (its plan keeps a filter, a computed column, a scan that
     * reads rows, ...), or empty when it can: what {@link ScoringPath#AUTO} decides by.
     */
    public Optional<String> columnarProblem(Dataset<Row> input) {
        return Optional.ofNullable(ColumnarScoring.source(Errors.required(input, "Scorer.columnarProblem(input)")).whyNot());
    }

    /** The model scored. */
    public OnnxModel model() {
        return model;
    }

    /** The input binding. */
    public InputBinding binding() {
        return binding;
    }

    /** The outputs read. */
    public OutputBinding outputs() {
        return outputs;
    }

    /** Rows per batch. */
    public int batchSize() {
        return batchSize;
    }

    /** Whether the model is a classifier (it has a label output), else a regressor. */
    public boolean classifier() {
        return outputs.label().isPresent();
    }

    /**
     * Every reason the binding does not fit the model itself, whatever the table: an input bound that the model does
     * not have, a model input bound to no column, an input type Ingot cannot fill, a number of columns that does not
     * match the input's shape, an output that is not there or not a tensor. Empty when it fits.
     */
    public List<String> modelProblems() {
        List<String> p = new ArrayList<>();
        for (String bound : binding.columns().keySet()) {
            if (model.input(bound).isEmpty()) {
                p.add("the binding names input '" + bound + "', which the model does not have (inputs: "
                        + model.inputs() + ")");
            }
        }
        for (ModelInput in : model.inputs()) {
            List<String> cols = binding.columns().get(in.name());
            if (cols == null) {
                p.add("model input " + in + " is bound to no column (bind it, e.g. inputs: {" + in.name() + ": [col]})");
            } else if (in.type().isEmpty()) {
                p.add("model input " + in + " has a type Ingot cannot fill from columns (float, double, int64 or"
                        + " string tensors only)");
            } else if (in.shape().size() != 1 && in.shape().size() != 2) {
                p.add("model input " + in + " has rank " + in.shape().size() + "; Ingot fills [N] and [N,F] inputs");
            } else if (in.shape().size() == 2 && in.shape().get(1) > Integer.MAX_VALUE) {
                // A hostile or broken file: no table has that many columns, and int arithmetic would wrap it around.
                p.add("model input " + in + " takes " + in.shape().get(1) + " column(s) per row, more than any table"
                        + " has; the binding gives " + cols.size() + ": " + cols);
            } else if (in.shape().size() == 1 && cols.size() != 1 || in.width().isPresent() && in.width().get() != cols.size()) {
                p.add("model input " + in + " takes " + in.width().orElse(1) + " column(s) per row; the binding gives "
                        + cols.size() + ": " + cols);
            }
        }
        outputProblems(p);
        return p;
    }

    /**
     * Every reason the model cannot score rows of this schema: the {@link #modelProblems}, then each bound column
     * the table does not have or whose type the input does not take. Empty when it can.
     */
    public List<String> problems(StructType schema) {
        List<String> p = modelProblems();
        List<String> names = Arrays.asList(schema.fieldNames());
        for (ModelInput in : model.inputs()) {
            List<String> cols = binding.columns().get(in.name());
            if (cols == null || in.type().isEmpty()) {
                continue;
            }
            for (String c : cols) {
                if (!names.contains(c)) {
                    p.add("column '" + c + "' (model input '" + in.name() + "') is not in the input table (columns: "
                            + String.join(", ", names) + ")");
                } else {
                    DataType t = schema.apply(c).dataType();
                    if (!accepts(in.type().get(), t)) {
                        p.add("column '" + c + "' is " + t.simpleString() + ", and model input '" + in.name()
                                + "' takes " + in.typeName() + " (" + takes(in.type().get()) + ")");
                    }
                }
            }
        }
        return p;
    }

    private void outputProblems(List<String> p) {
        if (outputs.label().isEmpty() && outputs.prediction().isEmpty()) {
            p.add("the model has no output Ingot recognizes as a label or a prediction (outputs: " + model.outputs()
                    + "); name them (outputs: {label: ..., probability: ...} or {prediction: ...})");
        }
        check(p, "label", outputs.label(), List.of("int64", "string"));
        check(p, "probability", outputs.probability(), List.of("float", "double"));
        check(p, "prediction", outputs.prediction(), List.of("float", "double"));
    }

    private void check(List<String> p, String role, Optional<String> name, List<String> types) {
        if (name.isEmpty()) {
            return;
        }
        Optional<ModelOutput> o = model.output(name.get());
        if (o.isEmpty()) {
            p.add("the " + role + " output '" + name.get() + "' is not an output of the model (outputs: " + model.outputs() + ")");
        } else if (!o.get().tensor()) {
            p.add("the " + role + " output " + o.get() + " is not a tensor (a ZipMap's list of maps?): export"
                    + " tensors, e.g. skl2onnx's to_onnx(..., options={'zipmap': False})");
        } else if (!types.contains(o.get().typeName())) {
            p.add("the " + role + " output " + o.get() + " is " + o.get().typeName() + "; Ingot reads " + types);
        }
    }

    private static boolean accepts(ElementType type, DataType t) {
        return switch (type) {
            case FLOAT, DOUBLE -> t instanceof NumericType || t == DataTypes.BooleanType;
            case INT64 -> t == DataTypes.LongType || t == DataTypes.IntegerType || t == DataTypes.ShortType
                    || t == DataTypes.ByteType || t == DataTypes.BooleanType;
            case STRING -> t == DataTypes.StringType;
        };
    }

    private static String takes(ElementType type) {
        return switch (type) {
            case FLOAT, DOUBLE -> "numeric or boolean columns";
            case INT64 -> "integer or boolean columns";
            case STRING -> "string columns";
        };
    }

    /** The columns scoring appends, in order. */
    public List<StructField> appended() {
        List<StructField> f = new ArrayList<>();
        outputs.label().ifPresent(l -> f.add(DataTypes.createStructField(LABEL,
                model.output(l).map(o -> o.typeName().equals("string")).orElse(false) ? DataTypes.StringType
                        : DataTypes.LongType, false)));
        if (outputs.probability().isPresent()) {
            if (binary()) {
                f.add(DataTypes.createStructField(PROBABILITY, DataTypes.DoubleType, true));
            }
            f.add(DataTypes.createStructField(PROBABILITIES, new ArrayType(DataTypes.DoubleType, false), false));
        }
        outputs.prediction().ifPresent(x -> f.add(DataTypes.createStructField(PREDICTION, DataTypes.DoubleType, false)));
        return f;
    }

    /** Two classes, or a class count known only when the model runs (then the column is null unless there are two). */
    private boolean binary() {
        return outputs.probability().flatMap(model::output).map(o -> o.shape().size() != 2 || o.shape().get(1) <= 0
                || o.shape().get(1) == 2).orElse(false);
    }

    /**
     * Throws bad input naming every problem of {@link #problems} for this schema, and each column the input already
     * has that scoring would append.
     *
     * @throws dev.ingot.core.IngotException (bad input) listing each mismatch
     */
    public void check(StructType schema) {
        List<String> p = new ArrayList<>(problems(schema));
        for (StructField f : appended()) {
            if (Arrays.asList(schema.fieldNames()).contains(f.name())) {
                p.add("the input already has a column '" + f.name() + "', which scoring appends (drop or rename it)");
            }
        }
        if (!p.isEmpty()) {
            throw Errors.badData("score with " + model.source(), String.join("; ", p),
                    "bind each model input to existing columns of the right type (model inputs: " + model.inputs() + ")");
        }
    }

    /**
     * The input's rows with the model's outputs appended. Lazy, as Spark is: the model runs when the result is
     * written or collected. The schema is checked first.
     *
     * @throws dev.ingot.core.IngotException (bad input) when the model cannot score rows of the input's schema
     */
    public Dataset<Row> score(Dataset<Row> input) {
        return score(input, null, "Scorer.score(input)");
    }

    /**
     * As {@link #score(Dataset)}, and the time of each batch's inference recorded into {@code latencies} as the
     * tasks run.
     *
     * @throws dev.ingot.core.IngotException (bad input) when the model cannot score rows of the input's schema
     */
    public Dataset<Row> score(Dataset<Row> input, BatchLatencies latencies) {
        Errors.required(latencies, "Scorer.score(input, latencies)");
        return score(input, latencies.accumulator(), "Scorer.score(input, latencies)");
    }

    private Dataset<Row> score(Dataset<Row> input, LatencyAccumulator latencies, String call) {
        Errors.required(input, call);
        StructType schema = input.schema();
        check(schema);
        List<ScoringPlan.Input> inputs = new ArrayList<>();
        for (ModelInput in : model.inputs()) {
            List<String> cols = binding.columns().get(in.name());
            inputs.add(new ScoringPlan.Input(in.name(), in.type().orElseThrow(),
                    cols.stream().mapToInt(schema::fieldIndex).toArray(), in.shape().size() == 2, cols));
        }
        int n = threads.orElseGet(() -> Integer.parseInt(input.sparkSession().sparkContext().getConf()
                .get("spark.task.cpus", "1")));
        ScoringPlan plan = new ScoringPlan(model.sha256(), n, batchSize, inputs, outputs.label().orElse(null),
                outputs.label().flatMap(model::output).map(o -> o.typeName().equals("string")).orElse(false),
                outputs.probability().orElse(null), binary(), outputs.prediction().orElse(null),
                model.metadata().getOrDefault(OnnxConverter.NULL_STRING_KEY, ""));
        Broadcast<byte[]> bytes = JavaSparkContext.fromSparkContext(input.sparkSession().sparkContext())
                .broadcast(model.bytes());
        StructType out = schema;
        for (StructField f : appended()) {
            out = out.add(f);
        }
        if (path != ScoringPath.ROWS) {
            ColumnarScoring.Source source = ColumnarScoring.source(input);
            if (source.columnar()) {
                LOG.info("Scoring with model sha256 {} on the columnar path", model.sha256().substring(0, 12));
                return ColumnarScoring.score(input, source, bytes, plan, new StructType(appended().toArray(StructField[]::new)),
                        out, latencies);
            }
            if (path == ScoringPath.COLUMNAR) {
                throw Errors.badData("score with " + model.source() + " on the columnar path", "the input cannot be read as"
                        + " column batches: " + source.whyNot(), "score a Parquet or Delta table as it is read (select"
                        + " columns only), or use the row path (ScoringPath.AUTO or ROWS, --path auto|rows)");
            }
            LOG.info("Scoring with model sha256 {} on the row path: the input cannot be read as column batches: {}",
                    model.sha256().substring(0, 12), source.whyNot());
        }
        return input.mapPartitions(new BatchScorer(bytes, plan, latencies), Encoders.row(out));
    }
}
