package dev.ingot.jobs.airflow;

import static dev.ingot.jobs.airflow.AirflowCli.WRONG_VAR;
import static dev.ingot.jobs.airflow.AirflowCli.ingot;
import static dev.ingot.jobs.airflow.AirflowCli.project;
import static dev.ingot.jobs.airflow.AirflowCli.row;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.ExitCode;
import dev.ingot.core.config.AirflowSettings;
import dev.ingot.core.config.ProjectLoader;
import dev.ingot.jobs.airflow.AirflowCli.Result;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingot airflow trigger|status} against a real Airflow 2.10 ({@code /api/v1}, basic authentication; see
 * {@link AirflowServerExtension#airflow2()}): the API version found by asking the server, a run to success, and the
 * errors for an unknown DAG, a paused DAG, a duplicate run id and a wrong password.
 */
class Airflow2CommandTest {

    @RegisterExtension
    static final AirflowServerExtension AIRFLOW = AirflowServerExtension.airflow2();


    @Test
    void theServerIsFoundToSpeakTheAirflow2Api() {
        AirflowClient airflow = AirflowClient.connect(ProjectLoader.load(AIRFLOW.project()).settings().airflow()
                .orElseThrow());
        assertThat(airflow.apiVersion()).isEqualTo(AirflowSettings.ApiVersion.AIRFLOW_2);
        assertThat(airflow.isPaused("ingot_test_paused")).isTrue();
    }

    @Test
    void triggerWaitEndsInSuccessAndStatusShowsTheTasks() {
        Result r = ingot("airflow", "trigger", "ingot_test_ok", "--project", AIRFLOW.project().toString(), "--unpause",
                "--conf", "{\"date\": \"2026-11-30\"}", "--logical-date", "2026-11-30T06:00:00Z", "--run-id", "ok-2",
                "--wait", "--timeout", "3m");

        assertThat(r.code()).as(r.all()).isEqualTo(0);
        assertThat(r.out()).contains("Triggered DAG ingot_test_ok: run ok-2 (queued), logical date 2026-11-30T06:00:00Z")
                .contains("DAG ingot_test_ok  run ok-2  state success  logical date 2026-11-30T06:00:00Z");
        Result status = ingot("airflow", "status", "ingot_test_ok", "--project", AIRFLOW.project().toString());
        assertThat(status.code()).as(status.all()).isEqualTo(0);
        assertThat(row(status.out(), "first").subList(0, 3)).containsExactly("first", "success", "1");
        assertThat(row(status.out(), "second").subList(0, 3)).containsExactly("second", "success", "1");
    }

    @Test
    void anUnknownDagIsBadInputWithTheFilesThatDoNotImport() {
        Result r = ingot("airflow", "trigger", "ingot_nope", "--project", AIRFLOW.project().toString());

        assertThat(r.code()).as(r.all()).isEqualTo(ExitCode.BAD_INPUT.code());
        assertThat(r.err()).contains("Airflow has no DAG 'ingot_nope' (known: ingot_test_fail, ingot_test_ok,"
                        + " ingot_test_paused, ingot_test_sleep)")
                .contains(AirflowServerExtension.BROKEN_FILE + " (ModuleNotFoundError: No module named"
                        + " 'ingot_no_such_module')");
    }

    @Test
    void aPausedDagAndADuplicateRunIdAreBadInput() {
        Result paused = ingot("airflow", "trigger", "ingot_test_paused", "--project", AIRFLOW.project().toString());
        assertThat(paused.code()).as(paused.all()).isEqualTo(ExitCode.BAD_INPUT.code());
        assertThat(paused.err()).contains("the DAG is paused");

        Result first = ingot("airflow", "trigger", "ingot_test_fail", "--project", AIRFLOW.project().toString(), "--unpause",
                "--run-id", "dup-2");
        assertThat(first.code()).as(first.all()).isEqualTo(0);
        Result again = ingot("airflow", "trigger", "ingot_test_fail", "--project", AIRFLOW.project().toString(), "--run-id", "dup-2");
        assertThat(again.code()).as(again.all()).isEqualTo(ExitCode.BAD_INPUT.code());
        assertThat(again.err()).contains("a run with run id 'dup-2' exists already");
    }

    @Test
    void aWrongPasswordIsBadInputAndNeverShown(@TempDir Path tmp) throws IOException {
        Path wrong = project(tmp.resolve("wrong"), AIRFLOW.url(), WRONG_VAR, "  version: 2\n");

        Result r = ingot("airflow", "status", "ingot_test_ok", "--project", wrong.toString());

        assertThat(r.code()).as(r.all()).isEqualTo(ExitCode.BAD_INPUT.code());
        assertThat(r.err()).contains("Airflow refused the login of user 'admin' (401 Unauthorized)");
    }
}
