package dev.ingot.features;

import static dev.ingot.features.TestProject.day;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.core.config.Project;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Definitions in {@code .yml} files: messages name the file that exists, not a {@code .yaml} one rebuilt from the name. */
class DefinitionFileTest {

    @Test
    void errorsOfYmlDefinitionsNameTheYmlFiles(@TempDir Path dir) {
        SparkSession spark = TestProject.sparkWithDatabase("dfile");
        spark.sql("SELECT CAST(id % 3 AS BIGINT) AS customer_id, timestamp_seconds(1767225600 + id * 3600) AS ts, "
                + "CAST(id AS DOUBLE) AS amount FROM range(24)").write().format("delta").mode("overwrite")
                .saveAsTable("dfile.events");
        TestProject project = new TestProject(dir)
                .write("sources/dfile_events.yml", "table: dfile.events\nevent_time: ts\n")
                .write("feature_views/dfile_spend.yml", """
                        source: dfile_events
                        entities: [customer]
                        aggregations:
                          - {name: spend, function: sum, column: amount, windows: [1d]}
                        """)
                .write("sources/dfile_typed_src.yml", "table: dfile.events\nevent_time: ts\n"
                        + "schema:\n  customer_id: bigint\n  ts: timestamp\n  amount: bigint\n")
                .write("feature_views/dfile_typed.yml", """
                        source: dfile_typed_src
                        entities: [customer_id]
                        aggregations:
                          - {name: spend, function: sum, column: amount, windows: [1d]}
                        """);
        Project p = project.load();
        assertThat(p.featureViews().get("dfile_spend").file()).isEqualTo("feature_views/dfile_spend.yml");
        assertThat(p.sources().get("dfile_events").file()).isEqualTo("sources/dfile_events.yml");

        IngotException view = catchThrowableOfType(() -> project.store().materialize("dfile_spend", day(0), day(1)),
                IngotException.class);
        assertThat(view.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(view.getMessage()).contains("'customer' (feature_views/dfile_spend.yml entities[0])")
                .doesNotContain("dfile_spend.yaml");

        IngotException source = catchThrowableOfType(() -> project.store().materialize("dfile_typed", day(0), day(1)),
                IngotException.class);
        assertThat(source.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(source.getMessage()).contains("read source 'dfile_typed_src' (sources/dfile_typed_src.yml)")
                .contains("fix 'schema' in sources/dfile_typed_src.yml").doesNotContain(".yaml");
    }
}
