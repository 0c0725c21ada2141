package dev.ingot.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.core.config.CheckSuiteDef;
import dev.ingot.core.config.FeatureViewDef;
import dev.ingot.core.config.GpuPolicy;
import dev.ingot.core.config.ModelDef;
import dev.ingot.core.config.Project;
import dev.ingot.features.FeatureStore;
import dev.ingot.features.internal.Materializer;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ingot gpu-report}: for each job's main query, which operators Spark RAPIDS would run on a GPU and why the
 * others would not. Builds the queries the jobs build (nothing runs, nothing is written) and asks RAPIDS'
 * {@code ExplainPlan}, which works on a machine without a GPU. Jobs whose query is not built yet are listed as such.
 */
@Command(name = "gpu-report", mixinStandardHelpOptions = true,
        description = "For each job's main query, the share of operators Spark RAPIDS would run on a GPU, and every one "
                + "it would not, with RAPIDS' reason. Runs on CPUs; needs the RAPIDS jar (bin/rapids-jar --fetch).")
public final class GpuReportCommand implements Callable<Integer> {
    @Mixin
    ProjectOptions options;

    @Option(names = "--format", defaultValue = "text", paramLabel = "text|json",
            description = "Output format (default: ${DEFAULT-VALUE}).")
    Format format;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    enum Format { text, json }

    /** A job whose query is not reported yet, and why. */
    record NotCovered(String job, String why) {}

    @Override
    public Integer call() throws Exception {
        Project p = options.load();
        // The report itself runs on CPUs: RAPIDS' plugin would need a GPU; its ExplainPlan does not.
        SparkSession spark = Sessions.open(p, "gpu-report", Optional.of(GpuPolicy.OFF));
        List<GpuPlans.QueryPlan> plans = new ArrayList<>();
        List<NotCovered> notCovered = new ArrayList<>();
        Materializer materializer = new Materializer(spark, p, Optional.empty());
        for (String name : p.featureViewsInOrder()) {
            FeatureViewDef v = p.featureViews().get(name);
            long step = v.cadence().seconds();
            Instant to = Instant.ofEpochSecond(Instant.now().getEpochSecond() / step * step);
            Instant from = to.minusSeconds(step);
            report("features materialize --view " + name, () -> materializer.query(materializer.prepare(name), from, to),
                    plans, notCovered);
        }
        for (ModelDef m : p.models().values()) {
            report("training-set (model " + m.name() + ")", () -> FeatureStore.of(spark, p)
                    .trainingSet(spark.table(m.spine().sql()), m.timestamp(), m.features(), TrainCommand.sharedFeatureNames(p, m)),
                    plans, notCovered);
        }
        for (CheckSuiteDef s : p.suites().values()) {
            if (s.table().isPresent()) {
                notCovered.add(new NotCovered("validate --table " + s.table().get() + " --suite " + s.name(),
                        "not built yet: Deequ computes the metrics in its own Spark jobs, not as one Dataset"));
            }
        }
        for (ModelDef m : p.models().values()) {
            notCovered.add(new NotCovered("score --model " + m.name(),
                    "not built yet: the scoring query needs a registered model and comes with the columnar scoring path"));
        }
        PrintWriter out = spec.commandLine().getOut();
        String name = p.settings().name();
        out.print(format == Format.json ? json(name, plans, notCovered) : text(name, plans, notCovered));
        out.flush();
        return ExitCode.OK.code();
    }

    /** Builds a job's query and explains it; a query that cannot be built (no data yet) is listed with the reason. */
    private static void report(String job, Supplier<Dataset<Row>> query, List<GpuPlans.QueryPlan> plans,
                               List<NotCovered> notCovered) {
        Dataset<Row> ds;
        try {
            ds = query.get();
        } catch (Exception e) {
            // A table the query reads is not there yet (no run made it): say so and go on with the other jobs.
            if (!(e instanceof IngotException) && !(e instanceof org.apache.spark.sql.AnalysisException)) {
                throw e;
            }
            notCovered.add(new NotCovered(job, "its query cannot be built: " + firstLine(e.getMessage())));
            return;
        }
        plans.add(GpuPlans.of(job, ds));
    }

    private static String firstLine(String s) {
        String t = s == null ? "" : s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl);
    }

    static String text(String project, List<GpuPlans.QueryPlan> plans, List<NotCovered> notCovered) {
        StringBuilder b = new StringBuilder("GPU report of project " + project
                + " (Spark RAPIDS: which operators would run on a GPU)\n\n");
        if (plans.isEmpty()) {
            b.append("  No job's query could be built (see Not covered).\n");
        }
        int w = Math.max(3, plans.stream().mapToInt(q -> q.job().length()).max().orElse(3));
        if (!plans.isEmpty()) {
            b.append(String.format(Locale.ROOT, "  %-" + w + "s  %9s  %6s  %5s%n", "job", "operators", "on GPU", "share"));
        }
        long total = 0;
        long on = 0;
        for (GpuPlans.QueryPlan q : plans) {
            b.append(String.format(Locale.ROOT, "  %-" + w + "s  %9d  %6d  %4.0f%%%n", q.job(), q.operators().size(),
                    q.onGpu(), 100 * q.share()));
            total += q.operators().size();
            on += q.onGpu();
        }
        if (!plans.isEmpty()) {
            b.append(String.format(Locale.ROOT, "  %-" + w + "s  %9d  %6d  %4.0f%%%n", "all", total, on,
                    total == 0 ? 0.0 : 100.0 * on / total));
        }
        for (GpuPlans.QueryPlan q : plans) {
            List<GpuPlans.Operator> off = q.operators().stream().filter(o -> !o.onGpu()).toList();
            if (off.isEmpty()) {
                continue;
            }
            b.append("\nNot on the GPU in ").append(q.job()).append(":\n");
            for (GpuPlans.Operator o : off) {
                b.append("  ").append(o.name()).append(": ").append(o.reason()).append('\n');
                o.causes().forEach(c -> b.append("      ").append(c).append('\n'));
            }
        }
        if (!notCovered.isEmpty()) {
            b.append("\nNot covered:\n");
            notCovered.forEach(n -> b.append("  ").append(n.job()).append(": ").append(n.why()).append('\n'));
        }
        return b.toString();
    }

    static String json(String project, List<GpuPlans.QueryPlan> plans, List<NotCovered> notCovered) throws Exception {
        List<Map<String, Object>> jobs = new ArrayList<>();
        for (GpuPlans.QueryPlan q : plans) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("job", q.job());
            j.put("operators", q.operators().size());
            j.put("on_gpu", q.onGpu());
            j.put("share", q.share());
            List<Map<String, Object>> off = new ArrayList<>();
            for (GpuPlans.Operator o : q.operators()) {
                if (!o.onGpu()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("operator", o.name());
                    m.put("reason", o.reason());
                    m.put("causes", o.causes());
                    off.add(m);
                }
            }
            j.put("not_on_gpu", off);
            j.put("rapids_explain", q.explain());
            jobs.add(j);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("project", project);
        out.put("jobs", jobs);
        out.put("not_covered", notCovered.stream().map(n -> Map.of("job", n.job(), "why", n.why())).toList());
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out) + "\n";
    }
}
