package dev.ingot.features;

import static dev.ingot.features.TestProject.day;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ingot.core.Catalog;
import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.core.TableName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Sources read from files ({@code path:}): files that cannot be read are bad input naming the source file, the key and
 * the fix; naive timestamps ({@code timestamp_ntz}, what pandas writes) are event times in the source's time zone.
 */
class SourceFilesTest {
    private static final String ROW_VIEW = """
            source: %s
            entities: [customer_id]
            transformations:
              - {name: amount_x2, expr: amount * 2}
            """;
    private static SparkSession spark;

    @BeforeAll
    static void session() {
        spark = TestProject.sparkWithDatabase("sfiles");
    }

    @Test
    void naiveEventTimesAreLocalTimesInTheSourcesTimeZone(@TempDir Path dir) {
        String data = dir.resolve("local_events").toString();
        // Paris is UTC+1 in January: local midnight-thirty is 23:30 UTC the day before.
        spark.sql("""
                SELECT * FROM VALUES
                  (1L, TIMESTAMP_NTZ'2026-01-01 00:30:00', 1.0D),
                  (1L, TIMESTAMP_NTZ'2026-01-01 12:00:00', 2.0D),
                  (2L, TIMESTAMP_NTZ'2026-01-02 00:30:00', 3.0D),
                  (2L, TIMESTAMP_NTZ'2026-01-03 23:59:59.250', 4.0D)
                  AS t(customer_id, ts, amount)""").write().parquet(data);
        assertThat(spark.read().parquet(data).schema().apply("ts").dataType())
                .as("Spark reads a naive parquet timestamp as timestamp_ntz").isEqualTo(DataTypes.TimestampNTZType);
        TestProject p = new TestProject(dir)
                .write("sources/sf_local.yaml", "path: " + data + "\nformat: parquet\nevent_time: ts\ntime_zone: Europe/Paris\n")
                .view("sf_local_rows", ROW_VIEW.formatted("sf_local"));

        MaterializeResult r = p.store().materialize("sf_local_rows", day(0), day(3));

        List<Row> rows = spark.sql("SELECT customer_id, feature_time, CAST(feature_date AS STRING), amount_x2 FROM "
                + r.table().sql() + " ORDER BY feature_time").collectAsList();
        assertThat(rows).as("feature times are the local times as UTC instants; 00:30 on Jan 1 in Paris is before the"
                + " range [Jan 1, Jan 4) UTC").hasSize(3);
        assertThat(rows.stream().map(x -> x.getTimestamp(1).toInstant()).toList()).containsExactly(
                Instant.parse("2026-01-01T11:00:00Z"), Instant.parse("2026-01-01T23:30:00Z"),
                Instant.parse("2026-01-03T22:59:59.250Z"));
        assertThat(rows.stream().map(x -> x.getString(2)).toList()).as("feature_date is the UTC day")
                .containsExactly("2026-01-01", "2026-01-01", "2026-01-03");
        assertThat(rows.stream().map(x -> x.getDouble(3)).toList()).containsExactly(4.0, 6.0, 8.0);
    }

    @Test
    void naiveEventTimesWithoutATimeZoneAreUtc(@TempDir Path dir) {
        String data = dir.resolve("utc_events").toString();
        spark.sql("SELECT 1L AS customer_id, TIMESTAMP_NTZ'2026-01-01 00:30:00' AS ts, 1.0 AS amount").write().parquet(data);
        TestProject p = new TestProject(dir)
                .write("sources/sf_utc.yaml", "path: " + data + "\nformat: parquet\nevent_time: ts\n")
                .view("sf_utc_rows", ROW_VIEW.formatted("sf_utc"));
        MaterializeResult r = p.store().materialize("sf_utc_rows", day(0), day(1));
        assertThat(spark.table(r.table().sql()).first().<java.sql.Timestamp>getAs("feature_time").toInstant())
                .isEqualTo(Instant.parse("2026-01-01T00:30:00Z"));
    }

    @Test
    void pathThatDoesNotExist(@TempDir Path dir) {
        String msg = rejected(dir, "sf_missing", dir.resolve("no_such_folder").toString(), "parquet");
        assertThat(msg).contains("sources/sf_missing.yaml", "no_such_folder", "does not exist", "Fix: fix 'path' in "
                + "sources/sf_missing.yaml");
    }

