package dev.ingot.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/ingot's class-data archive (jobs/pom.xml's dist-cds, written by the build): a Spark command run by
 * {@code bin/ingot} loads most of its classes from it, and prints the same answer as with {@code INGOT_CDS=off}, which
 * loads every class from the jars. Needs {@code mvn package} (a failsafe test).
 */
class ClassDataArchiveIT {
    private static final Path RETAIL = Dist.ROOT.resolve("examples/retail");
    private static final Pattern SOURCE = Pattern.compile("(?m)^\\[[^]]*\\]\\[info\\]\\[class,load\\] \\S+ source: (.*)$");

    @TempDir
    Path tmp;

    /**
     * Counts the classes of a run by where they came from: the archive (its top layer), Java's own (its base archive
     * or modules), a jar, or made while running (lambdas, Spark's generated code), which no archive holds.
     */
    private static Map<String, Long> sources(Path log) throws Exception {
        Matcher m = SOURCE.matcher(Files.readString(log));
        List<String> kinds = new java.util.ArrayList<>();
        while (m.find()) {
            String s = m.group(1);
            kinds.add(s.startsWith("shared objects file (top)") ? "archive"
                    : s.startsWith("shared objects file") || s.startsWith("jrt:") ? "java"
                    : s.startsWith("file:") || s.startsWith("jar:") ? "jar" : "generated");
        }
        return kinds.stream().collect(Collectors.groupingBy(k -> k, Collectors.counting()));
    }

    private Dist.Ran sql(String cds, Path classLog) throws Exception {
        ProcessBuilder pb = Dist.ingot("--master", "local[1]", "sql", "--project", RETAIL.toString(),
                "--warehouse", tmp.resolve("warehouse").toString(),
                "SELECT count(*) AS n, sum(id) AS total FROM range(1000)");
        pb.environment().put("INGOT_CDS", cds);
        pb.environment().put("INGOT_JAVA_OPTS", Dist.CHILD_JVM_OPTIONS
                + " -Xlog:class+load=info:file=" + classLog + ":uptime,level,tags");
        return Dist.run(pb, tmp.resolve("logs"), Duration.ofMinutes(5));
    }

    @Test
    void binIngotLoadsItsClassesFromTheArchiveTheBuildMadeAndAnswersAsWithout() throws Exception {
        assertThat(Dist.HOME.resolve("cds/ingot.jsa")).as("written by the build (dist-cds)").isRegularFile();

        Path withLog = tmp.resolve("with.log");
        Dist.Ran with = sql("on", withLog);
        assertThat(with.code()).as(with.all()).isZero();
        Path withoutLog = tmp.resolve("without.log");
        Dist.Ran without = sql("off", withoutLog);
        assertThat(without.code()).as(without.all()).isZero();
        assertThat(with.out()).as("the same answer").isEqualTo(without.out()).contains("499500");

        Map<String, Long> on = sources(withLog);
        Map<String, Long> off = sources(withoutLog);
        System.out.printf("classes with the archive %s, without %s; %.1f s against %.1f s%n", on, off,
                with.seconds(), without.seconds());
        long fromFiles = on.getOrDefault("archive", 0L) + on.getOrDefault("jar", 0L);
        assertThat(on.getOrDefault("archive", 0L)).as("Spark's, Delta's and Ingot's classes mapped from the archive, "
                + "of %d: %s", fromFiles, on).isGreaterThan(fromFiles * 8 / 10);
        assertThat(off).as("INGOT_CDS=off: none from it").doesNotContainKey("archive");
        assertThat(off.getOrDefault("jar", 0L)).as("without it, they come from the jars")
                .isGreaterThan(fromFiles * 3 / 4);
    }
}
