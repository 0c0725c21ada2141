package dev.ingot.jobs.cli;

import dev.ingot.core.Errors;
import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.core.config.Project;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.parser.ParseException;
import org.apache.spark.sql.catalyst.plans.logical.DescribeColumn;
import org.apache.spark.sql.catalyst.plans.logical.DescribeFunction;
import org.apache.spark.sql.catalyst.plans.logical.DescribeNamespace;
import org.apache.spark.sql.catalyst.plans.logical.DescribeRelation;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.ParsedStatement;
import org.apache.spark.sql.catalyst.plans.logical.SetCatalogAndNamespace;
import org.apache.spark.sql.catalyst.plans.logical.ShowColumns;
import org.apache.spark.sql.catalyst.plans.logical.ShowCreateTable;
import org.apache.spark.sql.catalyst.plans.logical.ShowFunctions;
import org.apache.spark.sql.catalyst.plans.logical.ShowNamespaces;
import org.apache.spark.sql.catalyst.plans.logical.ShowPartitions;
import org.apache.spark.sql.catalyst.plans.logical.ShowTableExtended;
import org.apache.spark.sql.catalyst.plans.logical.ShowTableProperties;
import org.apache.spark.sql.catalyst.plans.logical.ShowTables;
import org.apache.spark.sql.catalyst.plans.logical.ShowViews;
import org.apache.spark.sql.delta.commands.DescribeDeltaDetailCommand;
import org.apache.spark.sql.delta.commands.DescribeDeltaHistory;
import org.apache.spark.sql.execution.command.DescribeQueryCommand;
import org.apache.spark.sql.execution.command.ExplainCommand;
import org.apache.spark.sql.execution.command.SetCommand;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ingot sql}: runs a query, or a script of statements, on the project's warehouse and prints each result as a
 * text table, CSV or JSON lines. Read-only unless {@code --allow-writes}: every statement is parsed before any runs, and
 * a statement whose parsed plan is not a query or a read-only command (DESCRIBE, SHOW, EXPLAIN, USE, SET) is refused.
 */
@Command(name = "sql", mixinStandardHelpOptions = true,
        description = "Run a SQL query (or a script with -f) on the warehouse and print the result as a table, CSV or "
                + "JSON lines. Read-only unless --allow-writes.")
public final class SqlCommand implements Callable<Integer> {
    /** Rows the table format shows unless {@code --limit} says otherwise. */
    static final int TABLE_LIMIT_DEFAULT = 100;

    @Mixin
    ProjectOptions options;

    @Mixin
    GpuOption gpu;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    /** The query on the command line, or a script file. */
    static final class Input {
        @Parameters(paramLabel = "QUERY", description = "The SQL to run (statements separated by ';').")
        String query;

        @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Run the statements of this SQL script.")
        Path file;
    }

    @Option(names = "--format", defaultValue = "table", paramLabel = "table|csv|json",
            description = "Output: a text table, CSV (RFC 4180, a header line, CRLF line ends, NULL as an empty field) "
                    + "or JSON lines (one object per row, NULL as null). Default: ${DEFAULT-VALUE}.")
    Format format;

    @Option(names = "--limit", paramLabel = "N",
            description = "Print at most N rows of each result. Default: " + TABLE_LIMIT_DEFAULT + " for the table format "
                    + "(it says when rows were cut), no limit for csv and json.")
    Integer limit;

    @Option(names = "--allow-writes",
            description = "Also run statements that change tables or the catalog (INSERT, CREATE, DROP, MERGE, ...).")
    boolean allowWrites;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    enum Format { table, csv, json }

    /** A statement with the plan Spark parsed from it. */
    private record Parsed(SqlScript.Statement statement, LogicalPlan plan) {}

