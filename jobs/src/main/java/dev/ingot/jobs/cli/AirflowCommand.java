package dev.ingot.jobs.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.core.Errors;
import dev.ingot.core.ExitCode;
import dev.ingot.core.config.AirflowSettings;
import dev.ingot.core.config.Project;
import dev.ingot.core.config.ProjectLoader;
import dev.ingot.core.config.ProjectSettings.SecretUse;
import dev.ingot.jobs.airflow.AirflowClient;
import dev.ingot.jobs.airflow.DagRun;
import dev.ingot.jobs.airflow.RunRequest;
import dev.ingot.jobs.airflow.TaskInstance;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ingot airflow ...}: trigger DAG runs and follow them through Airflow's REST API. */
@Command(name = "airflow", mixinStandardHelpOptions = true,
        description = "Trigger and follow Airflow DAG runs through Airflow's REST API (Airflow 3 or 2), as the "
                + "'airflow:' section of ingot.yaml says.",
        subcommands = {AirflowCommand.Trigger.class, AirflowCommand.Status.class})
public final class AirflowCommand {
    private static final Pattern TIMEOUT = Pattern.compile("(\\d{1,9})([smh]?)");

    private AirflowCommand() {}

    /** {@code --project}: the project whose {@code ingot.yaml} names the Airflow. */
    public static final class AirflowProject {
        @Option(names = "--project", required = true, paramLabel = "DIR",
                description = "The project directory; its ingot.yaml's 'airflow:' section names the server.")
        Path project;

        AirflowClient connect() {
            Project p = ProjectLoader.load(project);
            AirflowSettings s = p.settings().airflow().orElseThrow(() -> Errors.invalidConfig(
                    ProjectLoader.PROJECT_FILE, "airflow", "is missing: 'ingot airflow' needs the Airflow to call",
                    "add an 'airflow:' section with url, username and password: ${env:INGOT_AIRFLOW_PASSWORD}"
                            + " (docs/airflow.md)"));
            ProjectOptions.requireSecrets(p, SecretUse.AIRFLOW);
            DryRun.stopBefore("calling Airflow");
            return AirflowClient.connect(s);
        }
    }

    /** {@code airflow trigger}. */
    @Command(name = "trigger", mixinStandardHelpOptions = true,
            description = "Trigger a run of a DAG; with --wait, follow it to its end. Exit code with --wait: 0 the run "
                    + "succeeded, 1 it failed, 3 it was not over within --timeout (it goes on in Airflow).")
    public static final class Trigger implements Callable<Integer> {
        @Mixin
        AirflowProject options;

        @Parameters(index = "0", paramLabel = "DAG", description = "The DAG's id.")
        String dag;

        @Option(names = "--conf", paramLabel = "JSON", description = "The run's conf, a JSON object ({\"k\": \"v\"}).")
        String conf;

        @Option(names = "--logical-date", paramLabel = "D",
                description = "The run's logical date: a UTC date (2026-11-30) or an instant (2026-11-30T06:00:00Z).")
        String logicalDate;

        @Option(names = "--run-id", paramLabel = "ID", description = "The run's id (default: Airflow makes one).")
        String runId;

        @Option(names = "--unpause", description = "Unpause the DAG first (a paused DAG's run would stay queued).")
        boolean unpause;

        @Option(names = "--wait", description = "Wait for the run to end and print its tasks.")
        boolean await;

