package dev.ingot.jobs.airflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static dev.ingot.jobs.airflow.AirflowCli.VAR;
import static dev.ingot.jobs.airflow.AirflowCli.WRONG_VAR;
import static dev.ingot.jobs.airflow.AirflowCli.ingot;
import static dev.ingot.jobs.airflow.AirflowCli.project;
import static dev.ingot.jobs.airflow.AirflowCli.row;

import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.core.PythonVenvs;
import dev.ingot.core.config.AirflowSettings;
import dev.ingot.core.config.ProjectLoader;
import dev.ingot.jobs.airflow.AirflowCli.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingot airflow trigger|status} and {@link AirflowClient} against a real Airflow 3 (see
 * {@link AirflowServerExtension}): runs that succeed, fail and outlast {@code --timeout}; expired tokens; the errors for
 * an unknown DAG, a DAG file that does not import, a paused DAG, a duplicate run id, a wrong password and a server
 * that is not there.
 */
class AirflowCommandTest {
    /** Tokens live 5 s, so that a test can see one expire. */
    private static final int JWT_SECONDS = 5;

    @RegisterExtension
    static final AirflowServerExtension AIRFLOW = AirflowServerExtension.airflow3(JWT_SECONDS);


    private static AirflowClient client() {
        return AirflowClient.connect(ProjectLoader.load(AIRFLOW.project()).settings().airflow().orElseThrow());
    }

    @Test
    void startsWellWithinItsBudget() {
        assertThat(AIRFLOW.startTime()).as("Airflow's start (measured: " + AIRFLOW.startTime().toSeconds() + " s)")
                .isLessThan(java.time.Duration.ofSeconds(120));
        assertThat(client().apiVersion()).as("found by GET /api/v2/version")
                .isEqualTo(AirflowSettings.ApiVersion.AIRFLOW_3);
    }

    @Test
    void triggerWaitEndsInSuccessWithEveryTaskDone() {
        Result r = ingot("airflow", "trigger", "ingot_test_ok", "--project", AIRFLOW.project().toString(), "--unpause",
                "--conf", "{\"date\": \"2026-11-30\", \"n\": 3}", "--run-id", "ok-1", "--wait", "--timeout", "3m");

        assertThat(r.code()).as(r.all()).isEqualTo(0);
        assertThat(r.out()).contains("Triggered DAG ingot_test_ok: run ok-1 (queued)")
                .contains("DAG ingot_test_ok  run ok-1  state success");
        assertThat(row(r.out(), "first").subList(0, 3)).containsExactly("first", "success", "1");
        assertThat(row(r.out(), "second").subList(0, 3)).containsExactly("second", "success", "1");
        DagRun run = client().run("ingot_test_ok", "ok-1");
        assertThat(run.state()).isEqualTo(DagRun.State.SUCCESS);
        assertThat(run.endDate()).isPresent();
        assertThat(client().isPaused("ingot_test_ok")).as("--unpause").isFalse();
    }

    @Test
    void aFailedRunExitsWithOneAndStatusShowsWhichTaskFailed() {
        Result r = ingot("airflow", "trigger", "ingot_test_fail", "--project", AIRFLOW.project().toString(), "--unpause",
                "--logical-date", "2026-11-30", "--wait", "--timeout", "3m");

        assertThat(r.code()).as(r.all()).isEqualTo(ExitCode.GATE_FAILED.code());
        assertThat(r.err()).contains("of DAG ingot_test_fail failed");
        assertThat(r.out()).contains("logical date 2026-11-30T00:00:00Z");

        Result status = ingot("airflow", "status", "ingot_test_fail", "--project", AIRFLOW.project().toString());
        assertThat(status.code()).as(status.all()).isEqualTo(0);
        assertThat(status.out()).contains("state failed");
        assertThat(row(status.out(), "first").subList(0, 3)).containsExactly("first", "failed", "1");
        assertThat(row(status.out(), "second").subList(0, 2)).as("not run after the failure")
                .containsExactly("second", "upstream_failed");
        String runId = client().latestRun("ingot_test_fail").orElseThrow().runId();
        Result byId = ingot("airflow", "status", "ingot_test_fail", runId, "--project", AIRFLOW.project().toString());
        assertThat(byId.out()).isEqualTo(status.out());
    }

