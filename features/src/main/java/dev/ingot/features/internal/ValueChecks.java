package dev.ingot.features.internal;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.when;

import dev.ingot.core.Errors;
import dev.ingot.core.IngotException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;

/**
 * Checks of source values that run inside the query that reads them, so that they cost no second scan: a check that
 * fails stops the job with Spark's {@code raise_error} (which RAPIDS runs on the GPU), whose text carries a marker;
 * {@link #explain} turns such a failure into bad input naming the source file, the column and the value. Only on that
 * path does a second query run, to count the bad rows and find an input file holding one.
 */
final class ValueChecks {
    /** Starts the text of the error a text value that does not parse raises; the fields follow, split by {@link #SEP}. */
    static final String UNPARSED = "INGOT-UNPARSED-SOURCE-VALUE";
    /** Starts the text of the error a NaN or infinite value raises. */
    static final String NOT_FINITE = "INGOT-NOT-FINITE-FEATURE-INPUT";
    /** Starts the text of the error a csv or json row without an event time (empty, or not parsed) raises. */
    static final String NO_EVENT_TIME = "INGOT-NO-EVENT-TIME";
    private static final String SEP = "\u001f";
    private static final String END = SEP + "END";

    private ValueChecks() {}

    /** Types whose text a csv or json source can read as text and cast in the query, keeping Spark's reading. */
    static boolean castable(DataType t) {
        return t instanceof StringType || t instanceof IntegralType || t instanceof FloatType || t instanceof DoubleType
                || t instanceof DecimalType || t instanceof BooleanType || t instanceof DateType
                || t instanceof TimestampType || t instanceof TimestampNTZType;
    }

    /** Types the csv/json reader parses itself (on the GPU too): dates and timestamps. */
    static boolean readTyped(DataType t) {
        return t instanceof DateType || t instanceof TimestampType || t instanceof TimestampNTZType;
    }

    /** A column that must hold a value in every row (the event time): a null raises an error. */
    static Column present(String column) {
        Column c = col(quote(column));
        return when(c.isNull(), functions.raise_error(lit(NO_EVENT_TIME + SEP + column + END))).otherwise(c).as(column);
    }

    /**
     * The typed value of a text column, as Spark's csv/json reader would read it with the source's options; a text
     * that is there and does not parse raises an error (empty texts are null, as Spark reads them).
     */
    static Column typed(String column, DataType type, Map<String, String> options) {
        Column t = col(quote(column));
        if (type instanceof StringType || readTyped(type)) {
            return t;
        }
        Column cast = cast(t, type, options);
        // CAST('2.5' AS BIGINT) is 2 where the reader says null (Java's Long.parseLong): whole numbers only.
        Column valid = type instanceof IntegralType ? cast.isNotNull().and(t.rlike("^[+-]?[0-9]+$")) : cast.isNotNull();
        return when(t.isNotNull().and(not(valid)), functions.raise_error(concat(lit(UNPARSED + SEP + column + SEP
                + type.simpleString() + SEP), functions.length(t).cast("string"), lit(SEP), functions.substring(t, 1, 200),
                lit(END)))).otherwise(cast).as(column);
    }

    /** Whether a text value of {@code column} is there and does not parse: the rows {@link #typed} refuses. */
    static Column unparsed(String column, DataType type, Map<String, String> options) {
        Column t = col(quote(column));
        Column cast = cast(t, type, options);
        Column valid = type instanceof IntegralType ? cast.isNotNull().and(t.rlike("^[+-]?[0-9]+$")) : cast.isNotNull();
        return t.isNotNull().and(not(valid));
    }

    private static Column cast(Column t, DataType type, Map<String, String> options) {
        // The reader's format options, when the source sets them: to_timestamp/to_date parse with the same formatter
        // (and, as the reader does when a format is set, no fallback). Without one, the reader parses as CAST does.
        Optional<String> ts = option(options, "timestampFormat");
        Optional<String> ntz = option(options, "timestampNTZFormat");
        Optional<String> date = option(options, "dateFormat");
        if (type instanceof TimestampType && ts.isPresent()) {
            return functions.to_timestamp(t, ts.get());
        }
        if (type instanceof TimestampNTZType && ntz.isPresent()) {
            return functions.call_function("to_timestamp_ntz", t, lit(ntz.get()));
        }
        if (type instanceof DateType && date.isPresent()) {
            return functions.to_date(t, date.get());
        }
        if (type instanceof FloatType || type instanceof DoubleType) {
            // The texts the reader takes for NaN and the infinities, when the source chose others than CAST knows.
            Column text = t;
            for (String[] special : new String[][] {{"nanValue", "NaN"}, {"positiveInf", "Infinity"},
                    {"negativeInf", "-Infinity"}}) {
                Optional<String> o = option(options, special[0]);
                if (o.isPresent()) {
                    text = when(t.equalTo(lit(o.get())), lit(special[1])).otherwise(text);
                }
            }
            return text.cast(type);
        }
        return t.cast(type);
    }

