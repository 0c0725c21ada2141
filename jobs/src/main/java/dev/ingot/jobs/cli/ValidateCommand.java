package dev.ingot.jobs.cli;

import dev.ingot.core.Errors;
import dev.ingot.core.ExitCode;
import dev.ingot.core.RunFigures;
import dev.ingot.core.TableName;
import dev.ingot.core.Tables;
import dev.ingot.core.config.CheckSuiteDef;
import dev.ingot.core.config.Project;
import dev.ingot.features.FeatureStore;
import dev.ingot.validation.CheckResult;
import dev.ingot.validation.CheckStatus;
import dev.ingot.validation.ValidationResult;
import dev.ingot.validation.Validator;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ingot validate}: runs quality suites over a table as it is now, records every metric and outcome in
 * {@code quality.metrics} / {@code quality.results}, writes the HTML report and prints its path. Exit code 1 when an
 * error-level check fails. It never changes the table: rows a {@code quarantine} suite would route are counted and
 * shown in the report, not moved (moving happens when rows are published through a gate).
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Run quality suites (checks/*.yaml) over a table at its current Delta version: metrics to "
                + "quality.metrics, outcomes to quality.results, an HTML report. Exit code 1 when an error-level check fails.",
                "Without --suite: the suites whose 'table:' is the table, and those of the feature view the table belongs to."})
public final class ValidateCommand implements Callable<Integer> {
    @Mixin
    ProjectOptions options;

    @Mixin
    GpuOption gpu;

    @Mixin
    Reports reports;

    @Option(names = "--table", required = true, paramLabel = "T",
            description = "database.table, or a feature view's name for its latest version's table.")
    String table;

    @Option(names = "--suite", paramLabel = "S", description = "A suite of checks/ to run (repeatable; default: the table's suites).")
    List<String> suites;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Project p = options.load();
        List<CheckSuiteDef> named = new ArrayList<>();
        if (suites != null) {
            for (String s : suites) {
                CheckSuiteDef d = p.suites().get(s);
                if (d == null) {
                    throw Errors.unknownName("quality suite", s, p.suites().keySet(), p.dir() + "/checks");
                }
                named.add(d);
            }
        }
        boolean viewName = !table.contains(".");
        if (viewName && !p.featureViews().containsKey(table)) {
            throw Errors.badArgument("--table", table, "database.table (e.g. raw.transactions), or the name of a feature "
                    + "view (" + String.join(", ", p.featureViews().keySet()) + ")");
        }
        TableName fixed = viewName ? null : TableName.parse(table);
        if (fixed != null && named.isEmpty()) {
            named = suitesOf(p, fixed);  // fails before Spark starts when nothing checks the table
        }

        SparkSession spark = Sessions.open(p, "validate", gpu.policy());
        TableName target = fixed != null ? fixed : FeatureStore.of(spark, p).latest(table).table();
        if (named.isEmpty()) {
            named = suitesOf(p, target);
        }
        spark.sparkContext().setJobDescription("validate " + target);
        ValidationResult r = Validator.of(spark).withReports(reports.resolve(p)).validateTable(target, named);
        RunFigures.rowsRead(r.rows());
        PrintWriter out = spec.commandLine().getOut();
        out.print(render(r));
        out.flush();
        return r.passed() ? ExitCode.OK.code() : ExitCode.GATE_FAILED.code();
    }

    /** Suites naming the table in {@code table:}, then those of the feature view whose table it is. */
    static List<CheckSuiteDef> suitesOf(Project p, TableName t) {
        Map<String, CheckSuiteDef> found = new LinkedHashMap<>();
        p.suites().values().stream().filter(s -> s.table().map(t::equals).orElse(false)).forEach(s -> found.put(s.name(), s));
        Tables.parseFeatureTable(t).map(f -> p.featureViews().get(f.view()))
                .ifPresent(v -> v.checks().forEach(s -> found.put(s, p.suites().get(s))));
        if (found.isEmpty()) {
            throw Errors.badArgument("--suite", "(none)", "a suite for " + t + ": no suite in " + p.dir()
                    + "/checks names it in 'table:' and no feature view's 'checks:' covers it; name one with --suite ("
                    + String.join(", ", p.suites().keySet()) + ")");
        }
        return List.copyOf(found.values());
    }

    static String render(ValidationResult r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%s at Delta version %d: %,d rows, %d checks%n", r.table().orElse("?"),
                r.deltaVersion().orElse(-1), r.rows(), r.checks().size()));
        for (CheckResult c : r.checks()) {
            String status = c.status() == CheckStatus.PASSED ? "ok" : c.blocks() ? "ERROR" : c.warns() ? "warn"
                    : c.status().name().toLowerCase(Locale.ROOT);
            b.append(String.format(Locale.ROOT, "  %-6s %-36s %s%n", status, c.suiteFile() + " checks[" + c.checkIndex() + "]",
                    c.message()));
        }
        if (r.quarantinedRows() > 0) {
            b.append(String.format(Locale.ROOT, "  %,d rows fail row-level checks of a quarantine suite (a gate would move "
                    + "them to quality.<table>__quarantine; validate leaves the table as it is)%n", r.quarantinedRows()));
        }
        b.append(r.passed() ? "PASSED" : "FAILED").append(String.format(Locale.ROOT, ": %d errors, %d warnings (run %s)%n",
                r.errors().size(), r.warnings().size(), r.runId()));
        r.report().ifPresent(path -> b.append("Report: ").append(path).append('\n'));
        return b.toString();
    }
}
