package dev.ingot.features.internal;

import dev.ingot.core.Catalog;
import dev.ingot.core.Errors;
import dev.ingot.core.IngotException;
import dev.ingot.core.Lineage;
import dev.ingot.core.TableName;
import dev.ingot.core.config.FeatureViewDef;
import dev.ingot.core.config.Project;
import dev.ingot.core.config.SourceDef;
import dev.ingot.features.FeatureViewVersion;
import io.delta.tables.DeltaTable;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.SparkThrowable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;

/** Reads what a feature view reads, pinned to the Delta version it saw, and checks its shape. */
public final class SourceReader {
    private SourceReader() {}

    /**
     * What was read.
     *
     * @param rows the rows (not yet filtered or transformed)
     * @param eventTime the event-time column
     * @param input the lineage entry: location and the Delta version read
     * @param file the definition file to name in errors
     * @param upstream {@code <view>_v<N>} when the input is another feature view
     * @param files the files of a csv, json or parquet source as read (csv and json columns as text), before any check
     *     or conversion: what {@link #requireRows} looks at, and what a failed check's message is made from
     * @param source the source, when the input is one
     */
    public record Read(Dataset<Row> rows, String eventTime, Lineage.Input input, String file, Optional<String> upstream,
                       Optional<Dataset<Row>> files, Optional<SourceDef> source) {
        Read withRows(Dataset<Row> newRows) {
            return new Read(newRows, eventTime, input, file, upstream, files, source);
        }
    }

    /** Reads the input of {@code view}. */
    public static Read read(SparkSession spark, Project project, FeatureViewDef view, Registry registry) {
        String viewFile = view.file();
        SourceDef src = project.sources().get(view.source());
        Read read;
        if (src != null) {
            read = readSource(spark, src, view.eventTime());
        } else {
            FeatureViewVersion up = registry.latest(view.source()).orElseThrow(() -> Errors.badData(
                    "materialize feature view '" + view.name() + "'",
                    "it reads feature view '" + view.source() + "', which has not been materialized yet",
                    "run 'features materialize --view " + view.source() + "' first"));
            long v = Lineage.latestVersion(spark, up.table());
            Dataset<Row> rows = spark.sql("SELECT * FROM " + up.table().sql() + " VERSION AS OF " + v);
            read = new Read(rows, view.eventTime().orElse("feature_time"),
                    new Lineage.Input(view.source(), up.table().toString(), Optional.of(v)), viewFile,
                    Optional.of(up.table().table()), Optional.empty(), Optional.empty());
        }
        StructField et = field(read.rows().schema(), read.eventTime());
        if (et == null) {
            throw Errors.badData("materialize feature view '" + view.name() + "'",
                    "event-time column '" + read.eventTime() + "' is not in " + read.input().location()
                            + " (columns: " + String.join(", ", read.rows().columns()) + ")",
                    "set 'event_time' in " + (view.eventTime().isPresent() ? viewFile : read.file())
                            + " to one of its timestamp columns");
        }
        if (et.dataType() instanceof TimestampNTZType && src != null) {
            // Local times without a zone (what pandas writes to parquet): read as times in the source's time_zone.
            read = read.withRows(read.rows().withColumn(et.name(), utc(functions.col(quote(et.name())), src.timeZone())));
        } else if (!et.dataType().equals(DataTypes.TimestampType)) {
            String file = view.eventTime().isPresent() ? viewFile : read.file();
            throw Errors.badData("materialize feature view '" + view.name() + "'",
                    "event-time column '" + read.eventTime() + "' (" + file + " event_time) of " + read.input().location()
                            + " is " + et.dataType().simpleString() + ", not a timestamp",
                    "point 'event_time' in " + file + " at a timestamp (or timestamp_ntz) column, or cast the column "
                            + "to a timestamp in the table the source reads");
        }
        return read;
    }

