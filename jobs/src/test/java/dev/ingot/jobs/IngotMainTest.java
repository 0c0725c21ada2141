package dev.ingot.jobs;

import static dev.ingot.jobs.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.jobs.Cli.Result;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's surface: help, plan, exit codes and messages for bad input. No Spark is started here. */
class IngotMainTest {
    @Test
    void helpListsTheCommandsAndExitCodes() {
        Result r = run("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("plan").contains("demo").contains("Exit codes: 0 ok, 1 a gate said no, 2 bad input");
        assertThat(run("plan", "--help").out()).contains("--project").contains("Starts no Spark job");
    }

    @Test
    void planOfTheRetailExamplePrintsStagesAndTables() {
        Result r = run("plan", "--project", "../examples/retail");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Project retail").contains("features materialize --view customer_spend")
                .contains("features.customer_spend_v<N>").contains("ingot.lineage").contains("No Spark job was started");
        Result json = run("plan", "--project", "../examples/retail", "--format", "json");
        assertThat(json.out()).contains("\"project\" : \"retail\"").contains("\"stages\"");
    }

    @Test
    void unknownCommandAndBadOptionsAreExitCode2() {
        Result r = run("materialise");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("materialise").contains("--help");
        assertThat(run("plan").err()).contains("Missing required option: '--project=DIR'");
        assertThat(run("plan").code()).isEqualTo(2);
        assertThat(run("demo", "--rows", "12").code()).isEqualTo(2);
        assertThat(run("demo", "--rows", "12").err()).contains("--rows").contains("1000 to 100000000");
        assertThat(run("demo", "--gpu", "sometimes").code()).isEqualTo(2);
        assertThat(run("demo", "--days", "0").err()).contains("--days").contains("from 1 to 3660");
    }

    @Test
    void featureCommandsRefuseBadArgumentsBeforeStartingSpark() {
        Result backwards = run("features", "materialize", "--project", "../examples/retail", "--from", "2026-02-01", "--to", "2026-01-01");
        assertThat(backwards.code()).isEqualTo(2);
        assertThat(backwards.err()).contains("--from/--to").contains("--from before --to");
        Result badDate = run("features", "materialize", "--project", "../examples/retail", "--from", "01/02/2026", "--to", "2026-03-01");
        assertThat(badDate.code()).isEqualTo(2);
        assertThat(badDate.err()).contains("--from").contains("a UTC date such as 2026-01-01");
        Result unknownView = run("features", "materialize", "--project", "../examples/retail", "--view", "customer_spnd",
                "--from", "2026-01-01", "--to", "2026-01-02");
        assertThat(unknownView.code()).isEqualTo(2);
        assertThat(unknownView.err()).contains("Unknown feature view 'customer_spnd'").contains("customer_spend, merchant_risk");
        Result history = run("features", "history", "--project", "../examples/retail", "--view", "nope");
        assertThat(history.code()).isEqualTo(2);
        Result badRef = run("training-set", "--project", "../examples/retail", "--spine", "ml.spine", "--features",
                "customer_spend:Bad-Name", "--out", "ml.ts");
        assertThat(badRef.code()).isEqualTo(2);
        assertThat(badRef.err()).contains("--features");
        Result badTable = run("training-set", "--project", "../examples/retail", "--spine", "spine_without_db",
                "--features", "customer_spend", "--out", "ml.ts");
        assertThat(badTable.code()).isEqualTo(2);
        assertThat(badTable.err()).contains("database.table");
    }

    @Test
    void badProjectIsExitCode2WithEveryProblemNamed(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("ingot.yaml"), "name: shop\nwarehose: /tmp/x\n");
        Files.createDirectories(dir.resolve("feature_views"));
        Files.writeString(dir.resolve("feature_views/spend.yaml"), """
                source: orders
                entities: [customer_id]
                aggregations:
                  - name: spend
                    function: sum
                    column: amount
                    windows: [36h]
                """);
        Result r = run("plan", "--project", dir.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).as("nothing printed on stdout").isEmpty();
        assertThat(r.err())
                .contains("ingot.yaml: warehose: unknown key 'warehose' (did you mean 'warehouse'?)")
                .contains("feature_views/spend.yaml: aggregations[0].windows[0]: '36h' is not a multiple of the view's cadence 1d")
                .contains("feature_views/spend.yaml: source: 'orders' is neither a source nor a feature view");
    }

    @Test
    void secretsFromTheEnvironmentNeverReachTheOutput(@TempDir Path dir) throws IOException {
        // The JVM's environment cannot be set from a test: use a variable that is always there, as the "secret".
        String var = System.getenv().containsKey("PATH") ? "PATH" : "HOME";
        String secret = System.getenv(var);
        Files.writeString(dir.resolve("ingot.yaml"), """
                name: shop
                catalog:
                  metastore: jdbc
                  url: jdbc:postgresql://db/ms?password=${env:%s}
                  driver: org.postgresql.Driver
                  password: ${env:%s}
                  bogus: 1
                """.formatted(var, var));
        Result r = run("plan", "--project", dir.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("catalog.bogus").doesNotContain(secret);
    }
}
