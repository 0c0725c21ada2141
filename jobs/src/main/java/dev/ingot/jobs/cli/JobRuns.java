package dev.ingot.jobs.cli;

import dev.ingot.core.Catalog;
import dev.ingot.core.Errors;
import dev.ingot.core.ExitCode;
import dev.ingot.core.Lineage;
import dev.ingot.core.RunFigures;
import dev.ingot.core.Secrets;
import dev.ingot.core.TableDoc;
import dev.ingot.core.Tables;
import dev.ingot.core.config.Project;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code ingot.job_runs}: one row per Ingot command that started Spark, appended when the command ends, whatever its
 * exit code: the command and its arguments (secrets masked), the project, start and end, exit code and outcome, rows
 * read and written, the time of each stage, the data's freshness, and Airflow's ids when Airflow ran it. The same
 * figures go, in Prometheus' text format, to {@code --metrics-file} for a node exporter's textfile collector.
 *
 * <p>A command that stops before it opens a Spark session (a bad argument, a config error) leaves no row: starting
 * Spark only to record that would cost seconds and take the catalog's lock; its {@code --metrics-file} is written all
 * the same, and its error is on stderr.
 */
public final class JobRuns {
    /** Masks the user information of URIs ({@code s3a://KEY:SECRET@bucket}, {@code https://user:token@host}). */
    private static final Pattern URI_USER_INFO = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\\s]+@");
    /** Options whose value is masked whole, should a command ever take one. */
    private static final Pattern SECRET_OPTION = Pattern.compile("--[a-z-]*(token|password|secret|credential)[a-z-]*");
    /** The prefix of every metric in the {@code --metrics-file}. */
    static final String METRIC_PREFIX = "ingot_job_";

    static final StructType SCHEMA = new StructType()
            .add("run_id", DataTypes.StringType, false, "This record's id")
            .add("command", DataTypes.StringType, false, "The command run: features materialize, validate, score, ...")
            .add("arguments", DataTypes.createArrayType(DataTypes.StringType, false), false, "The whole command line, "
                    + "secrets masked (****)")
            .add("project_dir", DataTypes.StringType, true, "The project's folder")
            .add("project_name", DataTypes.StringType, true, "The project's name (ingot.yaml)")
            .add("started_at", DataTypes.TimestampType, false, "When the command started")
            .add("finished_at", DataTypes.TimestampType, false, "When it finished")
            .add("seconds", DataTypes.DoubleType, false, "Its wall time, in seconds")
            .add("exit_code", DataTypes.IntegerType, false, "0 ok, 1 quality gate failed, 2 bad input, 3 failure")
            .add("outcome", DataTypes.StringType, false, "ok, gate_failed, bad_input or failure (as exit_code)")
            .add("message", DataTypes.StringType, true, "The first line of the error the command ended with, masked; "
                    + "null when it succeeded")
            .add("rows_read", DataTypes.LongType, true, "Rows the command read, where it counts them (validate: rows "
                    + "checked; score: rows scored); null elsewhere")
            .add("rows_written", DataTypes.LongType, true, "Rows its writes committed, summed over every table "
                    + "written; null when nothing was written")
            .add("tables_written", DataTypes.createArrayType(DataTypes.StringType, false), false, "The tables written")
            .add("lineage_run_ids", DataTypes.createArrayType(DataTypes.StringType, false), false, "The run_ids of "
                    + "the command's ingot.lineage rows: the way to its writes' inputs and versions")
            .add("stage_seconds", DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType, false), false, "Seconds "
                    + "per stage: before_spark, spark_session, after_spark and the command's own stages")
            .add("data_through", DataTypes.TimestampType, true, "End of the newest event-time range its writes "
                    + "covered; null when they cover none")
            .add("freshness_seconds", DataTypes.DoubleType, true, "How old data_through was when the command started, "
                    + "in seconds")
            .add("airflow_dag_id", DataTypes.StringType, true, "Airflow's DAG id (AIRFLOW_CTX_DAG_ID) when run by "
                    + "Airflow, else null")
            .add("airflow_run_id", DataTypes.StringType, true, "Airflow's DAG run id (AIRFLOW_CTX_DAG_RUN_ID), else "
                    + "null")
            .add("airflow_task_id", DataTypes.StringType, true, "Airflow's task id (AIRFLOW_CTX_TASK_ID), else null")
            .add("airflow_try_number", DataTypes.IntegerType, true, "Airflow's try number (AIRFLOW_CTX_TRY_NUMBER), "
                    + "else null")
            .add("code_version", DataTypes.StringType, false, "Ingot's version that ran");

    static final TableDoc DOC = TableDoc.of("One row per Ingot command run that started Spark: outcome, timings, rows "
            + "read and written, tables written, Airflow's ids. Appended to, never updated.");

    /** The session and project the running command opened, if it got that far. */
    private static final AtomicReference<Opened> OPENED = new AtomicReference<>();

    private record Opened(SparkSession spark, Project project, Instant at) {}

    private JobRuns() {}

    /**
     * Airflow's ids of the task a command runs in, from the variables Airflow sets in a task's environment (and
     * {@code SparkSubmitOperator} passes on to spark-submit).
     */
    public record AirflowContext(Optional<String> dagId, Optional<String> runId, Optional<String> taskId,
                                 Optional<Integer> tryNumber) {
        public AirflowContext {
            Errors.required(dagId, "AirflowContext.dagId");
            Errors.required(runId, "AirflowContext.runId");
            Errors.required(taskId, "AirflowContext.taskId");
            Errors.required(tryNumber, "AirflowContext.tryNumber");
        }

        /** Reads {@code AIRFLOW_CTX_DAG_ID}, {@code AIRFLOW_CTX_DAG_RUN_ID}, {@code AIRFLOW_CTX_TASK_ID}, {@code AIRFLOW_CTX_TRY_NUMBER}. */
        public static AirflowContext from(Map<String, String> env) {
            Optional<Integer> attempt;
            try {
                attempt = value(env, "AIRFLOW_CTX_TRY_NUMBER").map(Integer::valueOf);
            } catch (NumberFormatException e) {
                attempt = Optional.empty();
            }
            return new AirflowContext(value(env, "AIRFLOW_CTX_DAG_ID"), value(env, "AIRFLOW_CTX_DAG_RUN_ID"),
                    value(env, "AIRFLOW_CTX_TASK_ID"), attempt);
        }

        private static Optional<String> value(Map<String, String> env, String name) {
            return Optional.ofNullable(env.get(name)).map(String::strip).filter(v -> !v.isEmpty());
        }
    }

    /**
     * One finished command, as {@code ingot.job_runs} and the metrics file keep it.
     *
     * @param command the command's name (e.g. {@code features materialize})
     * @param arguments the whole command line, secrets masked
     * @param message the first line of the error message, masked, for a command that failed with one
     */
    public record Run(String runId, String command, List<String> arguments, Optional<String> projectDir,
                      Optional<String> projectName, Instant startedAt, Instant finishedAt, int exitCode,
                      Optional<String> message, RunFigures.Figures figures, AirflowContext airflow) {
        public Run {
            arguments = List.copyOf(arguments);
        }

        /** {@code ok}, {@code gate_failed}, {@code bad_input} or {@code failed}: the exit code's meaning. */
        public String outcome() {
            for (ExitCode c : ExitCode.values()) {
                if (c.code() == exitCode) {
                    return c.name().toLowerCase(Locale.ROOT);
                }
            }
            return "exit_" + exitCode;
        }

        /** The command's wall time. */
        public double seconds() {
            return Duration.between(startedAt, finishedAt).toNanos() / 1e9;
        }

        /** How old the newest data the command's writes covered was when it started; empty when none covered a range. */
        public Optional<Double> freshnessSeconds() {
            return figures.dataThrough().map(t -> Duration.between(t, startedAt).toNanos() / 1e9);
        }

        /** The row; Spark takes Java lists and maps for its array and map columns. */
        Row row() {
            return RowFactory.create(runId, command, arguments,
                    projectDir.orElse(null), projectName.orElse(null), Timestamp.from(startedAt),
                    Timestamp.from(finishedAt), seconds(), exitCode, outcome(), message.orElse(null),
                    figures.rowsRead().orElse(null), figures.rowsWritten().orElse(null),
                    figures.tablesWritten(),
                    figures.lineageRunIds(),
                    figures.stageSeconds(),
                    figures.dataThrough().map(Timestamp::from).orElse(null), freshnessSeconds().orElse(null),
                    airflow.dagId().orElse(null), airflow.runId().orElse(null), airflow.taskId().orElse(null),
                    airflow.tryNumber().orElse(null), Lineage.codeVersion());
        }

        /**
         * The run in Prometheus' text exposition format: gauges labelled with the command and project (and Airflow's
         * dag and task ids when present), one sample per stage for the stage times. Figures the command did not
         * measure are left out rather than written as zero.
         */
        public String prometheus() {
            Map<String, String> labels = new LinkedHashMap<>();
            labels.put("command", command);
            labels.put("project", projectName.orElse(""));
            airflow.dagId().ifPresent(v -> labels.put("dag_id", v));
            airflow.taskId().ifPresent(v -> labels.put("task_id", v));
            StringBuilder b = new StringBuilder();
            gauge(b, "last_run_timestamp_seconds", "When the command finished, in seconds since the epoch.", labels,
                    finishedAt.toEpochMilli() / 1000.0);
            gauge(b, "exit_code", "The command's exit code: 0 ok, 1 a gate said no, 2 bad input, 3 failure.", labels,
                    exitCode);
            gauge(b, "success", "1 when the command exited 0, else 0.", labels, exitCode == 0 ? 1 : 0);
            gauge(b, "duration_seconds", "The command's wall time.", labels, seconds());
            figures.rowsRead().ifPresent(r -> gauge(b, "rows_read", "Rows the command read.", labels, r));
            figures.rowsWritten().ifPresent(r -> gauge(b, "rows_written",
                    "Rows the command's writes committed, over every table written.", labels, r));
            freshnessSeconds().ifPresent(f -> gauge(b, "data_freshness_seconds",
                    "Age of the newest event time the command's writes covered, at the command's start.", labels, f));
            if (!figures.stageSeconds().isEmpty()) {
                String name = METRIC_PREFIX + "stage_duration_seconds";
                b.append("# HELP ").append(name).append(" Seconds spent in each stage of the command.\n");
                b.append("# TYPE ").append(name).append(" gauge\n");
                figures.stageSeconds().forEach((stage, s) -> {
                    Map<String, String> l = new LinkedHashMap<>(labels);
                    l.put("stage", stage);
                    sample(b, name, l, s);
                });
            }
            return b.toString();
        }

        private static void gauge(StringBuilder b, String metric, String help, Map<String, String> labels, double v) {
            String name = METRIC_PREFIX + metric;
            b.append("# HELP ").append(name).append(' ').append(help).append('\n');
            b.append("# TYPE ").append(name).append(" gauge\n");
            sample(b, name, labels, v);
        }

        private static void sample(StringBuilder b, String name, Map<String, String> labels, double v) {
            b.append(name).append('{');
            String sep = "";
            for (Map.Entry<String, String> l : labels.entrySet()) {
                b.append(sep).append(l.getKey()).append("=\"").append(escapeLabel(l.getValue())).append('"');
                sep = ",";
            }
            b.append("} ").append(number(v)).append('\n');
        }
    }

    /** A label value as the text format wants it: backslash, double quote and line feed escaped. */
    static String escapeLabel(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** A sample value: plain decimal notation, integers without a fraction, and the format's names for NaN and infinity. */
    private static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    /** Starts the record of a command about to run: a fresh tally, no session yet. */
    public static void begin() {
        OPENED.set(null);
        RunFigures.begin();
    }

    /** Ends the record of a command without keeping it (a dry run). */
    public static void discard() {
        OPENED.set(null);
        RunFigures.end();
    }

    /** Called by {@link Sessions#open} once the command's session is up: the row will be written in it. */
    static void opened(SparkSession spark, Project project) {
        OPENED.set(new Opened(spark, project, Instant.now()));
    }

    /**
     * Ends the record of a command: appends its row to {@code ingot.job_runs} when it opened a Spark session, and
     * returns the run. Failing to record never changes the command's outcome: the problem is printed to {@code err}.
     *
     * @param command the command's name, empty when the line did not name one
     * @param args the command line as given (masked here)
     * @param message the error the command ended with, if any (masked here)
     * @param env the process environment, for Airflow's ids
     */
    public static Run finish(String command, List<String> args, Instant startedAt, int exitCode,
                             Optional<String> message, Map<String, String> env, java.io.PrintWriter err) {
        RunFigures.Figures figures = RunFigures.end();
        Opened opened = OPENED.getAndSet(null);
        Instant now = Instant.now();
        if (opened != null) {
            figures = withGenericStages(figures, startedAt, opened.at(), now);
        }
        Run run = new Run(Lineage.newRunId(), command, mask(args),
                Optional.ofNullable(opened).map(o -> o.project().dir().toString()),
                Optional.ofNullable(opened).map(o -> o.project().settings().name()), startedAt, now, exitCode,
                message.map(m -> Secrets.redact(m.lines().findFirst().orElse("").strip())), figures,
                AirflowContext.from(env));
        if (opened != null) {
            try {
                Catalog.appendRows(opened.spark(), Tables.JOB_RUNS, SCHEMA, List.of(run.row()), DOC);
            } catch (RuntimeException e) {
                err.println(Secrets.redact("ingot: could not record the run in " + Tables.JOB_RUNS + ": " + e));
                err.flush();
            }
        }
        return run;
    }

    /** Before Spark (arguments and project checked), the session's start, and the command's own work after it. */
    private static RunFigures.Figures withGenericStages(RunFigures.Figures f, Instant start, Instant opened,
                                                        Instant end) {
        Map<String, Double> stages = new LinkedHashMap<>();
        double session = f.stageSeconds().getOrDefault(Sessions.STAGE, 0.0);
        stages.put("before_spark", Math.max(0, Duration.between(start, opened).toNanos() / 1e9 - session));
        stages.putAll(f.stageSeconds());
        stages.put("after_spark", Duration.between(opened, end).toNanos() / 1e9);
        return new RunFigures.Figures(f.rowsRead(), f.rowsWritten(), f.tablesWritten(), f.lineageRunIds(),
                f.dataThrough(), stages);
    }

    /**
     * The command line with secrets masked: every value Ingot registered as a secret ({@link Secrets}), the user
     * information of URIs, and the value of any option named like a secret.
     */
    static List<String> mask(List<String> args) {
        List<String> out = new ArrayList<>();
        boolean nextIsSecret = false;
        for (String a : args) {
            String masked = URI_USER_INFO.matcher(Secrets.redact(a)).replaceAll("$1" + Secrets.MASK + "@");
            int eq = a.indexOf('=');
            if (nextIsSecret) {
                masked = Secrets.MASK;
                nextIsSecret = false;
            } else if (a.startsWith("--") && SECRET_OPTION.matcher(eq < 0 ? a : a.substring(0, eq)).matches()) {
                if (eq < 0) {
                    nextIsSecret = true;
                } else {
                    masked = a.substring(0, eq + 1) + Secrets.MASK;
                }
            }
            out.add(masked);
        }
        return out;
    }

    /**
     * Writes the run's metrics to {@code file} atomically (a temporary file beside it, then a rename), so that a
     * textfile collector never reads half a file. The temporary name does not end in {@code .prom}: the collector
     * skips it.
     */
    public static void writeMetrics(Path file, Run run) {
        Path abs = file.toAbsolutePath();
        Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.writeString(tmp, run.prometheus(), StandardCharsets.UTF_8);
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // The first failure is the one to report.
            }
            throw new UncheckedIOException("Cannot write --metrics-file " + abs + ": " + e.getMessage(), e);
        }
    }

    /** Why {@code file} cannot take the metrics, checked before the command runs; empty when it can. */
    public static Optional<String> metricsFileProblem(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return Optional.of("its folder " + parent + " does not exist: create it, or point --metrics-file at the "
                    + "node exporter's textfile folder");
        }
        if (!Files.isWritable(parent)) {
            return Optional.of("its folder " + parent + " is not writable");
        }
        if (Files.isDirectory(file)) {
            return Optional.of("it is a folder: give a file name such as " + file.resolve("ingot.prom"));
        }
        return Optional.empty();
    }
}
