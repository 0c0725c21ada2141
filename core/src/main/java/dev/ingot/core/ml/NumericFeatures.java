package dev.ingot.core.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.isnan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The first stage of every pipeline Ingot trains: numeric and boolean features cast to double (Imputer takes numbers
 * only), and null indicators, 1.0 where a feature is null or NaN and 0.0 elsewhere. It is a stage of its own rather
 * than a {@code SQLTransformer} because arbitrary SQL cannot be converted to ONNX, while these few params can.
 *
 * <pre>{@code
 * new NumericFeatures()
 *     .setInputCols(new String[] {"amount", "vip"}).setOutputCols(new String[] {"amount_d", "vip_d"})
 *     .setIndicatorInputCols(new String[] {"amount"}).setIndicatorOutputCols(new String[] {"amount__is_null"});
 * }</pre>
 *
 * <p>Its output is what {@code SELECT *, CAST(f AS DOUBLE) AS out, CAST(f IS NULL OR isnan(CAST(f AS DOUBLE)) AS
 * DOUBLE) AS ind FROM __THIS__} gives, to the bit. It saves and loads with the pipeline
 * ({@link DefaultParamsWritable}).
 */
public final class NumericFeatures extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final StringArrayParam inputCols;
    private final StringArrayParam outputCols;
    private final StringArrayParam indicatorInputCols;
    private final StringArrayParam indicatorOutputCols;

    /** A stage with a random uid and no columns. */
    public NumericFeatures() {
        this(Identifiable$.MODULE$.randomUID("ingotNumericFeatures"));
    }

    /** A stage with this uid and no columns (the constructor Spark's reader calls). */
    public NumericFeatures(String uid) {
        this.uid = uid;
        inputCols = new StringArrayParam(this, "inputCols", "numeric or boolean columns to cast to double");
        outputCols = new StringArrayParam(this, "outputCols", "the double columns, one per input column");
        indicatorInputCols = new StringArrayParam(this, "indicatorInputCols", "columns to flag where null or NaN");
        indicatorOutputCols = new StringArrayParam(this, "indicatorOutputCols", "the indicators, one per column");
        setDefault(inputCols, new String[0]);
        setDefault(outputCols, new String[0]);
        setDefault(indicatorInputCols, new String[0]);
        setDefault(indicatorOutputCols, new String[0]);
    }

    @Override
    public String uid() {
        return uid;
    }

    /** Param: numeric or boolean columns to cast to double. */
    public StringArrayParam inputCols() {
        return inputCols;
    }

    /** Param: the double columns, one per input column. */
    public StringArrayParam outputCols() {
        return outputCols;
    }

    /** Param: columns to flag where null or NaN. */
    public StringArrayParam indicatorInputCols() {
        return indicatorInputCols;
    }

    /** Param: the indicator columns, one per indicator input column. */
    public StringArrayParam indicatorOutputCols() {
        return indicatorOutputCols;
    }

    /** The columns cast to double. */
    public String[] getInputCols() {
        return getOrDefault(inputCols);
    }

    /** Where the casts go. */
    public String[] getOutputCols() {
        return getOrDefault(outputCols);
    }

    /** The columns flagged where null or NaN. */
    public String[] getIndicatorInputCols() {
        return getOrDefault(indicatorInputCols);
    }

    /** Where the indicators go. */
    public String[] getIndicatorOutputCols() {
        return getOrDefault(indicatorOutputCols);
    }

    /** Sets the columns to cast to double. */
    public NumericFeatures setInputCols(String[] value) {
        set(inputCols, value);
        return this;
    }

    /** Sets where the casts go. */
    public NumericFeatures setOutputCols(String[] value) {
        set(outputCols, value);
        return this;
    }

    /** Sets the columns to flag where null or NaN. */
    public NumericFeatures setIndicatorInputCols(String[] value) {
        set(indicatorInputCols, value);
        return this;
    }

    /** Sets where the indicators go. */
    public NumericFeatures setIndicatorOutputCols(String[] value) {
        set(indicatorOutputCols, value);
        return this;
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema(), true);
        List<Column> select = new ArrayList<>();
        select.add(col("*"));
        String[] in = getInputCols();
        String[] out = getOutputCols();
        for (int i = 0; i < in.length; i++) {
            select.add(quoted(in[i]).cast(DataTypes.DoubleType).as(out[i]));
        }
        String[] ind = getIndicatorInputCols();
        String[] indOut = getIndicatorOutputCols();
        for (int i = 0; i < ind.length; i++) {
            Column c = quoted(ind[i]);
            select.add(c.isNull().or(isnan(c.cast(DataTypes.DoubleType))).cast(DataTypes.DoubleType).as(indOut[i]));
        }
        return dataset.toDF().select(select.toArray(Column[]::new));
    }

    @Override
    public StructType transformSchema(StructType schema) {
        String[] in = getInputCols();
        String[] out = getOutputCols();
        String[] ind = getIndicatorInputCols();
        String[] indOut = getIndicatorOutputCols();
        if (in.length != out.length || ind.length != indOut.length) {
            throw new IllegalArgumentException(uid + ": " + in.length + " input columns for " + out.length
                    + " output columns, " + ind.length + " indicator inputs for " + indOut.length + " outputs");
        }
        List<String> have = Arrays.asList(schema.fieldNames());
        StructType result = schema;
        for (int i = 0; i < in.length; i++) {
            StructField f = numeric(schema, have, in[i]);
            result = result.add(out[i], DataTypes.DoubleType, f.nullable());
        }
        for (int i = 0; i < ind.length; i++) {
            numeric(schema, have, ind[i]);
            result = result.add(indOut[i], DataTypes.DoubleType, false);
        }
        return result;
    }

    private StructField numeric(StructType schema, List<String> have, String column) {
        if (!have.contains(column)) {
            throw new IllegalArgumentException(uid + ": no column '" + column + "' (columns: " + String.join(", ", have)
                    + ")");
        }
        StructField f = schema.apply(column);
        if (!(f.dataType() instanceof NumericType || f.dataType() instanceof BooleanType)) {
            throw new IllegalArgumentException(uid + ": column '" + column + "' has type " + f.dataType().simpleString()
                    + ", not a number or boolean");
        }
        return f;
    }

    private static Column quoted(String column) {
        return col("`" + column.replace("`", "``") + "`");
    }

    @Override
    public NumericFeatures copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /** The reader Spark's {@code PipelineModel.load} finds by reflection. */
    public static MLReader<NumericFeatures> read() {
        return new DefaultParamsReader<>();
    }

    /** Loads a stage saved with {@code write().save(path)}. */
    public static NumericFeatures load(String path) {
        return read().load(path);
    }
}