    @Test
    void emptyFolder(@TempDir Path dir) throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        String msg = rejected(dir, "sf_empty", empty.toString(), "parquet");
        assertThat(msg).contains("sources/sf_empty.yaml", "holds no parquet files", "Fix: point 'path' in "
                + "sources/sf_empty.yaml at the data files, or fix 'format'");
    }

    @Test
    void filesOfAnotherFormat(@TempDir Path dir) {
        String csv = dir.resolve("csv_events").toString();
        spark.sql("SELECT 1L AS customer_id, TIMESTAMP'2026-01-01 00:30:00' AS ts, 1.0 AS amount")
                .write().option("header", "true").csv(csv);
        String msg = rejected(dir, "sf_csv", csv, "parquet");
        assertThat(msg).contains("sources/sf_csv.yaml", "are not parquet files", "Fix: set 'format' in sources/sf_csv.yaml");
    }

    @Test
    void aDamagedFileSeenOnlyWhenTheJobRuns(@TempDir Path dir) throws IOException {
        Path data = dir.resolve("half_good");
        spark.sql("SELECT 1L AS customer_id, TIMESTAMP'2026-01-01 00:30:00' AS ts, 1.0 AS amount").coalesce(1)
                .write().parquet(data.toString());
        try (Stream<Path> files = Files.list(data)) {
            Path good = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
            // Spark takes the schema from the first file; the second one fails only when a task opens it.
            Files.move(good, data.resolve("part-00000-a.parquet"));
        }
        Files.writeString(data.resolve("part-00001-b.parquet"), "customer_id,ts,amount\n1,2026-01-01,1.0\n");
        String msg = rejected(dir, "sf_damaged", data.toString(), "parquet");
        assertThat(msg).contains("sources/sf_damaged.yaml", "are not parquet files, or are damaged", "part-00001-b.parquet",
                "Fix: set 'format' in sources/sf_damaged.yaml");
    }

    private static final String SUM_VIEW = """
            source: %s
            entities: [customer_id]
            aggregations:
              - {name: spend, function: sum, column: amount, windows: [1d]}
            """;

    /** A CSV source {@code customer_id bigint, ts timestamp, amount double} of the given text, with extra options. */
    private static TestProject csvProject(Path dir, String source, String text, String options) throws IOException {
        Path data = Files.createDirectories(dir.resolve(source + "_files"));
        Files.writeString(data.resolve("events.csv"), text);
        return new TestProject(dir)
                .write("sources/" + source + ".yaml", "path: " + data + "\nformat: csv\noptions:\n  header: true\n"
                        + options + "schema:\n  customer_id: bigint\n  ts: timestamp\n  amount: double\nevent_time: ts\n")
                .view(source + "_spend", SUM_VIEW.formatted(source));
    }

    private static final String HEADER = "customer_id,ts,amount\n";
    private static final String GOOD_ROWS = HEADER + "1,2026-01-01T00:30:00Z,1.5\n3,2026-01-01T02:00:00Z,3.5\n";

    /** Materializing the view of {@code p} is bad input, and writes nothing; returns the message. */
    private static String refused(TestProject p, String view) {
        IngotException e = catchThrowableOfType(IngotException.class, () -> p.store().materialize(view, day(0), day(2)));
        assertThat(e).as("materializing " + view + " is refused").isNotNull();
        assertThat(e.exitCode()).as(e.getMessage()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(e.getMessage()).doesNotContain("\n").startsWith("Cannot materialize feature view '" + view + "'");
        assertThat(p.store().versions(view)).as("registry").isEmpty();
        assertThat(Catalog.tableExists(spark, new TableName("features", view + "_v1"))).as("feature table").isFalse();
        assertThat(Catalog.tableExists(spark, new TableName("features", view + "_v1__tiles"))).as("tiles").isFalse();
        return e.getMessage();
    }

    /**
     * A value that does not parse as its declared type is bad input naming the source file, the column, the value and
     * the input file, where Spark's PERMISSIVE default read it as null and the feature left it out without a word.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "an amount that is not a number|2,2026-01-01T01:00:00Z,abc|amount|abc|double",
            "an id that is not a whole number|2.5,2026-01-01T01:00:00Z,2.5|customer_id|2.5|bigint"})
    void aCsvValueThatDoesNotParseIsBadInputNotANull(String what, String badRow, String column, String value,
                                                      String type, @TempDir Path dir) throws IOException {
        TestProject p = csvProject(dir, "sf_unparsed", GOOD_ROWS + badRow + "\n", "");
        String msg = refused(p, "sf_unparsed_spend");
        assertThat(msg).as(what).contains("column '" + column + "'", "declared " + type + " in sources/sf_unparsed.yaml",
                "the value '" + value + "' does not parse", "1 row(s) of the source hold such values, e.g. '" + value
                + "' in file:", "events.csv", "Fix: correct the data; or declare '" + column + "' as string",
                "'options.mode'");
    }

    /**
     * A row whose event time is empty or does not parse (Spark's reader reads both as null) cannot be placed in time:
     * bad input naming the value and the file, where it was dropped without a word.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "a timestamp in another format|2,01/02/2026 10:00,2.5|01/02/2026 10:00",
            "an empty event time|2,,2.5|"})
    void aCsvRowWithoutAnEventTimeIsBadInput(String what, String badRow, String value, @TempDir Path dir)
            throws IOException {
        TestProject p = csvProject(dir, "sf_no_time", GOOD_ROWS + badRow + "\n", "");
        String msg = refused(p, "sf_no_time_spend");
        assertThat(msg).as(what).contains("has no event time: its 'ts' (the event time, in sources/sf_no_time.yaml) is"
                        + " empty or does not parse as a timestamp", "1 row(s) of the source hold such values, e.g. '"
                        + (value == null ? "" : value) + "' in file:", "events.csv",
                "Fix: correct the data; or set 'options.timestampFormat' in sources/sf_no_time.yaml");
    }

    /** The source's own formats still apply: a timestampFormat reads its timestamps, which CAST alone would not. */
    @Test
    void aCsvSourcesTimestampFormatIsHonoured(@TempDir Path dir) throws IOException {
        TestProject p = csvProject(dir, "sf_format", HEADER + "1,01/01/2026 00:30,1.5\n1,01/01/2026 10:00,2.0\n"
                + "3,02/01/2026 09:00,4.0\n", "  timestampFormat: dd/MM/yyyy HH:mm\n");
        MaterializeResult r = p.store().materialize("sf_format_spend", day(0), day(2));
        assertThat(spark.sql("SELECT customer_id, CAST(feature_date AS STRING), spend_1d FROM " + r.table().sql()
                        + " ORDER BY 2, 1").collectAsList().stream().map(x -> x.get(0) + "@" + x.get(1) + "=" + x.get(2)).toList())
                .containsExactly("1@2026-01-02=3.5", "3@2026-01-03=4.0");
    }

    /** A source that chooses Spark's mode gets Spark's handling: PERMISSIVE reads the bad amount as null. */
    @Test
    void aCsvSourceThatChoosesPermissiveKeepsSparksBehaviour(@TempDir Path dir) throws IOException {
        TestProject p = csvProject(dir, "sf_permissive", GOOD_ROWS + "1,2026-01-01T01:00:00Z,abc\n", "  mode: PERMISSIVE\n");
        MaterializeResult r = p.store().materialize("sf_permissive_spend", day(0), day(1));
        assertThat(spark.sql("SELECT customer_id, spend_1d FROM " + r.table().sql() + " ORDER BY 1").collectAsList()
                .stream().map(x -> x.get(0) + "=" + x.get(1)).toList()).containsExactly("1=1.5", "3=3.5");
    }

    /** NaN and the infinities would make NaN features: bad input naming the column, the count and an example row. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"NaN", "Infinity", "-Infinity"})
    void aNotFiniteAmountIsBadInputNotANanFeature(String amount, @TempDir Path dir) throws IOException {
        TestProject p = csvProject(dir, "sf_nan", GOOD_ROWS + "2,2026-01-01T01:00:00Z," + amount + "\n"
                + "2,2026-01-01T03:00:00Z," + amount + "\n", "");
        String msg = refused(p, "sf_nan_spend");
        assertThat(msg).contains("column 'amount' that feeds its features holds " + amount,
                "2 row(s) of " + dir.resolve("sf_nan_files") + " hold NaN or infinite 'amount' values, e.g. customer_id=2 at",
                "Fix: correct the data, or leave such rows out with a 'filter' in feature_views/sf_nan_spend.yaml",
                "NOT isnan(amount)");
    }

    /** Files that hold no rows are bad input, as an empty folder is; a range without events of a source with rows is not. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {"a zero-byte file|", "a header alone|customer_id,ts,amount\\n"})
    void csvFilesWithoutRowsAreBadInput(String what, String text, @TempDir Path dir) throws IOException {
        TestProject p = csvProject(dir, "sf_norows", text == null ? "" : text.replace("\\n", "\n"), "");
        String msg = refused(p, "sf_norows_spend");
        assertThat(msg).as(what).contains("the csv files at '" + dir.resolve("sf_norows_files") + "'",
                "(sources/sf_norows.yaml) hold no rows", "Fix: point 'path' in sources/sf_norows.yaml at files with rows");
    }

    @Test
    void aRangeWithoutEventsOfASourceWithRowsIsValid(@TempDir Path dir) throws IOException {
        TestProject p = csvProject(dir, "sf_quiet", GOOD_ROWS, "");
        MaterializeResult r = p.store().materialize("sf_quiet_spend", day(10), day(11));
        assertThat(r.rowsWritten()).isZero();
    }

    /** Materializing a row-level view of a parquet source at {@code path} fails with bad input; returns the message. */
    private static String rejected(Path dir, String source, String path, String format) {
        String view = source + "_rows";
        TestProject p = new TestProject(dir)
                .write("sources/" + source + ".yaml", "path: " + path + "\nformat: " + format + "\nevent_time: ts\n")
                .view(view, ROW_VIEW.formatted(source));
        IngotException e = catchThrowableOfType(IngotException.class, () -> p.store().materialize(view, day(0), day(1)));
        assertThat(e).as("materializing " + view).isNotNull();
        assertThat(e.exitCode()).as(e.getMessage()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(e.getMessage()).doesNotContain("\n");
        assertThat(p.store().versions(view)).as("registry").isEmpty();
        assertThat(Catalog.tableExists(spark, new TableName("features", view + "_v1__staging"))).isFalse();
        return e.getMessage();
    }
}