    @Test
    void aRunThatOutlastsTheTimeoutExitsWithThreeAndGoesOn() {
        Result r = ingot("airflow", "trigger", "ingot_test_sleep", "--project", AIRFLOW.project().toString(), "--unpause",
                "--run-id", "sleepy", "--wait", "--timeout", "4s");

        assertThat(r.code()).as(r.all()).isEqualTo(ExitCode.FAILURE.code());
        assertThat(r.err()).contains("Cannot wait for run sleepy of DAG ingot_test_sleep: it is still ")
                .contains(" after 4s (it goes on in Airflow)")
                .contains("ingot airflow status ingot_test_sleep sleepy");
        assertThat(client().run("ingot_test_sleep", "sleepy").state().finished()).isFalse();
    }

    @Test
    void anExpiredTokenIsFetchedAgainOnce() throws Exception {
        AirflowClient airflow = client();
        assertThat(airflow.isPaused("ingot_test_paused")).isTrue();
        assertThat(airflow.tokensFetched()).isEqualTo(1);
        long refused = AIRFLOW.requests("GET", "/api/v2/dags/ingot_test_paused", 401);

        Thread.sleep((JWT_SECONDS + 2) * 1000L);

        assertThat(airflow.isPaused("ingot_test_paused")).isTrue();
        assertThat(airflow.tokensFetched()).as("a new token after the 401").isEqualTo(2);
        assertThat(AIRFLOW.requests("GET", "/api/v2/dags/ingot_test_paused", 401)).as("the server refused the old one")
                .isEqualTo(refused + 1);
    }

    @Test
    void anUnknownDagIsBadInputListingTheKnownOnesAndTheFilesThatDoNotImport() {
        Result r = ingot("airflow", "trigger", "ingot_nope", "--project", AIRFLOW.project().toString());

        assertThat(r.code()).as(r.all()).isEqualTo(ExitCode.BAD_INPUT.code());
        assertThat(r.err()).contains("Cannot trigger DAG ingot_nope on Airflow at " + AIRFLOW.url())
                .contains("Airflow has no DAG 'ingot_nope' (known: ingot_test_fail, ingot_test_ok, ingot_test_paused,"
                        + " ingot_test_sleep)")
                .contains(AirflowServerExtension.BROKEN_FILE + " (ModuleNotFoundError: No module named"
                        + " 'ingot_no_such_module')");
    }

    @Test
    void aDagWhoseFileDoesNotImportIsBadInputWithTheError() {
        Result r = ingot("airflow", "status", "ingot_test_broken", "--project", AIRFLOW.project().toString());

        assertThat(r.code()).as(r.all()).isEqualTo(ExitCode.BAD_INPUT.code());
        assertThat(r.err()).contains("Airflow has no DAG 'ingot_test_broken'")
                .contains("DAG files that do not import: " + AirflowServerExtension.BROKEN_FILE
                        + " (ModuleNotFoundError: No module named 'ingot_no_such_module')");
    }

    @Test
    void aDagWhoseFileStopsImportingIsBadInputWithTheErrorOfItsFile() throws Exception {
        Path file = AIRFLOW.dagsFolder().resolve("ingot_test_later.py");
        String dag = Files.readString(AIRFLOW.dagsFolder().resolve("ingot_test_dags.py"))
                .replaceAll("(?s)for dag_id, first_command in \\[.*?\\]:", "for dag_id, first_command in [(\"ingot_test_later\", \"true\")]:");
        Files.writeString(file, dag);
        AirflowClient airflow = client();
        await(() -> {
            Result r = ingot("airflow", "status", "ingot_test_later", "--project", AIRFLOW.project().toString());
            return r.code() == 0 ? r.out() : null;
        }, "the new DAG file to be parsed");

        Files.writeString(file, "import ingot_later_missing  # noqa\n" + dag);
        String err = await(() -> {
            Result r = ingot("airflow", "trigger", "ingot_test_later", "--project", AIRFLOW.project().toString());
            return r.code() == ExitCode.BAD_INPUT.code() && r.err().contains("does not import") ? r.err() : null;
        }, "the broken file's import error");

        assertThat(err).contains("Cannot trigger DAG ingot_test_later on Airflow at " + AIRFLOW.url())
                .contains("ingot_test_later.py does not import: ")
                .contains("(ModuleNotFoundError: No module named 'ingot_later_missing')")
                .as("only its own file's error").doesNotContain(AirflowServerExtension.BROKEN_FILE)
                .contains("Fix: fix the DAG file");
        assertThat(airflow.isPaused("ingot_test_paused")).as("other DAGs are not affected").isTrue();
    }

