package dev.ingot.jobs;

import static dev.ingot.jobs.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.TestSpark;
import dev.ingot.jobs.Cli.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingot sql}: the three formats, exactly, for a small table with NULLs, quotes, commas, line breaks and
 * non-ASCII text; scripts; the table format's row limit; bad SQL and unknown tables as bad input; writes refused
 * unless {@code --allow-writes}.
 */
class SqlCommandTest {
    private static SparkSession spark;
    private static final String NL = System.lineSeparator();

    @TempDir
    static Path dir;

    private static Path project;

    @BeforeAll
    static void table() throws IOException {
        spark = TestSpark.session();
        spark.sql("CREATE DATABASE IF NOT EXISTS cli");
        spark.sql("DROP TABLE IF EXISTS cli.sql_people");
        spark.sql("CREATE TABLE cli.sql_people USING delta AS SELECT * FROM VALUES "
                + "(1, 'Zoë', 'a, b', 1.5), (2, 'say \"hi\"', CAST(NULL AS STRING), CAST(NULL AS DOUBLE)), "
                + "(3, '東京', 'line1\\nline2', -2.0), (4, '', 'x', 0.0) AS t(id, name, note, score)");
        project = dir.resolve("shop");
        Files.createDirectories(project);
        Files.writeString(project.resolve("ingot.yaml"), "name: shop\nwarehouse: " + TestSpark.warehouse() + "\n");
    }

    private static Result sql(String... args) {
        java.util.List<String> line = new java.util.ArrayList<>(java.util.List.of("sql", "--project", project.toString()));
        line.addAll(java.util.List.of(args));
        return run(line.toArray(String[]::new));
    }

    private static final String ALL = "SELECT * FROM cli.sql_people ORDER BY id";

    @Test
    void tableFormatAlignsNumbersRightShowsNullAndEscapesLineBreaks() {
        Result r = sql(ALL);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(String.join(NL,
                "id  name      note          score",
                " 1  Zoë       a, b            1.5",
                " 2  say \"hi\"  NULL           NULL",
                " 3  東京        line1\\nline2   -2.0",
                " 4            x               0.0",
                "(4 rows)", ""));
    }

    @Test
    void csvQuotesAsRfc4180AndTellsNullFromEmpty() {
        Result r = sql("--format", "csv", ALL);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("id,name,note,score\r\n"
                + "1,Zoë,\"a, b\",1.5\r\n"
                + "2,\"say \"\"hi\"\"\",,\r\n"
                + "3,東京,\"line1\nline2\",-2.0\r\n"
                + "4,\"\",x,0.0\r\n");
    }

    @Test
    void jsonIsOneObjectPerLineWithNulls() {
        Result r = sql("--format", "json", ALL);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(String.join(NL,
                "{\"id\":1,\"name\":\"Zoë\",\"note\":\"a, b\",\"score\":1.5}",
                "{\"id\":2,\"name\":\"say \\\"hi\\\"\",\"note\":null,\"score\":null}",
                "{\"id\":3,\"name\":\"東京\",\"note\":\"line1\\nline2\",\"score\":-2.0}",
                "{\"id\":4,\"name\":\"\",\"note\":\"x\",\"score\":0.0}", ""));
    }

    @Test
    void tableFormatCutsAtTheLimitAndSaysSoCsvDoesNot() {
        Result cut = sql("--limit", "3", "SELECT id FROM range(5)");
        assertThat(cut.code()).as(cut.err()).isZero();
        assertThat(cut.out()).isEqualTo(String.join(NL, "id", " 0", " 1", " 2",
                "(3 rows shown; there are more: --limit N shows more, --format csv or json shows all)", ""));
        Result dflt = sql("SELECT id FROM range(150)");
        assertThat(dflt.out().lines()).as("header, 100 rows, the note").hasSize(102);
        assertThat(dflt.out()).contains("(100 rows shown; there are more");
        Result csv = sql("--format", "csv", "SELECT id FROM range(150)");
        assertThat(csv.out().split("\r\n")).as("header and every row").hasSize(151);
    }