    private static Read readSource(SparkSession spark, SourceDef src, Optional<String> viewEventTime) {
        String file = src.file();
        String doing = "read source '" + src.name() + "' (" + file + ")";
        Dataset<Row> rows;
        Dataset<Row> files = null;
        Optional<Long> version = Optional.empty();
        String location;
        if (src.table().isPresent()) {
            TableName t = src.table().get();
            location = t.toString();
            if (!Catalog.tableExists(spark, t)) {
                throw Errors.badData(doing, "table " + t + " does not exist",
                        "create it, or fix 'table' in " + file + describedAs(src));
            }
            version = deltaVersion(spark, t);
            rows = version.isPresent() ? spark.sql("SELECT * FROM " + t.sql() + " VERSION AS OF " + version.get())
                    : spark.table(t.sql());
        } else {
            String path = src.path().orElseThrow();
            location = path;
            DataFrameReader r = spark.read().options(src.options());
            try {
                switch (src.format()) {
                    case DELTA -> {
                        if (!DeltaTable.isDeltaTable(spark, path)) {
                            throw Errors.badData(doing, "path '" + path + "' " + (exists(spark, path)
                                    ? "is not a Delta table (it has no _delta_log)" : "does not exist"),
                                    "fix 'path' or 'format' in " + file);
                        }
                        long v = Lineage.latestVersion(spark, path);
                        version = Optional.of(v);
                        rows = r.format("delta").option("versionAsOf", v).load(path);
                    }
                    case PARQUET -> {
                        rows = r.parquet(path);
                        files = rows;
                    }
                    default -> {
                        boolean text = asText(src);
                        rows = load(r, src, path, text ? mixedDdl(src.schema()) : ddl(src.schema()));
                        files = load(spark.read().options(src.options()), src, path, textDdl(src.schema()));
                        if (text) {
                            rows = typedFromText(rows, src, viewEventTime.orElse(src.eventTime()));
                        }
                    }
                }
            } catch (IngotException e) {
                throw e;
            } catch (Exception e) { // Spark's AnalysisException is checked to Java but thrown all the same
                throw unreadable(doing, src, file, e).orElseGet(() -> Errors.badData(doing, "cannot read "
                        + src.format().name().toLowerCase(Locale.ROOT) + " at " + path + ": " + firstLine(e.getMessage()),
                        "check 'path' and 'format' in " + file));
            }
        }
        checkDeclaredSchema(rows.schema(), src, file, doing);
        return new Read(rows, viewEventTime.orElse(src.eventTime()), new Lineage.Input(src.name(), location, version), file,
                Optional.empty(), Optional.ofNullable(files), Optional.of(src));
    }

    /**
     * Whether a csv or json source is read as text and cast in the query: always, unless the source chooses Spark's
     * own handling of malformed rows ({@code options.mode}), sets a {@code timeZone} for its timestamps (which a
     * cast does not take), or declares a type a cast from text cannot make (arrays, maps, structs, binary).
     * Spark's {@code PERMISSIVE} default reads a value that does not parse as null and goes on: an 'abc' amount or a
     * timestamp in another format would vanish from the features without a word. Its {@code FAILFAST} refuses them,
     * but RAPIDS reads csv on the GPU only in {@code PERMISSIVE} mode; casts of text run on the GPU.
     */
    static boolean asText(SourceDef src) {
        return ValueChecks.option(src.options(), "mode").isEmpty() && ValueChecks.option(src.options(), "timeZone").isEmpty()
                && src.schema().values().stream().allMatch(t -> ValueChecks.castable(DataType.fromDDL(t)));
    }

    private static Dataset<Row> load(DataFrameReader r, SourceDef src, String path, String ddl) {
        DataFrameReader typed = r.schema(ddl);
        if (src.format() == SourceDef.Format.CSV) {
            return typed.option("header", src.options().getOrDefault("header", "true")).csv(path);
        }
        return typed.json(path);
    }

    /**
     * The declared columns from their text, each checked (a text that does not parse raises an error); dates and
     * timestamps are parsed by the reader (RAPIDS parses them in its csv scan, but casts text to timestamps on the CPU
     * only), and the event time must be there in every row: a row without one, or with one that does not parse,
     * cannot be placed in time.
     */
    private static Dataset<Row> typedFromText(Dataset<Row> text, SourceDef src, String eventTime) {
        Column[] cols = src.schema().entrySet().stream()
                .map(e -> e.getKey().equals(eventTime) && ValueChecks.readTyped(DataType.fromDDL(e.getValue()))
                        ? ValueChecks.present(e.getKey())
                        : ValueChecks.typed(e.getKey(), DataType.fromDDL(e.getValue()), src.options()))
                .toArray(Column[]::new);
        return text.select(cols);
    }

