package dev.ingot.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.core.Secrets;
import dev.ingot.core.TestEnvironment;
import dev.ingot.jobs.IngotMain;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingot spark-conf}: what a notebook's PySpark is given is what Ingot's sessions use (Delta, the Hive catalog on
 * the project's embedded metastore or its JDBC database, the warehouse, ingot.yaml's spark.conf), with secrets written
 * back as {@code ${env:NAME}} and nothing started.
 */
class SparkConfCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = IngotMain.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    private Path project(String yaml) throws IOException {
        Path p = dir.resolve("proj");
        Files.createDirectories(p);
        Files.writeString(p.resolve("ingot.yaml"), "name: shop\n" + yaml);
        return p;
    }

    @Test
    void anEmbeddedCatalogGetsDeltaTheHiveCatalogOnTheWarehousesDerbyAndItsLock() throws Exception {
        Path p = project("warehouse: wh\nspark:\n  conf:\n    spark.sql.shuffle.partitions: \"3\"\n");
        Result r = run("spark-conf", "--project", p.toString(), "--format", "json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode json = JSON.readTree(r.out());
        Path wh = p.resolve("wh").toAbsolutePath().normalize();
        assertThat(json.get("project").asText()).isEqualTo("shop");
        assertThat(json.get("warehouse").asText()).isEqualTo(wh.toString());
        assertThat(json.get("metastore").asText()).isEqualTo("embedded");
        assertThat(json.get("catalog_lock").asText()).as("the file Ingot's CatalogLock takes")
                .isEqualTo(wh.resolve("metastore_db.lock").toString());
        Map<String, String> conf = JSON.convertValue(json.get("conf"), Map.class);
        assertThat(conf).containsEntry("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
                .containsEntry("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
                .containsEntry("spark.sql.catalogImplementation", "hive")
                .containsEntry("spark.sql.warehouse.dir", wh.toString())
                .containsEntry("spark.ingot.warehouse", wh.toString())
                .containsEntry("spark.hadoop.javax.jdo.option.ConnectionURL",
                        "jdbc:derby:;databaseName=" + wh.resolve("metastore_db") + ";create=true")
                .containsEntry("spark.driver.extraJavaOptions", "-Dderby.system.home=" + wh)
                .containsEntry("spark.master", "local[*]")
                .containsEntry("spark.sql.session.timeZone", "UTC")
                .as("ingot.yaml's spark.conf wins over Ingot's defaults").containsEntry("spark.sql.shuffle.partitions", "3")
                .as("a notebook has no RAPIDS jar: never the GPU").containsEntry("spark.ingot.gpu", "false")
                .doesNotContainKey("spark.plugins");
    }

    @Test
    void warehouseOverridesIngotYamlAsForEveryCommandAndPropertiesAreKeyValueLines() throws Exception {
        Path p = project("warehouse: wh\n");
        Path other = dir.resolve("elsewhere");
        Result r = run("spark-conf", "--project", p.toString(), "--warehouse", other.toString());
        assertThat(r.code()).as(r.err()).isZero();
        Map<String, String> lines = new LinkedHashMap<>();
        r.out().lines().forEach(l -> lines.put(l.substring(0, l.indexOf(' ')), l.substring(l.indexOf(' ') + 1)));
        assertThat(lines).containsEntry("spark.sql.warehouse.dir", other.toString())
                .containsEntry("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
                .containsEntry("spark.driver.extraJavaOptions", "-Dderby.system.home=" + other);
        assertThat(Files.exists(other)).as("starts nothing, writes nothing").isFalse();
    }

    @Test
    void aJdbcMetastoresPasswordIsPrintedAsTheEnvironmentVariableItCameFrom() throws Exception {
        String var = "INGOT_TEST_SPARK_CONF_PASSWORD";
        String secret = "pw-" + UUID.randomUUID();
        TestEnvironment.writable().put(var, secret);
        try {
            Path p = project("""
                    catalog:
                      metastore: jdbc
                      url: jdbc:postgresql://127.0.0.1:5432/ms?password=${env:%s}
                      driver: org.postgresql.Driver
                      user: ingot
                      password: ${env:%s}
                    """.formatted(var, var));
            Result r = run("spark-conf", "--project", p.toString(), "--format", "json");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out() + r.err()).doesNotContain(secret);
            JsonNode json = JSON.readTree(r.out());
            assertThat(json.get("metastore").asText()).isEqualTo("jdbc");
            assertThat(json.get("catalog_lock").isNull()).as("a shared metastore needs no lock").isTrue();
            JsonNode conf = json.get("conf");
            assertThat(conf.get("spark.hadoop.javax.jdo.option.ConnectionPassword").asText()).isEqualTo("${env:" + var + "}");
            assertThat(conf.get("spark.hadoop.javax.jdo.option.ConnectionURL").asText())
                    .isEqualTo("jdbc:postgresql://127.0.0.1:5432/ms?password=${env:" + var + "}");
            assertThat(conf.get("spark.hadoop.javax.jdo.option.ConnectionUserName").asText()).isEqualTo("ingot");
            assertThat(conf.has("spark.driver.extraJavaOptions")).as("no Derby").isFalse();
        } finally {
            TestEnvironment.writable().remove(var);
        }
    }

    @Test
    void secretsBecomeTheLongestMatchingVariableAndOtherSecretsAreMasked() {
        String longer = "s3cr3t-" + UUID.randomUUID();
        String inner = longer.substring(0, 10);
        String loose = "not-from-env-" + UUID.randomUUID();
        List.of(longer, inner, loose).forEach(Secrets::register);
        Map<String, String> env = Map.of("A_LONG", longer, "B_SHORT", inner, "PLAIN", "no secret here");
        assertThat(SparkConfCommand.withEnvReferences("x=" + longer + ";y=" + inner + ";z=" + loose + ";no secret here", env))
                .isEqualTo("x=${env:A_LONG};y=${env:B_SHORT};z=****;no secret here");
    }

    @Test
    void aBrokenProjectIsBadInputWithNothingOnStdout() throws Exception {
        Path p = project("warehose: wh\n");
        Result r = run("spark-conf", "--project", p.toString(), "--format", "json");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("ingot.yaml: warehose: unknown key 'warehose'");
    }

    @Test
    void theAppJarsDistributionIsTheFolderWithReleaseAndJars() throws IOException {
        Path dist = dir.resolve("ingot-dist");
        Files.createDirectories(dist.resolve("jars"));
        Files.createDirectories(dist.resolve("app"));
        Path jar = Files.writeString(dist.resolve("app/ingot-jobs.jar"), "");
        assertThat(SparkConfCommand.distributionOf(jar)).as("no RELEASE: not a distribution").isEmpty();
        Files.writeString(dist.resolve("RELEASE"), "");
        assertThat(SparkConfCommand.distributionOf(jar)).contains(dist.toAbsolutePath());
    }
}
