package dev.ingot.jobs.airflow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.TestEnvironment;
import dev.ingot.jobs.IngotMain;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the Airflow tests share: a project naming the server, {@code ingot} run in-process, the task table's rows. */
final class AirflowCli {
    /** The variable holding the server's password. */
    static final String VAR = "INGOT_TEST_AIRFLOW_PASSWORD";
    /** The variable holding a wrong one. */
    static final String WRONG_VAR = "INGOT_TEST_AIRFLOW_WRONG_PASSWORD";
    static final String WRONG = "wrong-password-4711";

    private AirflowCli() {}

    /** Plants both passwords in the environment and writes a project whose password is the server's. */
    static Path plant(Path dir, String url) throws Exception {
        TestEnvironment.writable().put(VAR, AirflowServerExtension.PASSWORD);
        TestEnvironment.writable().put(WRONG_VAR, WRONG);
        return project(dir, url, VAR, "");
    }

    /** Removes what {@link #plant} planted. */
    static void unplant() throws Exception {
        TestEnvironment.writable().remove(VAR);
        TestEnvironment.writable().remove(WRONG_VAR);
    }

    /** A finished command. */
    record Result(int code, String out, String err) {
        String all() {
            return out + err;
        }
    }

    /** A project whose {@code ingot.yaml} names the server, the password taken from {@code ${env:var}}. */
    static Path project(Path dir, String url, String var, String extra) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("ingot.yaml"), "name: shop\nairflow:\n  url: " + url + "\n  username: "
                + AirflowServerExtension.USER + "\n  password: ${env:" + var + "}\n" + extra);
        return dir;
    }

    /** Runs {@code ingot ARGS}; no command may print a password, the server's or the wrong one. */
    static Result ingot(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = IngotMain.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        Result r = new Result(code, out.toString(), err.toString());
        assertThat(r.all()).as("no command prints the password").doesNotContain(AirflowServerExtension.PASSWORD)
                .doesNotContain(WRONG);
        return r;
    }

    /** The task table's row of a task: its cells, split on runs of spaces. */
    static List<String> row(String out, String task) {
        return out.lines().filter(l -> l.startsWith(task + " ")).findFirst()
                .map(l -> List.of(l.trim().split("\\s+"))).orElseThrow(() -> new AssertionError("no row " + task
                        + " in:\n" + out));
    }
}