    /** Dates and timestamps as declared, every other column as text. */
    private static String mixedDdl(Map<String, String> schema) {
        StringBuilder b = new StringBuilder();
        schema.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append('`').append(k.replace("`", "``"))
                .append("` ").append(ValueChecks.readTyped(DataType.fromDDL(v)) ? v : "string"));
        return b.toString();
    }

    /**
     * A source whose files hold no rows at all (zero-byte files, a csv header alone) is bad input, as an empty folder
     * is; a range with no events of a source that has rows is not. One small job: a scan that stops at the first row.
     */
    public static void requireRows(Read read, String doing) {
        if (read.files().isEmpty() || read.source().isEmpty()) {
            return;
        }
        SourceDef src = read.source().get();
        boolean empty;
        try {
            empty = read.files().get().isEmpty();
        } catch (RuntimeException e) {
            return; // the run's own read says what is wrong with the files
        }
        if (empty) {
            throw Errors.badData(doing, "the " + src.format().name().toLowerCase(Locale.ROOT) + " files at '"
                    + src.path().orElseThrow() + "' (" + read.file() + ") hold no rows (zero-byte files, or "
                    + (src.format() == SourceDef.Format.CSV ? "a header line alone" : "no records") + ")",
                    "point 'path' in " + read.file() + " at files with rows, or write the source's rows first");
        }
    }

    /**
     * Bad input naming the source file when {@code e} says that the files of the view's {@code path:} source cannot be
     * read (files of another format than 'format' may show only when a job opens them); empty otherwise.
     */
    public static Optional<IngotException> unreadableFiles(Project project, FeatureViewDef view, Throwable e) {
        SourceDef src = project.sources().get(view.source());
        if (src == null || src.path().isEmpty()) {
            return Optional.empty();
        }
        String file = src.file();
        return unreadable("read source '" + src.name() + "' (" + file + ") for feature view '" + view.name() + "'",
                src, file, e);
    }

    /**
     * Why the files of a {@code path:} source cannot be read, as bad input naming the source file, its key and the fix;
     * empty when {@code e} is about something else. Spark says so by error class when it lists the files and opens the
     * first, by message when a task opens the others.
     */
    private static Optional<IngotException> unreadable(String doing, SourceDef src, String file, Throwable e) {
        String path = src.path().orElseThrow();
        String format = src.format().name().toLowerCase(Locale.ROOT);
        for (Throwable t = e; t != null; t = t.getCause()) {
            String errorClass = t instanceof SparkThrowable st && st.getErrorClass() != null ? st.getErrorClass() : "";
            if (errorClass.equals("PATH_NOT_FOUND")) {
                return Optional.of(Errors.badData(doing, "path '" + path + "' does not exist", "fix 'path' in " + file
                        + " (a relative path is taken from the project directory)"));
            }
            if (errorClass.equals("UNABLE_TO_INFER_SCHEMA")) {
                return Optional.of(Errors.badData(doing, "path '" + path + "' holds no " + format + " files (an empty "
                        + "folder, or only hidden files)", "point 'path' in " + file + " at the data files, or fix 'format'"));
            }
            if (errorClass.startsWith("CANNOT_READ_FILE_FOOTER") || String.valueOf(t.getMessage()).contains("is not a Parquet file")) {
                return Optional.of(Errors.badData(doing, "the files at '" + path + "' are not " + format
                        + " files, or are damaged (" + firstLine(t.getMessage()) + ")", "set 'format' in " + file
                        + " to the files' format (delta, parquet, csv or json), or point 'path' at " + format + " files"));
            }
        }
        return Optional.empty();
    }

    private static boolean exists(SparkSession spark, String path) {
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
            return p.getFileSystem(spark.sessionState().newHadoopConf()).exists(p);
        } catch (java.io.IOException | RuntimeException e) {
            return true; // cannot tell: say what is certain, that it is no Delta table
        }
    }

    /**
     * A {@code timestamp_ntz} column as UTC instants, its values read as local times in {@code zone}. Built from the
     * fields of the local time, so that the session's time zone plays no part. A local time that a daylight-saving
     * change skips is moved forward by the gap; one that occurs twice is taken at its earlier instant.
     */
    static Column utc(Column localTime, ZoneId zone) {
        return functions.make_timestamp(functions.year(localTime), functions.month(localTime),
                functions.dayofmonth(localTime), functions.hour(localTime), functions.minute(localTime),
                functions.date_part(functions.lit("SECOND"), localTime),
                functions.lit(zone.getId()));
    }

    private static String quote(String column) {
        return "`" + column.replace("`", "``") + "`";
    }

    /** The latest Delta version of a table; empty when it is not a Delta table. */
    private static Optional<Long> deltaVersion(SparkSession spark, TableName t) {
        if (!Catalog.isDeltaTable(spark, t)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Lineage.latestVersion(spark, t));
        } catch (RuntimeException e) {
            throw Errors.jobFailed("read the Delta log of " + t, e);
        }
    }

    /** Columns the source file declares must be in the data with those types. */
    private static void checkDeclaredSchema(StructType actual, SourceDef src, String file, String doing) {
        for (Map.Entry<String, String> e : src.schema().entrySet()) {
            StructField f = field(actual, e.getKey());
            if (f == null) {
                throw Errors.badData(doing, "column '" + e.getKey() + "' declared in 'schema' is not in the data (columns: "
                        + String.join(", ", actual.fieldNames()) + ")", "fix 'schema' in " + file);
            }
            DataType declared = DataType.fromDDL(e.getValue());
            if (!declared.sameType(f.dataType())) {
                throw Errors.badData(doing, "column '" + e.getKey() + "' is " + f.dataType().simpleString()
                        + " in the data but declared " + e.getValue(), "fix 'schema' in " + file);
            }
        }
    }

    /**
     * The source's own description, which says where its data comes from (the example project's say that
     * {@code bin/ingot demo} writes them): the best hint for a table that is not there.
     */
    private static String describedAs(SourceDef src) {
        String d = src.description().strip();
        return d.isEmpty() ? "" : " (its description: " + d.replaceAll("\\s+", " ") + ")";
    }

    static StructField field(StructType schema, String name) {
        return Arrays.stream(schema.fields()).filter(f -> f.name().equals(name)).findFirst().orElse(null);
    }

    private static String textDdl(Map<String, String> schema) {
        StringBuilder b = new StringBuilder();
        schema.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append('`').append(k.replace("`", "``"))
                .append("` string"));
        return b.toString();
    }

    private static String ddl(Map<String, String> schema) {
        StringBuilder b = new StringBuilder();
        schema.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append('`').append(k).append("` ").append(v));
        return b.toString();
    }

    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl);
    }
}
