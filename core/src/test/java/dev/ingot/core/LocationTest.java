package dev.ingot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ingot.core.config.ProjectLoader;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class LocationTest {
    private static final Path BASE = Path.of("/projects/shop");

    @Test
    void pathsAreLocalAndRelativeOnesAreTakenFromTheBase() {
        Location rel = Location.parse("data/../warehouse", BASE);
        assertThat(rel.isLocal()).isTrue();
        assertThat(rel.localPath()).isEqualTo(Path.of("/projects/shop/warehouse"));
        assertThat(rel).hasToString("/projects/shop/warehouse");
        assertThat(rel.uri()).isEqualTo(URI.create("file:///projects/shop/warehouse"));
        Location abs = Location.parse("/data/./wh/", BASE);
        assertThat(abs.localPath()).isEqualTo(Path.of("/data/wh"));
        assertThat(abs).isEqualTo(Location.of(Path.of("/data/wh")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"file:/data/wh", "file:///data/wh", "file:///data/wh/", "file://localhost/data/wh"})
    void fileUrisWithOneOrThreeSlashesAreTheSameLocalDirectory(String text) {
        Location l = Location.parse(text, BASE);
        assertThat(l.isLocal()).as(text).isTrue();
        assertThat(l.localPath()).as(text).isEqualTo(Path.of("/data/wh"));
        assertThat(l.resolve("metastore_db").localPath()).isEqualTo(Path.of("/data/wh/metastore_db"));
    }

    @Test
    void remoteUrisAreKeptAsWritten() {
        Location s3 = Location.parse("s3a://bucket/ingot/wh/", BASE);
        assertThat(s3.isLocal()).isFalse();
        assertThat(s3).hasToString("s3a://bucket/ingot/wh");
        assertThat(s3.uri()).isEqualTo(URI.create("s3a://bucket/ingot/wh"));
        assertThat(s3.resolve("features.db")).hasToString("s3a://bucket/ingot/wh/features.db");
        assertThat(Location.parse("hdfs:///user/ingot", BASE)).hasToString("hdfs:///user/ingot");
        assertThatThrownBy(s3::localPath).isInstanceOf(IllegalStateException.class).hasMessageContaining("not on local disk");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "C:\\data\\wh       | Windows path",
            "C:/data/wh        | Windows path",
            "data\\wh          | Windows path",
            "~/wh              | '~' is not expanded",
            "file:data/wh      | absolute path",
            "file://server/wh  | names no other host",
            "s3a:bucket/wh     | scheme://authority/path",
            "s3a://bucket/a b  | not a valid URI",
    })
    void oddInputIsRefusedWithTheReason(String text, String reason) {
        assertThat(Location.problem(text)).as(text).hasValueSatisfying(p -> assertThat(p).contains(reason));
        assertThatThrownBy(() -> Location.parse(text, BASE)).isInstanceOf(IngotException.class)
                .hasMessageContaining(reason)
                .extracting(e -> ((IngotException) e).exitCode()).isEqualTo(ExitCode.BAD_INPUT);
    }

    @Test
    void blankInputIsRefused() {
        assertThat(Location.problem("")).hasValueSatisfying(p -> assertThat(p).contains("empty"));
        assertThat(Location.problem(" /data")).hasValueSatisfying(p -> assertThat(p).contains("blanks"));
        assertThat(Location.problem("/data/wh")).isEmpty();
    }

    @Test
    void aProjectWithAnOddWarehouseOrSourcePathNamesTheFileAndKey(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("ingot.yaml"), "name: shop\nwarehouse: C:\\data\\wh\n");
        Files.createDirectories(dir.resolve("sources"));
        Files.writeString(dir.resolve("sources/orders.yml"), "path: file:orders\nformat: parquet\nevent_time: ts\n");
        assertThatThrownBy(() -> ProjectLoader.load(dir, Map.of())).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("ingot.yaml: warehouse: 'C:\\data\\wh' is not a path or URI: it looks like a Windows path")
                .hasMessageContaining("sources/orders.yml: path: 'file:orders' is not a path or URI")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("neither 'table' nor 'path'"));
    }
}
