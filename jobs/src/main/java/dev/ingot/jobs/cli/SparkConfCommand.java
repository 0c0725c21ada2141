package dev.ingot.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotSessions;
import dev.ingot.core.Secrets;
import dev.ingot.core.config.CatalogSettings;
import dev.ingot.core.config.GpuPolicy;
import dev.ingot.core.config.Project;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ingot spark-conf}: the Spark settings Ingot's own sessions use for a project, for a session that Ingot does
 * not start (PySpark in a notebook, {@code spark-shell}, {@code spark-submit --properties-file}), so that the
 * warehouse, the catalog and Delta are configured in one place: {@code ingot.yaml}, read by Ingot. Starts no Spark.
 *
 * <p>Secrets never leave the process: a value that came from {@code ${env:NAME}} is printed as {@code ${env:NAME}}
 * again, for the reader to fill from its own environment ({@code notebooks/ingot_notebook.py} does).
 */
@Command(name = "spark-conf", mixinStandardHelpOptions = true,
        description = "Print the Spark settings Ingot's sessions use for a project (Delta, the catalog and its metastore, "
                + "the warehouse, ingot.yaml's spark.conf, the jar with Delta), for PySpark, notebooks or "
                + "spark-submit --properties-file. Secrets are printed as ${env:NAME}. Starts no Spark.")
public final class SparkConfCommand implements Callable<Integer> {
    /** Where the driver's Derby writes {@code derby.log}, as Ingot's own sessions set it: beside the metastore. */
    static final String DERBY_HOME = "-Dderby.system.home=";

    @Mixin
    ProjectOptions options;

    @Option(names = "--format", defaultValue = "properties", paramLabel = "properties|json",
            description = "properties: 'key value' lines, as spark-defaults.conf and --properties-file read them; json: "
                    + "an object with the settings ('conf'), the Spark distribution Ingot runs on ('spark_home') and, "
                    + "for an embedded metastore, the lock file its users take ('catalog_lock'). Default: ${DEFAULT-VALUE}.")
    Format format;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    enum Format { properties, json }

    @Override
    public Integer call() throws Exception {
        Project p = options.load();
        // A notebook's or shell's session has neither the RAPIDS jar nor Ingot's GPU probe: the CPU, always.
        Map<String, String> conf = new LinkedHashMap<>(IngotSessions.builder(p.settings()).gpu(GpuPolicy.OFF).sparkConf());
        Optional<Path> appJar = appJar();
        appJar.ifPresent(jar -> {
            // Local: on the driver's class path, where the catalog's JDBC driver and Delta's extension are found first
            // and nothing is copied; a cluster's executors need it shipped.
            String key = conf.getOrDefault("spark.master", "").startsWith("local") ? "spark.driver.extraClassPath"
                    : "spark.jars";
            conf.merge(key, jar.toString(), (had, add) -> had + (key.equals("spark.jars") ? "," : java.io.File.pathSeparator) + add);
        });
        Optional<Path> lock = Optional.empty();
        if (p.settings().catalog().metastore() == CatalogSettings.Metastore.EMBEDDED) {
            Path wh = p.settings().warehouse().localPath();
            lock = Optional.of(IngotSessions.embeddedCatalogLock(p.settings()));
            conf.merge("spark.driver.extraJavaOptions", DERBY_HOME + wh, (had, add) -> had + " " + add);
        }
        conf.replaceAll((k, v) -> withEnvReferences(v, System.getenv()));

        // Nothing to start or write; a dry run stops before the output, so a scheduler's check prints no settings.
        DryRun.stopBefore("printing the settings");
        PrintWriter out = spec.commandLine().getOut();
        if (format == Format.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("project", p.settings().name());
            json.put("dir", p.dir().toAbsolutePath().normalize().toString());
            json.put("warehouse", p.settings().warehouse().toString());
            json.put("metastore", p.settings().catalog().metastore().name().toLowerCase(java.util.Locale.ROOT));
            json.put("catalog_lock", lock.map(Path::toString).orElse(null));
            json.put("spark_home", appJar.flatMap(SparkConfCommand::distributionOf).map(Path::toString).orElse(null));
            json.put("conf", conf);
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json));
        } else {
            conf.forEach((k, v) -> out.println(k + " " + v));
        }
        out.flush();
        return ExitCode.OK.code();
    }

    /**
     * {@code value} with every secret that came from an environment variable written back as {@code ${env:NAME}}, and
     * any other secret masked: what may be printed.
     */
    static String withEnvReferences(String value, Map<String, String> env) {
        String out = value;
        List<Map.Entry<String, String>> secrets = env.entrySet().stream()
                .filter(e -> e.getValue().length() >= 4 && Secrets.MASK.equals(Secrets.redact(e.getValue())))
                .sorted(Comparator.comparingInt((Map.Entry<String, String> e) -> e.getValue().length()).reversed()
                        .thenComparing(Map.Entry::getKey))
                .toList();
        for (Map.Entry<String, String> s : secrets) {
            out = out.replace(s.getValue(), "${env:" + s.getKey() + "}");
        }
        return Secrets.redact(out);
    }

    /** The jar this command runs from (the app jar, with Delta), when it runs from one. */
    static Optional<Path> appJar() {
        try {
            Path p = Path.of(SparkConfCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return Files.isRegularFile(p) && p.toString().endsWith(".jar") ? Optional.of(p) : Optional.empty();
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The Spark distribution an app jar sits in ({@code ingot-dist/app/ingot-jobs.jar}), when it sits in one. */
    static Optional<Path> distributionOf(Path appJar) {
        Path dist = appJar.toAbsolutePath().getParent() == null ? null : appJar.toAbsolutePath().getParent().getParent();
        return dist != null && Files.isRegularFile(dist.resolve("RELEASE")) && Files.isDirectory(dist.resolve("jars"))
                ? Optional.of(dist) : Optional.empty();
    }
}