    @Test
    void scriptRunsEveryStatementSplitOutsideQuotesAndComments() throws IOException {
        Path file = dir.resolve("ok.sql");
        Files.writeString(file, """
                -- counts; this is not a statement
                SELECT count(*) AS n FROM cli.sql_people;
                /* names; */ SELECT name FROM cli.sql_people
                  WHERE note = 'a, b;c' OR id = 1;
                ;
                SELECT 'semi;colon' AS s
                """);
        Result r = sql("-f", file.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(String.join(NL,
                "-- statement 1 (line 2)", "n", "4", "(1 row)", "",
                "-- statement 2 (line 3)", "name", "Zoë", "(1 row)", "",
                "-- statement 3 (line 6)", "s", "semi;colon", "(1 row)", ""));
    }

    @Test
    void scriptStopsAtTheFirstFailingStatementWithItsNumber() throws IOException {
        Path file = dir.resolve("bad.sql");
        Files.writeString(file, "SELECT 1 AS one;\nSELECT * FROM cli.sql_nope;\nSELECT 'third' AS t;\n");
        Result r = sql("-f", file.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).contains("one").doesNotContain("third");
        assertThat(r.err()).contains("statement 2 (line 2 of " + file + ")").contains("cli.sql_nope")
                .doesNotContain("\tat ");
    }

    @Test
    void aQueryThatDoesNotParseIsBadInputWithSparksMessageAndPosition() {
        Result r = sql("SELEC id FROM cli.sql_people");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Cannot parse the query").contains("PARSE_SYNTAX_ERROR")
                .contains("'SELEC'").contains("line 1, pos 0").doesNotContain("\tat ");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void anUnknownTableNamesTheDatabasesAndTheTablesOfItsDatabase() {
        Result table = sql("SELECT * FROM cli.sql_nope");
        assertThat(table.code()).isEqualTo(2);
        assertThat(table.err()).contains("table or view 'cli.sql_nope' does not exist")
                .containsPattern("databases: [^;]*\\bcli\\b").containsPattern("databases: [^;]*\\bdefault\\b")
                .containsPattern("tables in cli: [^)]*\\bsql_people\\b").doesNotContain("\tat ");

        Result db = sql("SELECT * FROM nodb.t");
        assertThat(db.code()).isEqualTo(2);
        assertThat(db.err()).contains("'nodb.t' does not exist").containsPattern("databases: [^)]*\\bcli\\b")
                .doesNotContain("tables in");
    }

    @Test
    void writesAreRefusedFromTheParsedPlanBeforeAnythingRuns() throws IOException {
        for (String write : new String[] {"INSERT INTO cli.sql_people VALUES (9, 'n', 'n', 9.0)",
            "DROP TABLE cli.sql_people", "CREATE TABLE cli.sql_copy USING delta AS SELECT * FROM cli.sql_people",
            "DELETE FROM cli.sql_people WHERE id = 1", "RESTORE TABLE cli.sql_people TO VERSION AS OF 0",
            "ALTER TABLE cli.sql_people ADD CONSTRAINT positive CHECK (id > 0)",
            "MERGE INTO cli.sql_people t USING cli.sql_people s ON t.id = s.id WHEN MATCHED THEN DELETE",
            "OPTIMIZE cli.sql_people", "VACUUM cli.sql_people", "CACHE TABLE cli.sql_people",
            "WITH t AS (SELECT 1) INSERT INTO cli.sql_people SELECT 9, 'n', 'n', 9.0"}) {
            Result r = sql(write);
            assertThat(r.code()).as(write + ": " + r.err()).isEqualTo(2);
            assertThat(r.err()).contains("read-only").contains("--allow-writes");
        }
        Path file = dir.resolve("writes.sql");
        Files.writeString(file, "SELECT 'first' AS f;\nTRUNCATE TABLE cli.sql_people;\n");
        Result script = sql("-f", file.toString());
        assertThat(script.code()).isEqualTo(2);
        assertThat(script.out()).as("no statement ran").isEmpty();
        assertThat(script.err()).contains("statement 2 (line 2");
        assertThat(spark.table("cli.sql_people").count()).isEqualTo(4);
    }

    @Test
    void readOnlyCommandsRunAndAllowWritesWrites() {
        for (String read : new String[] {"DESCRIBE TABLE EXTENDED cli.sql_people", "SHOW TABLES IN cli",
            "DESCRIBE HISTORY cli.sql_people", "EXPLAIN SELECT * FROM cli.sql_people", "SHOW DATABASES",
            "SELECT * FROM cli.sql_people VERSION AS OF 0"}) {
            Result r = sql(read);
            assertThat(r.code()).as(read + ": " + r.err()).isZero();
        }
        spark.sql("DROP TABLE IF EXISTS cli.sql_writable");
        Result create = sql("--allow-writes", "CREATE TABLE cli.sql_writable USING delta AS SELECT 1 AS id");
        assertThat(create.code()).as(create.err()).isZero();
        Result insert = sql("--allow-writes", "INSERT INTO cli.sql_writable VALUES (2)");
        assertThat(insert.code()).as(insert.err()).isZero();
        assertThat(sql("--format", "csv", "SELECT id FROM cli.sql_writable ORDER BY id").out())
                .isEqualTo("id\r\n1\r\n2\r\n");
    }

    @Test
    void featureTablesCarryTheirCommentsAndLineageFromTheCommitThatCreatesThem() throws IOException {
        Path shop = ShopProject.write(spark, dir.resolve("features"), "cli.sql_orders", "cli_sql_spend");
        Files.writeString(shop.resolve("feature_views/cli_sql_spend.yaml"), """
                description: Spend per customer
                source: orders
                entities: [customer_id]
                aggregations:
                  - {name: spend, function: sum, column: amount, windows: [1d], description: What a customer spent}
                checks: [cli_sql_spend]
                """);
        Result first = run("features", "materialize", "--project", shop.toString(), "--from", "2026-01-01", "--to",
                "2026-01-03");
        assertThat(first.code()).as(first.err()).isZero();
        Result described = run("sql", "--project", shop.toString(), "--format", "csv",
                "DESCRIBE TABLE EXTENDED features.cli_sql_spend_v1");
        assertThat(described.code()).as(described.err()).isZero();
        assertThat(described.out()).contains("\r\nspend_1d,double,What a customer spent (1d)\r\n")
                .contains("\r\nComment,\"Spend per customer (feature view cli_sql_spend, version 1)\",\"\"\r\n")
                .contains("ingot.feature_view=cli_sql_spend").contains("ingot.feature_view_version=1")
                .containsPattern("ingot.created_definition_hash=[0-9a-f]{8,}")
                .containsPattern("ingot.created_from=orders=cli.sql_orders@\\d+");
        assertThat(spark.sql("DESCRIBE HISTORY features.cli_sql_spend_v1").count())
                .as("the comments and properties came with the first write: one version").isEqualTo(1);
        Result second = run("features", "materialize", "--project", shop.toString(), "--from", "2026-01-03", "--to",
                "2026-01-05");
        assertThat(second.code()).as(second.err()).isZero();
        assertThat(spark.sql("DESCRIBE HISTORY features.cli_sql_spend_v1").count())
                .as("a later run adds its write only").isEqualTo(2);
    }
}
