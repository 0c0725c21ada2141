package dev.ingot.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.core.Catalog;
import dev.ingot.core.Identifiers;
import dev.ingot.core.TableName;
import dev.ingot.core.Tables;
import dev.ingot.core.config.CheckSuiteDef;
import dev.ingot.core.config.FeatureViewDef;
import dev.ingot.core.config.GpuPolicy;
import dev.ingot.core.config.ModelDef;
import dev.ingot.core.config.Project;
import dev.ingot.core.config.ProjectSettings.SecretUse;
import dev.ingot.features.FeatureStore;
import dev.ingot.features.internal.AsOfJoin;
import dev.ingot.features.internal.Materializer;
import dev.ingot.features.internal.Tiles;
import dev.ingot.scoring.Scorer;
import dev.ingot.scoring.ScoringPath;
import dev.ingot.training.TrackingStore;
import dev.ingot.validation.Validator;
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
import java.util.regex.Matcher;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
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

    @Option(names = "--score-input", paramLabel = "MODEL=TABLE",
            description = "The table 'score' reads for MODEL (default: ml.<MODEL>_scoring_input, which the demo writes).")
    Map<String, String> scoreInputs = new LinkedHashMap<>();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** What the report says of the ONNX inference operators. */
    static final String INFERENCE_NOTE = "ONNX inference (the scorer's mapPartitions and Spark's row conversion into "
            + "and out of it): not a RAPIDS operator; ONNX Runtime runs the model, on a GPU run through its CUDA "
            + "provider (the executor's log line names the providers). Not counted in the share.";

    enum Format { text, json }

    /** Rows of a suite's table its checks run on while their queries are recorded. */
    static final int SAMPLE_ROWS = 100;

    /** A job whose query is not reported yet, and why. */
    record NotCovered(String job, String why) {}

    @Override
    public Integer call() throws Exception {
        Project p = options.load(SecretUse.TRACKING);
        // The report itself runs on CPUs: RAPIDS' plugin would need a GPU; its ExplainPlan does not.
        SparkSession spark = Sessions.open(p, "gpu-report", Optional.of(GpuPolicy.OFF));
        // A run on GPUs joins point in time with the window form, not the CPU's merge: report that query.
        spark.conf().set(AsOfJoin.Strategy.CONF, AsOfJoin.Strategy.WINDOW.name().toLowerCase(Locale.ROOT));
        // And assembles a range of ticks by expanding the tiles, not with the CPU's sliding window frames.
        spark.conf().set(Tiles.Strategy.CONF, Tiles.Strategy.EXPAND.name().toLowerCase(Locale.ROOT));
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
                validate(spark, s, plans, notCovered);
            }
        }
        java.util.Set<String> models = new java.util.TreeSet<>(p.models().keySet());
        models.addAll(p.onnxModels().keySet());
        for (String m : models) {
            score(spark, p, m, plans, notCovered);
        }
        PrintWriter out = spec.commandLine().getOut();
        String name = p.settings().name();
        out.print(format == Format.json ? json(name, plans, notCovered) : text(name, plans, notCovered));
        out.flush();
        return ExitCode.OK.code();
    }

    /**
     * Builds a job's query and explains it; a query that cannot be built (no data yet) is listed with the reason. A
     * builder that returns null explains its queries itself.
     */
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
        if (ds != null) {
            plans.add(GpuPlans.of(job, ds));
        }
    }

    /**
     * The quality-metrics job of a suite: Deequ (and Ingot's shared scan) build and run their aggregation queries
     * themselves, so the suite runs on {@value #SAMPLE_ROWS} rows of its table while a listener records the queries
     * it runs; each is then explained with the sample replaced by the whole table, which is what {@code validate}
     * runs. Nothing is written (no history, no report).
     */
    private static void validate(SparkSession spark, CheckSuiteDef suite, List<GpuPlans.QueryPlan> plans,
                                 List<NotCovered> notCovered) {
        String job = "validate --table " + suite.table().get() + " --suite " + suite.name();
        List<Dataset<Row>> queries = new ArrayList<>();
        report(job, () -> {
            Dataset<Row> table = spark.table(suite.table().get().sql());
            Dataset<Row> sample = table.limit(SAMPLE_ROWS);
            queries.addAll(GpuPlans.captured(spark, table, sample,
                    () -> Validator.of(spark).validate(sample, List.of(suite))));
            return null;
        }, plans, notCovered);
        if (!queries.isEmpty()) {
            plans.add(GpuPlans.of(job, queries));
        } else if (notCovered.stream().noneMatch(n -> n.job().equals(job))) {
            notCovered.add(new NotCovered(job, "its checks ran no query over the table"));
        }
    }

    /**
     * The scoring job of a model: the input query ({@code score}'s read of the input table, the columns the model
     * binds and the keys, the null-check pass) and the query whose rows {@code score} writes, with the ONNX inference
     * step apart ({@link GpuPlans.QueryPlan#withInference}). Built by {@link ScoreCommand}'s own methods, for the
     * champion, else the latest version (a model registered from an ONNX file has no champion until promoted).
     */
    private void score(SparkSession spark, Project p, String model, List<GpuPlans.QueryPlan> plans,
                       List<NotCovered> notCovered) {
        TableName input = scoreInputs.containsKey(model) ? TableName.parse(scoreInputs.get(model))
                : new TableName(Tables.ML, model + "_scoring_input");
        String job = "score --model " + model + " --input " + input;
        ScoreCommand.Resolved m;
        try (TrackingStore store = Registry.open(p, "gpu-report", () -> spark)) {
            Optional<Long> latest = store.modelVersions(model).stream().map(v -> v.version()).max(Long::compare);
            if (latest.isEmpty()) {
                notCovered.add(new NotCovered(job, "no version of " + model + " is registered: the scoring query binds "
                        + "the model's inputs (train or register it)"));
                return;
            }
            String ref = store.versionByAlias(model, Registry.CHAMPION).isPresent() ? model + "@" + Registry.CHAMPION
                    : model + "/" + latest.get();
            job = "score --model " + ref + " --input " + input;
            if (!Catalog.tableExists(spark, input)) {
                notCovered.add(new NotCovered(job, "its input table does not exist: pass --score-input " + model
                        + "=TABLE (the demo writes " + Tables.ML + "." + model + "_scoring_input)"));
                return;
            }
            Matcher matcher = ScoreCommand.REF.matcher(ref);
            matcher.matches();
            m = new ScoreCommand().fromRegistry(p, store, matcher);
        } catch (IngotException e) {
            notCovered.add(new NotCovered(job, "its model cannot be loaded: " + firstLine(e.getMessage())));
            return;
        }
        Dataset<Row> data = spark.table(input.sql());
        Scorer scorer = ModelRegistration.scorer(m.onnx(), m.inputs(), m.outputs());
        List<String> problems = scorer.problems(data.schema());
        if (!problems.isEmpty()) {
            notCovered.add(new NotCovered(job, "the champion does not fit " + input + ": " + String.join("; ", problems)));
            return;
        }
        List<String> bound = scorer.binding().allColumns();
        java.util.LinkedHashSet<String> keep = new java.util.LinkedHashSet<>(m.keys());
        keep.addAll(bound);
        Dataset<Row> rows = data.select(keep.stream().map(c -> functions.col(Identifiers.quoteColumn(c)))
                .toArray(Column[]::new));
        Dataset<Row> nullChecks = ScoreCommand.nullCounts(rows, ScoreCommand.missing(data, bound));
        // The row path: on a RAPIDS run the scan gives GPU batches, which the columnar path does not read, so score
        // takes rows there (and the columnar path's plan would hide the scan inside its RDD from RAPIDS' report).
        Dataset<Row> written = ScoreCommand.output(scorer.withPath(ScoringPath.ROWS).score(rows), m.keys(), scorer,
                ScoreCommand.lineage(m, Instant.now(), java.time.LocalDate.now(java.time.ZoneOffset.UTC)), List.of());
        plans.add(GpuPlans.of(job, List.of(nullChecks, written)).withInference());
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
        for (GpuPlans.QueryPlan q : plans) {
            if (!q.inference().isEmpty()) {
                b.append("\nInference in ").append(q.job()).append(": ")
                        .append(String.join(", ", q.inference().stream().map(GpuPlans.Operator::name).toList()))
                        .append("\n  ").append(INFERENCE_NOTE).append('\n');
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
            if (!q.inference().isEmpty()) {
                j.put("inference", q.inference().stream().map(GpuPlans.Operator::name).toList());
                j.put("inference_note", INFERENCE_NOTE);
            }
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
