package dev.ingot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ingot.core.config.CatalogSettings;
import dev.ingot.core.config.GpuPolicy;
import dev.ingot.core.config.ProjectSettings;
import dev.ingot.core.config.TrackingSettings;
import dev.ingot.core.gpu.ClusterManager;
import dev.ingot.core.gpu.GpuEnvironment;
import dev.ingot.core.gpu.GpuSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class IngotSessionsTest {

    private static ProjectSettings settings(CatalogSettings catalog, Map<String, String> conf, GpuPolicy gpu) {
        return new ProjectSettings("p", "", Location.of(Path.of("/data/wh")), catalog, TrackingSettings.local(), conf, gpu);
    }

    @Test
    void localSessionGetsDeltaHiveAndSmallShuffles() {
        Map<String, String> conf = IngotSessions.builder(settings(CatalogSettings.embedded(), Map.of(), GpuPolicy.AUTO))
                .resolve(new SparkConf(false));
        assertThat(conf).as("Delta is always on")
                .containsEntry("spark.sql.extensions", IngotSessions.DELTA_EXTENSION)
                .containsEntry("spark.sql.catalog.spark_catalog", IngotSessions.DELTA_CATALOG)
                .containsEntry("spark.sql.catalogImplementation", "hive")
                .containsEntry("spark.sql.warehouse.dir", "/data/wh")
                .containsEntry("spark.hadoop.javax.jdo.option.ConnectionURL",
                        "jdbc:derby:;databaseName=/data/wh/metastore_db;create=true")
                .containsEntry("spark.master", "local[*]")
                .containsEntry("spark.sql.session.timeZone", "UTC");
        assertThat(Integer.parseInt(conf.get("spark.sql.shuffle.partitions"))).as("sized to the machine, not 200")
                .isBetween(4, 4 * Runtime.getRuntime().availableProcessors());
        assertThat(Integer.parseInt(conf.get("spark.databricks.delta.snapshotPartitions")))
                .as("Delta's log replay sized to the machine, not 50").isBetween(2, Runtime.getRuntime().availableProcessors() + 2);
        assertThat(conf.get("spark.ingot.gpu")).as("no RAPIDS jar in tests").isEqualTo("false");
    }

    @Test
    void whatSparkSubmitSetIsLeftAlone() {
        SparkConf submitted = new SparkConf(false)
                .set("spark.master", "spark://10.0.0.1:7077")
                .set("spark.sql.shuffle.partitions", "400")
                .set("spark.sql.extensions", "com.example.MyExtension");
        Map<String, String> conf = IngotSessions.builder(settings(CatalogSettings.embedded(),
                        Map.of("spark.sql.shuffle.partitions", "10", "spark.executor.memory", "6g"), GpuPolicy.OFF))
                .resolve(submitted);
        assertThat(conf).as("cluster settings are not overridden")
                .doesNotContainKey("spark.master")
                .doesNotContainKey("spark.sql.shuffle.partitions")
                .doesNotContainKey("spark.databricks.delta.snapshotPartitions")
                .containsEntry("spark.executor.memory", "6g")
                .containsEntry("spark.sql.extensions", "com.example.MyExtension," + IngotSessions.DELTA_EXTENSION);
    }

    @Test
    void clusterMetastoreIsNotTouchedAndJdbcIsWired() {
        Map<String, String> cluster = IngotSessions.builder(settings(new CatalogSettings(CatalogSettings.Metastore.CLUSTER,
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()), Map.of(), GpuPolicy.OFF))
                .resolve(new SparkConf(false));
        assertThat(cluster).doesNotContainKeys("spark.sql.catalogImplementation", "spark.sql.warehouse.dir",
                "spark.hadoop.javax.jdo.option.ConnectionURL");
        Map<String, String> jdbc = IngotSessions.builder(settings(new CatalogSettings(CatalogSettings.Metastore.JDBC,
                Optional.of("jdbc:postgresql://db/ms"), Optional.of("org.postgresql.Driver"), Optional.of("hive"),
                Optional.of("pw")), Map.of(), GpuPolicy.OFF)).resolve(new SparkConf(false));
        assertThat(jdbc).containsEntry("spark.hadoop.javax.jdo.option.ConnectionURL", "jdbc:postgresql://db/ms")
                .containsEntry("spark.hadoop.javax.jdo.option.ConnectionDriverName", "org.postgresql.Driver")
                .containsEntry("spark.hadoop.javax.jdo.option.ConnectionPassword", "pw");
        Map<String, String> inferred = IngotSessions.builder(settings(new CatalogSettings(CatalogSettings.Metastore.JDBC,
                Optional.of("jdbc:postgresql://db/ms"), Optional.empty(), Optional.empty(), Optional.empty()), Map.of(),
                GpuPolicy.OFF)).resolve(new SparkConf(false));
        assertThat(inferred).as("the driver of a jdbc:postgresql: URL needs no setting")
                .containsEntry("spark.hadoop.javax.jdo.option.ConnectionDriverName", "org.postgresql.Driver")
                .doesNotContainKeys("spark.hadoop.javax.jdo.option.ConnectionUserName",
                        "spark.hadoop.javax.jdo.option.ConnectionPassword");
        assertThatThrownBy(() -> IngotSessions.builder(settings(new CatalogSettings(CatalogSettings.Metastore.JDBC,
                Optional.of("jdbc:db2://db/ms"), Optional.empty(), Optional.empty(), Optional.empty()), Map.of(),
                GpuPolicy.OFF)).resolve(new SparkConf(false)))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("catalog.driver");
    }

    @Test
    void embeddedMetastoreRefusesARemoteWarehouse() {
        ProjectSettings s = new ProjectSettings("p", "", Location.parse("s3a://bucket/wh", Path.of("/")), CatalogSettings.embedded(),
                TrackingSettings.local(), Map.of(), GpuPolicy.OFF);
        assertThatThrownBy(() -> IngotSessions.builder(s).resolve(new SparkConf(false)))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("ingot.yaml: catalog.metastore")
                .hasMessageContaining("metastore: jdbc");
    }

    @Test
    void gpuOnWithoutRapidsIsBadInputAndAutoExplainsWhyNot() {
        GpuEnvironment noRapids = GpuEnvironment.of(1, false, true);
        assertThatThrownBy(() -> IngotSessions.builder(settings(CatalogSettings.embedded(), Map.of(), GpuPolicy.ON))
                .gpuEnvironment(noRapids).resolve(new SparkConf(false)))
                .isInstanceOf(IngotException.class)
                .hasMessageContaining("the RAPIDS jar (com.nvidia.spark.SQLPlugin is not on the class path)")
                .extracting(e -> ((IngotException) e).exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        Map<String, String> auto = IngotSessions.builder(settings(CatalogSettings.embedded(), Map.of(), GpuPolicy.AUTO))
                .gpuEnvironment(noRapids).resolve(new SparkConf(false));
        assertThat(auto).containsEntry("spark.ingot.gpu", "false").doesNotContainKey("spark.plugins");
        assertThat(auto.get("spark.ingot.gpu.reason")).contains("running on CPUs").contains("not on the class path");
    }

    @Test
    void aGpuRunGetsTheSettingsOfItsClusterManagerUnderWhatTheUserSet() {
        GpuEnvironment all = GpuEnvironment.of(1, true, true);
        Map<String, String> local = IngotSessions.builder(settings(CatalogSettings.embedded(), Map.of(), GpuPolicy.AUTO))
                .gpuEnvironment(all).resolve(new SparkConf(false));
        assertThat(local).containsEntry("spark.ingot.gpu", "true")
                .containsAllEntriesOf(GpuSettings.of(ClusterManager.LOCAL, 4, "3.5.4").sparkConf());
        SparkConf submitted = new SparkConf(false).set("spark.master", "yarn").set("spark.plugins", "com.example.P")
                .set("spark.executor.cores", "8").set("spark.rapids.sql.concurrentGpuTasks", "1");
        Map<String, String> yarn = IngotSessions.builder(settings(CatalogSettings.embedded(),
                        Map.of("spark.rapids.memory.pinnedPool.size", "4g"), GpuPolicy.ON))
                .gpuEnvironment(all).resolve(submitted);
        assertThat(yarn).as("the RAPIDS plugin is added to the submitted ones; the rest only where nobody set it")
                .containsEntry("spark.plugins", "com.example.P,com.nvidia.spark.SQLPlugin")
                .containsEntry("spark.task.resource.gpu.amount", "0.125")
                .containsEntry("spark.rapids.memory.pinnedPool.size", "4g")
                .containsEntry("spark.executor.resource.gpu.discoveryScript", "./getGpusResources.sh")
                .containsEntry("spark.shuffle.manager", "com.nvidia.spark.rapids.spark354.RapidsShuffleManager")
                .doesNotContainKeys("spark.executor.cores", "spark.rapids.sql.concurrentGpuTasks");
    }

    @Test
    void sharedSessionWritesDeltaTablesIntoTheIngotDatabases() {
        SparkSession spark = TestSpark.session();
        List<String> dbs = spark.sql("SHOW DATABASES").collectAsList().stream().map(r -> r.getString(0)).toList();
        assertThat(dbs).as("every Ingot database exists").contains("features", "quality", "ml", "scores", "ingot");
        spark.range(5).toDF("id").write().format("delta").mode("overwrite").saveAsTable("scores.session_probe");
        Row r = spark.sql("SELECT count(*), sum(id) FROM scores.session_probe").first();
        assertThat(r.getLong(0)).isEqualTo(5);
        assertThat(r.getLong(1)).isEqualTo(10);
        String provider = spark.sql("DESCRIBE DETAIL scores.session_probe").first().getAs("format");
        assertThat(provider).isEqualTo("delta");
        Path location = Path.of(TestSpark.warehouse().toString(), "scores.db", "session_probe");
        assertThat(location.resolve("_delta_log")).as("tables live under the project warehouse").isDirectory();
    }
}
