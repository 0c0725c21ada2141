package dev.ingot.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** What the two artifacts hold: the app jar carries Ingot and what Spark lacks; the distribution is plain Spark. */
class AppJarIT {
    private static final Path APP_JAR = Path.of(System.getProperty("ingot.appJar", "target/ingot-dist/app/ingot-jobs.jar"));
    private static final Path DIST = Path.of(System.getProperty("ingot.dist", "target/ingot-dist"));

    @Test
    void appJarHasIngotAndWhatSparkLacksButNotSpark() throws IOException {
        Set<String> entries;
        try (JarFile jar = new JarFile(APP_JAR.toFile())) {
            entries = jar.stream().map(e -> e.getName()).collect(Collectors.toSet());
            assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class")).isEqualTo("dev.ingot.jobs.IngotMain");
        }
        assertThat(entries).as("Ingot, Delta, Deequ, ONNX Runtime, the YAML loader, the demo project").contains(
                "dev/ingot/jobs/IngotMain.class",
                "dev/ingot/core/config/ProjectLoader.class",
                "io/delta/sql/DeltaSparkSessionExtension.class",
                "com/amazon/deequ/VerificationSuite.class",
                "ai/onnxruntime/OrtEnvironment.class",
                "dev/ingot/shaded/jackson/yaml/YAMLFactory.class",
                "dev/ingot/jobs/demo/retail/ingot.yaml",
                "META-INF/services/org.apache.spark.sql.sources.DataSourceRegister");
        assertThat(entries).as("Spark, Scala and Spark's own libraries come from the cluster").doesNotContain(
                "org/apache/spark/SparkContext.class",
                "scala/Option.class",
                "com/fasterxml/jackson/databind/ObjectMapper.class",
                "breeze/linalg/DenseVector.class",
                "org/yaml/snakeyaml/Yaml.class",
                "scala/reflect/api/TypeCreator.class",
                "com/fasterxml/jackson/dataformat/yaml/YAMLFactory.class");
    }

    @Test
    void appJarAndSparksJarsShareNoClass() throws IOException {
        // A class in both would be loaded from Spark's jars by Spark and from the app jar by Ingot: two copies, and
        // a NoClassDefFoundError when Spark needs one that only the app jar has.
        Set<String> app;
        try (JarFile jar = new JarFile(APP_JAR.toFile())) {
            app = jar.stream().map(e -> e.getName()).filter(n -> n.endsWith(".class") && !n.contains("module-info"))
                    .collect(Collectors.toSet());
        }
        List<String> shared = new java.util.ArrayList<>();
        try (Stream<Path> jars = Files.list(DIST.resolve("jars"))) {
            for (Path j : jars.toList()) {
                try (JarFile jar = new JarFile(j.toFile())) {
                    jar.stream().map(e -> e.getName()).filter(app::contains).limit(3)
                            .forEach(n -> shared.add(j.getFileName() + ": " + n));
                }
            }
        }
        assertThat(shared).as("classes in both the app jar and jars/").isEmpty();
    }

    @Test
    void distributionIsSparkOnlyLaidOutLikeSparks() throws IOException {
        assertThat(DIST.resolve("RELEASE")).exists();
        assertThat(DIST.resolve("conf/log4j2.properties")).exists();
        List<String> jars;
        try (Stream<Path> s = Files.list(DIST.resolve("jars"))) {
            jars = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertThat(jars).anyMatch(j -> j.startsWith("spark-core_2.12-3.5.4"))
                .anyMatch(j -> j.startsWith("spark-hive_2.12-3.5.4"))
                .anyMatch(j -> j.startsWith("spark-mllib_2.12-3.5.4"))
                .anyMatch(j -> j.startsWith("slf4j-api-2."))
                .as("no Ingot dependency that a Spark install lacks")
                .noneMatch(j -> j.startsWith("delta-") || j.startsWith("deequ") || j.startsWith("onnxruntime")
                        || j.startsWith("ingot-") || j.startsWith("slf4j-api-1."));
    }
}