    static Optional<String> option(Map<String, String> options, String key) {
        return options.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(key)).map(Map.Entry::getValue)
                .findFirst();
    }

    /** The value of a float or double column, raising an error on NaN and the infinities. */
    static Column finite(String column) {
        Column c = col(quote(column));
        return when(notFinite(c), functions.raise_error(concat(lit(NOT_FINITE + SEP + column + SEP),
                c.cast("string"), lit(END)))).otherwise(c).as(column);
    }

    static Column notFinite(Column c) {
        return isnan(c).or(c.equalTo(lit(Double.POSITIVE_INFINITY))).or(c.equalTo(lit(Double.NEGATIVE_INFINITY)));
    }

    /** The fields a marked error carries ({@code marker} excluded), found in {@code e} or its causes. */
    static Optional<List<String>> fields(Throwable e, String marker) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            int at = m.indexOf(marker + SEP);
            if (at >= 0) {
                int end = m.indexOf(END, at);
                String body = m.substring(at + marker.length() + SEP.length(), end < 0 ? m.length() : end);
                return Optional.of(List.of(body.split(SEP, -1)));
            }
        }
        return Optional.empty();
    }

    /**
     * Bad input for a failure that a check raised, naming {@code file} and the column; empty when {@code e} is about
     * something else. {@code diagnose} runs the second query: what it says is added when it answers.
     */
    static Optional<IngotException> explain(Throwable e, String doing, String file, String location,
                                            java.util.function.Function<String, Optional<String>> diagnoseUnparsed,
                                            java.util.function.Function<String, Optional<String>> diagnoseNotFinite,
                                            String viewFile) {
        Optional<List<String>> unparsed = fields(e, UNPARSED);
        if (unparsed.isPresent() && unparsed.get().size() >= 4) {
            List<String> f = unparsed.get();
            String column = f.get(0);
            String type = f.get(1);
            String value = shown(f.get(3), f.get(2));
            String more = diagnoseUnparsed.apply(column).map(s -> " (" + s + ")").orElse("");
            return Optional.of(Errors.badData(doing, "column '" + column + "' of " + location + " is declared " + type
                    + " in " + file + ", and the value '" + value + "' does not parse as " + type + more,
                    "correct the data; or declare '" + column + "' as string in " + file + " 'schema' and convert it in"
                            + " a transformation; or set 'options.mode' in " + file + " (PERMISSIVE reads such values"
                            + " as null, DROPMALFORMED drops their rows, as Spark does)"));
        }
        Optional<List<String>> noTime = fields(e, NO_EVENT_TIME);
        if (noTime.isPresent()) {
            String column = noTime.get().get(0);
            String more = diagnoseUnparsed.apply(column).map(s -> " (" + s + ")").orElse("");
            return Optional.of(Errors.badData(doing, "a row of " + location + " has no event time: its '" + column
                    + "' (the event time, in " + file + ") is empty or does not parse as a timestamp" + more,
                    "correct the data; or set 'options.timestampFormat' in " + file + " to the format of its"
                            + " timestamps; or set 'options.mode' there to keep Spark's handling (PERMISSIVE reads"
                            + " such rows with a null event time, which no feature uses)"));
        }
        Optional<List<String>> nan = fields(e, NOT_FINITE);
        if (nan.isPresent() && nan.get().size() >= 2) {
            String column = nan.get().get(0);
            String value = nan.get().get(1);
            String more = diagnoseNotFinite.apply(column).map(s -> "; " + s).orElse("");
            return Optional.of(Errors.badData(doing, "column '" + column + "' that feeds its features holds "
                    + value + " (not a finite number)" + more + ", and a NaN or infinite input would make NaN or"
                    + " infinite features",
                    "correct the data, or leave such rows out with a 'filter' in " + viewFile + " (e.g. \"NOT isnan("
                            + column + ") AND abs(" + column + ") != double('inf')\"), or turn them into nulls with a"
                            + " transformation (e.g. \"CASE WHEN isnan(" + column + ") OR abs(" + column + ") ="
                            + " double('inf') THEN NULL ELSE " + column + " END\")"));
        }
        return Optional.empty();
    }

    /** Counts the rows of {@code rows} matching {@code bad}, with an example: empty when the query fails. */
    static Optional<Row> count(Dataset<Row> rows, Column bad, Column example) {
        try {
            // The example is selected before it is aggregated: input_file_name() may not be an aggregate's argument.
            return Optional.of(rows.where(bad).select(example.as("example"))
                    .agg(functions.count(lit(1)), functions.min(col("example"))).first());
        } catch (Exception e) { // AnalysisException is checked to Java but thrown all the same
            return Optional.empty(); // only a better message was lost
        }
    }

    /** A value as messages quote it (as {@code Errors} does): at most 200 characters, control characters as '?'. */
    static String shown(String value, String length) {
        String v = value.replaceAll("\\p{Cntrl}", "?");
        return length.equals(Integer.toString(value.length())) ? v : v + "... (" + length + " characters)";
    }

    static String quote(String column) {
        return "`" + column.replace("`", "``") + "`";
    }
}