    /** Read-only commands: they show what is there and change no table, view, function or database. */
    private static final List<Class<?>> READ_COMMANDS = List.of(DescribeRelation.class, DescribeColumn.class,
            DescribeNamespace.class, DescribeFunction.class, DescribeQueryCommand.class, ShowTables.class,
            ShowTableExtended.class, ShowViews.class, ShowNamespaces.class, ShowColumns.class, ShowPartitions.class,
            ShowCreateTable.class, ShowTableProperties.class, ShowFunctions.class, DescribeDeltaHistory.class,
            DescribeDeltaDetailCommand.class, ExplainCommand.class, SetCommand.class, SetCatalogAndNamespace.class);

    @Override
    public Integer call() {
        if (limit != null && limit < 1) {
            throw Errors.badArgument("--limit", limit, "a positive number of rows");
        }
        List<SqlScript.Statement> statements = SqlScript.split(script());
        if (statements.isEmpty()) {
            throw Errors.badArgument(input.file != null ? "-f" : "QUERY", input.file != null ? input.file : input.query,
                    "at least one SQL statement");
        }
        Project p = options.load();
        SparkSession spark = Sessions.open(p, "sql", gpu.policy());
        List<Parsed> parsed = new ArrayList<>();
        for (SqlScript.Statement s : statements) {
            LogicalPlan plan;
            try {
                plan = spark.sessionState().sqlParser().parsePlan(s.sql());
            } catch (ParseException e) {
                throw Errors.badData("parse " + where(s, statements.size()), e.getMessage().strip(),
                        "correct the SQL (Spark SQL syntax: https://spark.apache.org/docs/3.5.4/sql-ref-syntax.html)");
            }
            if (!allowWrites) {
                writeIn(plan).ifPresent(node -> {
                    throw Errors.badData("run " + where(s, statements.size()), "it is a " + node + ", which changes "
                            + "the warehouse, and 'ingot sql' is read-only (nothing was run)",
                            "pass --allow-writes to run statements that write");
                });
            }
            parsed.add(new Parsed(s, plan));
        }
        PrintWriter out = spec.commandLine().getOut();
        for (Parsed s : parsed) {
            if (parsed.size() > 1) {
                if (s.statement().number() > 1) {
                    out.print(format == Format.csv ? "\r\n" : System.lineSeparator());
                }
                if (format == Format.table) {
                    out.println("-- statement " + s.statement().number() + " (line " + s.statement().line() + ")");
                }
            }
            run(spark, s.statement(), statements.size(), out);
            out.flush();
        }
        return ExitCode.OK.code();
    }