        @Option(names = "--timeout", paramLabel = "T", defaultValue = "1h",
                description = "With --wait: how long to wait, e.g. 90s, 30m, 2h (default: ${DEFAULT-VALUE}).")
        String timeout;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            RunRequest request = RunRequest.now().withConf(conf(conf));
            if (logicalDate != null) {
                request = request.withLogicalDate(TimeArgs.parse("--logical-date", logicalDate));
            }
            if (runId != null) {
                request = request.withRunId(runId);
            }
            Duration limit = timeout(timeout);
            if (!await && spec.commandLine().getParseResult().hasMatchedOption("--timeout")) {
                throw Errors.badArgument("--timeout", timeout, "--timeout together with --wait (it is how long to wait)");
            }
            AirflowClient airflow = options.connect();
            PrintWriter out = spec.commandLine().getOut();
            if (unpause && airflow.isPaused(dag)) {
                airflow.unpause(dag);
                out.println("Unpaused DAG " + dag + ".");
            }
            DagRun run = airflow.trigger(dag, request);
            out.println("Triggered DAG " + dag + ": run " + run.runId() + " (" + run.state().text() + ")"
                    + run.logicalDate().map(d -> ", logical date " + d).orElse("") + ".");
            out.flush();
            if (!await) {
                return ExitCode.OK.code();
            }
            DagRun end = airflow.await(dag, run.runId(), limit, r -> {
                out.println(Instant.now().toString().substring(0, 19) + "Z  run " + r.runId() + ": " + r.state().text());
                out.flush();
            });
            out.print(report(end, airflow.tasks(dag, end.runId())));
            out.flush();
            return outcome(end, limit, spec.commandLine().getErr());
        }
    }

    /** {@code airflow status}. */
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "A DAG run's state and the state of each of its tasks (default: the DAG's newest run).")
    public static final class Status implements Callable<Integer> {
        @Mixin
        AirflowProject options;

        @Parameters(index = "0", paramLabel = "DAG", description = "The DAG's id.")
        String dag;

        @Parameters(index = "1", arity = "0..1", paramLabel = "RUN", description = "The run's id (default: the newest).")
        String runId;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            AirflowClient airflow = options.connect();
            PrintWriter out = spec.commandLine().getOut();
            Optional<DagRun> run = runId != null ? Optional.of(airflow.run(dag, runId)) : airflow.latestRun(dag);
            if (run.isEmpty()) {
                out.println("DAG " + dag + " has no runs yet (start one with 'ingot airflow trigger " + dag + "').");
            } else {
                out.print(report(run.get(), airflow.tasks(dag, run.get().runId())));
            }
            out.flush();
            return ExitCode.OK.code();
        }
    }

    /** The exit code of a waited-for run: 0 success, 1 failed, 3 not over in time; says why on {@code err}. */
    static int outcome(DagRun end, Duration limit, PrintWriter err) {
        switch (end.state()) {
            case SUCCESS:
                return ExitCode.OK.code();
            case FAILED:
                err.println("Run " + end.runId() + " of DAG " + end.dagId() + " failed (its tasks above say where).");
                err.flush();
                return ExitCode.GATE_FAILED.code();
            default:
                throw Errors.serviceFailed("wait for run " + end.runId() + " of DAG " + end.dagId(), "it is still "
                        + end.state().text() + " after " + show(limit) + " (it goes on in Airflow)",
                        "follow it with 'ingot airflow status " + end.dagId() + " " + end.runId()
                                + "', or wait longer with --timeout");
        }
    }

    /** The run's line and its tasks as a table. */
    static String report(DagRun run, List<TaskInstance> tasks) {
        StringBuilder b = new StringBuilder();
        b.append("DAG ").append(run.dagId()).append("  run ").append(run.runId()).append("  state ")
                .append(run.state().text()).append("  logical date ").append(run.logicalDate().map(Instant::toString)
                        .orElse("-")).append(System.lineSeparator());
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"task", "state", "try", "started", "ended", "seconds"});
        for (TaskInstance t : tasks) {
            rows.add(new String[] {t.taskId() + (t.mapIndex() >= 0 ? "[" + t.mapIndex() + "]" : ""),
                t.state().orElse("none"), Integer.toString(t.tryNumber()), time(t.startDate()), time(t.endDate()),
                t.startDate().isPresent() && t.endDate().isPresent() ? String.format(Locale.ROOT, "%.1f",
                        Duration.between(t.startDate().get(), t.endDate().get()).toMillis() / 1000.0) : "-"});
        }
        b.append(tasks.isEmpty() ? "(no tasks yet)" + System.lineSeparator() : TextTable.render(rows, Set.of(2, 5)));
        return b.toString();
    }

    private static String time(Optional<Instant> t) {
        return t.map(i -> i.toString().substring(0, 19) + "Z").orElse("-");
    }

    private static Map<String, Object> conf(String json) {
        if (json == null) {
            return Map.of();
        }
        try {
            Map<String, Object> m = new ObjectMapper().readValue(json, new TypeReference<Map<String, Object>>() { });
            if (m == null) {
                throw Errors.badArgument("--conf", json, "a JSON object such as {\"date\": \"2026-11-30\"}");
            }
            return m;
        } catch (JsonProcessingException e) {
            throw Errors.badArgument("--conf", json, "a JSON object such as {\"date\": \"2026-11-30\"} ("
                    + e.getOriginalMessage() + ")");
        }
    }

    /** {@code 90s}, {@code 30m}, {@code 2h}, or a number of seconds. */
    static Duration timeout(String text) {
        Matcher m = TIMEOUT.matcher(text.strip());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw Errors.badArgument("--timeout", text, "a positive duration such as 90s, 30m or 2h");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
    }

    private static String show(Duration d) {
        long s = d.toSeconds();
        return s % 3600 == 0 ? s / 3600 + "h" : s % 60 == 0 ? s / 60 + "m" : s + "s";
    }
}