    /** Polls {@code probe} every second for 90 s until it returns a value. */
    private static String await(java.util.function.Supplier<String> probe, String what) throws InterruptedException {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            String v = probe.get();
            if (v != null) {
                return v;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("waited 90 s for " + what);
    }

    @Test
    void aPausedDagIsRefusedAndStaysPaused() {
        Result r = ingot("airflow", "trigger", "ingot_test_paused", "--project", AIRFLOW.project().toString());

        assertThat(r.code()).as(r.all()).isEqualTo(ExitCode.BAD_INPUT.code());
        assertThat(r.err()).contains("Cannot trigger DAG ingot_test_paused").contains("the DAG is paused")
                .contains("--unpause");
        assertThat(client().isPaused("ingot_test_paused")).isTrue();
        Result status = ingot("airflow", "status", "ingot_test_paused", "--project", AIRFLOW.project().toString());
        assertThat(status.out()).contains("DAG ingot_test_paused has no runs yet");
    }

    @Test
    void aDuplicateRunIdIsBadInput() {
        Result first = ingot("airflow", "trigger", "ingot_test_ok", "--project", AIRFLOW.project().toString(), "--unpause",
                "--run-id", "dup-1");
        assertThat(first.code()).as(first.all()).isEqualTo(0);

        Result again = ingot("airflow", "trigger", "ingot_test_ok", "--project", AIRFLOW.project().toString(), "--run-id", "dup-1");

        assertThat(again.code()).as(again.all()).isEqualTo(ExitCode.BAD_INPUT.code());
        assertThat(again.err()).contains("a run with run id 'dup-1' exists already")
                .contains("ingot airflow status ingot_test_ok dup-1");
    }

    @Test
    void aWrongPasswordIsBadInputAndNeverShown(@TempDir Path tmp) throws IOException {
        Path wrong = project(tmp.resolve("wrong"), AIRFLOW.url(), WRONG_VAR, "");

        Result r = ingot("airflow", "status", "ingot_test_ok", "--project", wrong.toString());

        assertThat(r.code()).as(r.all()).isEqualTo(ExitCode.BAD_INPUT.code());
        assertThat(r.err()).contains("Airflow refused the login of user 'admin' (401 Invalid credentials)")
                .contains("check airflow.username and airflow.password");
    }

    @Test
    void aServerThatIsNotThereIsAFailureASchedulerRetries(@TempDir Path tmp) throws IOException {
        Path gone = project(tmp.resolve("gone"), "http://127.0.0.1:" + PythonVenvs.freePort(), VAR, "");

        Result r = ingot("airflow", "trigger", "ingot_test_ok", "--project", gone.toString());

        assertThat(r.code()).as(r.all()).isEqualTo(ExitCode.FAILURE.code());
        assertThat(r.err()).contains("the server cannot be reached").contains("check airflow.url");
    }

    @Test
    void badSettingsAndArgumentsAreBadInputNamingTheKey(@TempDir Path tmp) throws IOException {
        Path none = tmp.resolve("none");
        Files.createDirectories(none);
        Files.writeString(none.resolve("ingot.yaml"), "name: shop\n");
        Result missing = ingot("airflow", "status", "ingot_test_ok", "--project", none.toString());
        assertThat(missing.code()).isEqualTo(ExitCode.BAD_INPUT.code());
        assertThat(missing.err()).contains("ingot.yaml").contains("airflow").contains("is missing");

        Path four = project(tmp.resolve("four"), AIRFLOW.url() + "/api/v2", VAR, "  version: 4\n");
        Result bad = ingot("airflow", "status", "ingot_test_ok", "--project", four.toString());
        assertThat(bad.code()).isEqualTo(ExitCode.BAD_INPUT.code());
        assertThat(bad.err()).contains("airflow.version").contains("'4' is not an Airflow API version")
                .contains("airflow.url").contains("without /api/v1 or /api/v2");

        Result conf = ingot("airflow", "trigger", "ingot_test_ok", "--project", AIRFLOW.project().toString(), "--conf", "[1]");
        assertThat(conf.code()).isEqualTo(ExitCode.BAD_INPUT.code());
        assertThat(conf.err()).contains("Invalid value for --conf");
        Result timeout = ingot("airflow", "trigger", "ingot_test_ok", "--project", AIRFLOW.project().toString(), "--timeout", "5m");
        assertThat(timeout.err()).contains("--timeout together with --wait");
        Result zero = ingot("airflow", "trigger", "ingot_test_ok", "--project", AIRFLOW.project().toString(), "--wait",
                "--timeout", "0s");
        assertThat(zero.err()).contains("Invalid value for --timeout: '0s'");
    }

    @Test
    void theClientRefusesARunIdThatIsBlank() {
        assertThatThrownBy(() -> RunRequest.now().withRunId(" ")).isInstanceOfSatisfying(IngotException.class,
                e -> assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT));
    }
}