    private String script() {
        if (input.file == null) {
            return input.query;
        }
        try {
            return Files.readString(input.file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw Errors.badArgument("-f", input.file, "a readable SQL file (" + e + ")");
        }
    }

    /** How messages name a statement: the query, or its number and line in the script. */
    private String where(SqlScript.Statement s, int count) {
        if (input.file == null && count == 1) {
            return "the query";
        }
        return "statement " + s.number() + " (line " + s.line() + (input.file == null ? "" : " of " + input.file) + ")";
    }

    /**
     * Plans Delta's parser adds in Spark's package that are not {@code Command}s yet write (RESTORE, CLONE) or change a
     * table (constraints, table features): refused by class, should Delta and Spark ever share a jar (see
     * {@link #fromSpark}).
     */
    private static final List<Class<?>> DELTA_WRITES = List.of(
            org.apache.spark.sql.catalyst.plans.logical.RestoreTableStatement.class,
            org.apache.spark.sql.catalyst.plans.logical.CloneTableStatement.class,
            org.apache.spark.sql.catalyst.plans.logical.AlterTableAddConstraint.class,
            org.apache.spark.sql.catalyst.plans.logical.AlterTableDropConstraint.class,
            org.apache.spark.sql.catalyst.plans.logical.AlterTableDropFeature.class);

    /**
     * The first node of a parsed plan that may write, by its Spark name; empty for a read. A read is a query made only
     * of Spark's own query operators (no {@code Command}, no parsed write statement such as INSERT, no node an
     * extension adds), or a command of {@link #READ_COMMANDS}. Anything else is taken as a write, so that a statement
     * Ingot does not know is refused rather than run: Delta's RESTORE, for one, is neither a {@code Command} nor a
     * {@code ParsedStatement}, and is declared in Spark's package.
     */
    static java.util.Optional<String> writeIn(LogicalPlan plan) {
        if (READ_COMMANDS.stream().anyMatch(c -> c.isInstance(plan))) {
            return java.util.Optional.empty();
        }
        List<LogicalPlan> todo = new ArrayList<>(List.of(plan));
        while (!todo.isEmpty()) {
            LogicalPlan node = todo.remove(todo.size() - 1);
            if (node instanceof org.apache.spark.sql.catalyst.plans.logical.Command || node instanceof ParsedStatement
                    || DELTA_WRITES.stream().anyMatch(c -> c.isInstance(node)) || !fromSpark(node.getClass())) {
                return java.util.Optional.of(node.nodeName());
            }
            scala.collection.Iterator<LogicalPlan> children = node.children().iterator();
            while (children.hasNext()) {
                todo.add(children.next());
            }
        }
        return java.util.Optional.empty();
    }

    /** Whether a plan class is Spark's own: in Spark's package and from the jar (or folder) Spark's plans come from. */
    private static boolean fromSpark(Class<?> c) {
        java.security.CodeSource spark = LogicalPlan.class.getProtectionDomain().getCodeSource();
        java.security.CodeSource source = c.getProtectionDomain().getCodeSource();
        return c.getName().startsWith("org.apache.spark.sql.catalyst.")
                && (spark == null || source != null && spark.getLocation().equals(source.getLocation()));
    }

    private void run(SparkSession spark, SqlScript.Statement s, int count, PrintWriter out) {
        try {
            Dataset<Row> result = spark.sql(s.sql());
            print(result, out);
        } catch (IngotException e) {
            throw e;
        } catch (Exception e) {
            // Scala throws AnalysisException, a checked exception in Java, without declaring it.
            for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof AnalysisException ae) {
                    throw analysisError(spark, ae, where(s, count));
                }
            }
            throw Errors.jobFailed("run " + where(s, count), e);
        }
    }

    /**
     * Spark's analysis error as bad input, without a stack trace; a table, view or database that does not exist is
     * named with the databases there are, and the tables of its database when that exists.
     */
    static IngotException analysisError(SparkSession spark, AnalysisException e, String where) {
        String errorClass = e.getErrorClass() == null ? "" : e.getErrorClass();
        Map<String, String> params = e.getMessageParameters();
        List<String> databases = spark.catalog().listDatabases().collectAsList().stream()
                .map(d -> d.name()).sorted().toList();
        if (errorClass.equals("TABLE_OR_VIEW_NOT_FOUND") && params.containsKey("relationName")) {
            String name = params.get("relationName").replace("`", "");
            String[] parts = name.split("\\.");
            StringBuilder known = new StringBuilder("databases: " + String.join(", ", databases));
            if (parts.length >= 2 && spark.catalog().databaseExists(parts[parts.length - 2])) {
                String db = parts[parts.length - 2];
                List<String> tables = spark.sql("SHOW TABLES IN `" + db.replace("`", "``") + "`").collectAsList().stream()
                        .map(r -> r.getString(1)).sorted().toList();
                known.append("; tables in ").append(db).append(": ")
                        .append(tables.isEmpty() ? "(none)" : String.join(", ", tables));
            }
            return Errors.badData("run " + where, "table or view '" + name + "' does not exist (" + known + ")",
                    "name an existing table as database.table (SHOW TABLES IN <database> lists a database's tables)");
        }
        if (errorClass.equals("SCHEMA_NOT_FOUND")) {
            return Errors.badData("run " + where, "database " + params.getOrDefault("schemaName", "?")
                    + " does not exist (databases: " + String.join(", ", databases) + ")", "name an existing database");
        }
        return Errors.badData("run " + where, e.getMessage().strip(), "correct the SQL");
    }

    private void print(Dataset<Row> result, PrintWriter out) {
        StructField[] fields = result.schema().fields();
        if (fields.length == 0) {
            if (format == Format.table) {
                out.println("OK");
            }
            return;
        }
        switch (format) {
            case table -> printTable(result, fields, out);
            case csv -> printCsv(result, fields, out);
            case json -> printJson(result, out);
        }
    }

    /** The columns as strings, as Spark casts them; by position, so that columns with the same name stay apart. */
    private static Dataset<Row> asStrings(Dataset<Row> result, StructField[] fields) {
        String[] positional = new String[fields.length];
        Column[] cast = new Column[fields.length];
        for (int i = 0; i < fields.length; i++) {
            positional[i] = "c" + i;
            cast[i] = functions.col(positional[i]).cast("string");
        }
        return result.toDF(positional).select(cast);
    }

    private void printTable(Dataset<Row> result, StructField[] fields, PrintWriter out) {
        int max = limit == null ? TABLE_LIMIT_DEFAULT : limit;
        List<Row> rows = asStrings(result, fields).limit(max + 1).collectAsList();
        List<String[]> cells = new ArrayList<>();
        cells.add(java.util.Arrays.stream(fields).map(StructField::name).toArray(String[]::new));
        Set<Integer> numbers = new HashSet<>();
        for (int i = 0; i < fields.length; i++) {
            if (fields[i].dataType() instanceof NumericType) {
                numbers.add(i);
            }
        }
        for (Row r : rows.subList(0, Math.min(max, rows.size()))) {
            String[] line = new String[fields.length];
            for (int i = 0; i < fields.length; i++) {
                // A line break or tab in a value would break the table's columns: shown escaped.
                line[i] = r.isNullAt(i) ? "NULL"
                        : r.getString(i).replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
                                .replace("\t", "\\t");
            }
            cells.add(line);
        }
        out.print(TextTable.render(cells, numbers));
        int shown = Math.min(max, rows.size());
        out.println(rows.size() > max
                ? "(" + shown + " rows shown; there are more: --limit N shows more, --format csv or json shows all)"
                : "(" + shown + (shown == 1 ? " row)" : " rows)"));
    }

    private void printCsv(Dataset<Row> result, StructField[] fields, PrintWriter out) {
        out.print(java.util.Arrays.stream(fields).map(f -> csvField(f.name())).collect(Collectors.joining(",")) + "\r\n");
        Dataset<Row> strings = asStrings(result, fields);
        Iterator<Row> rows = (limit == null ? strings : strings.limit(limit)).toLocalIterator();
        while (rows.hasNext()) {
            Row r = rows.next();
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < fields.length; i++) {
                line.append(i == 0 ? "" : ",").append(r.isNullAt(i) ? "" : csvField(r.getString(i)));
            }
            out.print(line.append("\r\n"));
        }
    }

    /**
     * A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, or is empty (so that an empty
     * string differs from NULL, which is an empty field without quotes); quotes inside are doubled.
     */
    static String csvField(String value) {
        boolean quote = value.isEmpty() || value.chars().anyMatch(c -> c == ',' || c == '"' || c == '\n' || c == '\r');
        return quote ? "\"" + value.replace("\"", "\"\"") + "\"" : value;
    }

    private void printJson(Dataset<Row> result, PrintWriter out) {
        Column row = functions.to_json(functions.struct(functions.col("*")), Map.of("ignoreNullFields", "false"));
        Dataset<Row> json = result.select(row);
        Iterator<Row> rows = (limit == null ? json : json.limit(limit)).toLocalIterator();
        while (rows.hasNext()) {
            out.println(rows.next().getString(0));
        }
    }
}
