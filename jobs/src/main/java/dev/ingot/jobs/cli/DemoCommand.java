package dev.ingot.jobs.cli;

import static org.apache.spark.sql.functions.col;

import dev.ingot.core.Errors;
import dev.ingot.core.ExitCode;
import dev.ingot.core.Lineage;
import dev.ingot.core.Location;
import dev.ingot.core.Psi;
import dev.ingot.core.TableName;
import dev.ingot.core.Tables;
import dev.ingot.core.config.FeatureRef;
import dev.ingot.core.config.ModelDef;
import dev.ingot.core.config.Project;
import dev.ingot.core.config.ProjectLoader;
import dev.ingot.core.config.TimeSpan;
import dev.ingot.features.FeatureStore;
import dev.ingot.features.MaterializeResult;
import dev.ingot.features.TrainingSetResult;
import dev.ingot.jobs.demo.DemoProject;
import dev.ingot.jobs.demo.RetailDemoData;
import dev.ingot.training.ModelVersion;
import dev.ingot.training.TrackingStore;
import dev.ingot.training.Trainer;
import dev.ingot.training.TrainingResult;
import dev.ingot.validation.Gate;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ingot demo}: generates the retail card-transactions data set and runs every stage of the example project
 * end to end (feature views, label spine, training set, then the fraud model of {@code models/fraud.yaml} trained,
 * registered and promoted as {@code train} and {@code models promote} do it, a cheaper challenger version trained
 * beside it, and the last day of transactions scored by the champion as {@code score} does it), then prints a summary.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Generate the retail demo data set and run the whole pipeline on it (local Spark, Delta tables "
                + "under ./warehouse, embedded catalog, local tracking store).")
public final class DemoCommand implements Callable<Integer> {
    /** Default number of card transactions. */
    public static final long ROWS_DEFAULT = 200_000;

    /** The suite raw.transactions is loaded through. */
    static final String RAW_SUITE = "transactions_raw";

    /** The model the demo trains and promotes ({@code models/fraud.yaml}). */
    static final String MODEL = "fraud";

    /** The entity keys and time copied onto each score row: a score is for one transaction. */
    static final List<String> SCORE_KEYS = List.of("txn_id", "customer_id", "merchant_id", "ts");

    /** The least training window the demo trains on, before the spec's validation and test windows. */
    static final TimeSpan MIN_TRAINING = new TimeSpan(14 * 86_400L, "14d");

    @Option(names = "--rows", paramLabel = "N", defaultValue = "" + ROWS_DEFAULT,
            description = "Card transactions to generate (default: ${DEFAULT-VALUE}; 1000 to 100000000).")
    long rows;

    @Option(names = "--days", paramLabel = "D", defaultValue = "182",
            description = "Days of transactions from 2026-01-01 (default: ${DEFAULT-VALUE}; fewer for a quicker demo).")
    int days;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--warehouse", paramLabel = "PATH|URI", defaultValue = "warehouse",
            description = "Where the demo's tables go (default: ./${DEFAULT-VALUE}).")
    String warehouse;

    @Option(names = "--chunk", paramLabel = "TICKS",
            description = "Feature-view ticks per Delta commit, as for 'features materialize' (default: 92 daily); a "
                    + "smaller one gives each feature table more Delta versions (e.g. to compare two in a notebook).")
    Integer chunk;

    @Mixin
    GpuOption gpu;

    @Option(names = "--data-only", description = "Only generate the data set (raw.*); run no pipeline stage.")
    boolean dataOnly;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (rows < 1_000 || rows > 100_000_000) {
            throw Errors.badArgument("--rows", rows, "a number of transactions from 1000 to 100000000");
        }
        if (days < 1 || days > 3_660) {
            throw Errors.badArgument("--days", days, "a number of days from 1 to 3660");
        }
        if (chunk != null) {
            FeatureStore.checkChunkSteps(chunk);
        }
        PrintWriter out = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        Location wh = ProjectOptions.resolve(warehouse);
        if (!wh.isLocal()) {
            throw Errors.badArgument("--warehouse", warehouse, "a local directory: the demo keeps its catalog in an "
                    + "embedded metastore on local disk (run the pipeline with your own project for " + wh + ")");
        }
        DryRun.stopBefore("writing the demo project into the warehouse");
        Path projectDir = DemoProject.extractTo(wh.localPath().resolve("_demo_project").resolve("retail"));
        Project project = ProjectLoader.load(projectDir).withWarehouse(wh);
        ModelDef model = ModelsCommand.spec(project, MODEL);
        Trainer.validate(model);
        Optional<String> noTraining = tooFewDays(model, days);
        out.println("Ingot demo: " + rows + " card transactions, project " + projectDir + ", warehouse " + wh);
        out.flush();

        SparkSession spark = Sessions.open(project, "demo", gpu.policy());
        Steps steps = new Steps(out, dataOnly ? 1 : noTraining.isPresent() ? 4 : 9).labelJobsOf(spark);
        RetailDemoData.Options opts = options(rows, seed, days);
        Path reports = Reports.defaultFor(wh);
        Gate gate = Gate.of(spark).withReports(reports);
        // The full demo loads raw.transactions through checks/transactions_raw.yaml (policy quarantine): the
        // deliberately broken rows go to quality.transactions__quarantine. --data-only writes the feed as generated.
        Optional<RetailDemoData.LoadGate> load = dataOnly ? Optional.empty()
                : Optional.of(new RetailDemoData.LoadGate(gate, List.of(project.suites().get(RAW_SUITE))));
        Optional<TrainedModel> trained = Optional.empty();
        Optional<Scored> scored = Optional.empty();
        RetailDemoData.Summary data = steps.run(dataOnly ? "Generate the retail data set (raw.*)"
                        : "Generate the retail data set (raw.*), loading raw.transactions through the quality gate "
                        + project.suites().get(RAW_SUITE).file(),
                () -> RetailDemoData.generate(spark, opts, load));
        if (!dataOnly) {
            out.printf(Locale.ROOT, "      raw.transactions: %,d rows published, %,d broken rows quarantined in %s%n",
                    data.transactions(), data.quarantinedRows(), Tables.quarantine(new TableName(RetailDemoData.DATABASE,
                            "transactions")));
            pipeline(spark, project, opts, steps, out, gate);
            out.println("      Quality reports: " + reports);
            if (noTraining.isPresent()) {
                out.println("Train and promote the " + MODEL + " model: skipped: " + noTraining.get());
            } else {
                trained = Optional.of(trainAndPromote(spark, project, model, steps, out));
                if (trained.get().champion().isPresent()) {
                    scored = Optional.of(score(spark, project, model, wh, lastDay(data), steps, out));
                } else {
                    out.println("Score the last day with " + MODEL + "@" + Registry.CHAMPION + ": skipped: " + MODEL
                            + " has no champion");
                }
            }
        }
        summary(spark, data, trained, scored, out, t0);
        return ExitCode.OK.code();
    }

    /**
     * Why the demo's data are too short to train {@code model} on: the spec holds out its test and validation windows
     * at the end, and the demo wants {@link #MIN_TRAINING} before them. Empty when they are long enough.
     */
    static Optional<String> tooFewDays(ModelDef model, int days) {
        long heldOut = model.testWindow().seconds() + model.validationWindow().map(TimeSpan::seconds).orElse(0L);
        long needed = (heldOut + MIN_TRAINING.seconds() + 86_399) / 86_400;
        if (days >= needed) {
            return Optional.empty();
        }
        return Optional.of("--days " + days + " is less than the " + needed + " days " + model.file() + " needs ("
                + "test_window " + model.testWindow() + model.validationWindow().map(v -> " and validation_window " + v)
                .orElse("") + " held out at the end, and at least " + MIN_TRAINING + " to train on before them); "
                + "run with --days " + needed + " or more to train, register and promote it");
    }

    /**
     * The fraud model trained and registered, the promotion's decision, and where {@code champion} points afterwards
     * (nowhere when the first version trained on a warehouse is refused).
     */
    record TrainedModel(TrainCommand.Trained trained, Promotions.Decision decision, Optional<ModelVersion> champion,
                        TrainCommand.Trained challenger) {}

    /**
     * The scoring step's outcome.
     *
     * @param input the scoring input and its rows
     * @param run the run's row of {@code ingot.score_runs}
     * @param comparison the champion against its shadow, the challenger, on the rows scored
     */
    record Scored(LocalDate day, TrainingSetResult input, Row run, ScoreComparison comparison) {}

    /** The UTC day of the data's last transaction: the day the demo scores. */
    static LocalDate lastDay(RetailDemoData.Summary data) {
        return LocalDate.ofInstant(data.lastEvent(), ZoneOffset.UTC);
    }

    /**
     * Steps 8 and 9: the day's transactions with the model's features as of each one's time (the point-in-time join
     * the training set went through, so the model sees features computed as in training), then {@code score} with
     * {@code fraud@champion} shadowed by {@code fraud@challenger} into {@code scores.fraud}: the command itself, run in
     * this session, so the demo checks and records exactly what a user's {@code ingot score} does; then the two
     * compared as {@code models compare} does.
     */
    private static Scored score(SparkSession spark, Project project, ModelDef model, Location wh, LocalDate day,
                                Steps steps, PrintWriter out) {
        TableName spine = new TableName(Tables.ML, MODEL + "_scoring_spine");
        TableName input = new TableName(Tables.ML, MODEL + "_scoring_input");
        FeatureStore store = FeatureStore.of(spark, project);
        TrainingSetResult rows = steps.run("Scoring input " + input + ": the transactions of " + day + " with the "
                        + "features of " + model.file() + " as of each one's time (point in time, as in training)",
                () -> {
                    RetailDemoData.writeScoringSpine(spark, spine, day);
                    return store.writeTrainingSet(spine, model.timestamp(), model.features(),
                            TrainCommand.sharedFeatureNames(project, model), input);
                });
        out.print(TrainingSetCommand.render(rows).indent(6));

        // Rows with no feature history yet (a new customer's first transaction) have null features, which the model's
        // imputer fills as in training: --nulls impute.
        List<String> args = List.of("--project", project.dir().toString(), "--warehouse", wh.localPath().toString(),
                "--model", MODEL + "@" + Registry.CHAMPION, "--input", input.toString(), "--out", MODEL,
                "--date", day.toString(), "--keys", String.join(",", SCORE_KEYS), "--nulls", "impute", "--shadow", Registry.CHALLENGER);
        Instant started = Instant.now();
        StringWriter printed = new StringWriter();
        ScoreComparison comparison = steps.run("Score " + input + " with " + MODEL + "@" + Registry.CHAMPION
                        + ", shadowed by " + MODEL + "@" + Registry.CHALLENGER + ", into " + Tables.scores(MODEL)
                        + " (ingot score " + String.join(" ", args.subList(4, args.size())) + "), and compare the two",
                () -> {
                    CommandLine cli = new CommandLine(new ScoreCommand()).setOut(new PrintWriter(printed, true));
                    cli.parseArgs(args.toArray(String[]::new));
                    cli.<ScoreCommand>getCommand().call();
                    return ScoreComparison.of(spark, MODEL, Optional.of(day));
                });
        out.print(printed.toString().indent(6));
        Row run = spark.table(Tables.SCORE_RUNS.sql()).where(col("output_table").equalTo(Tables.scores(MODEL).toString())
                        .and(col("score_date").equalTo(Date.valueOf(day)))
                        .and(col("started_at").geq(Timestamp.from(started.minusSeconds(1)))))
                .orderBy(col("finished_at").desc()).first();
        return new Scored(day, rows, run, comparison);
    }

    /**
     * The challenger the demo trains beside the champion: {@code models/fraud.yaml} (same training set, features,
     * windows and gate) with a logistic regression instead of its 100 trees, registered as another version of
     * {@code fraud}. It trains in seconds, and it scores differently enough for a shadow comparison to show something.
     */
    static ModelDef challenger(ModelDef model) {
        return model.withAlgorithm(ModelDef.Algorithm.LOGISTIC_REGRESSION, Map.of("maxIter", "50", "regParam", "0.001"));
    }

    /**
     * Steps 5 to 7: {@code train --model fraud --training-set ml.fraud_training_set}, then {@code models promote} of
     * the new version to {@code champion}, then the {@link #challenger} trained on the same training set, which
     * {@code train} registers with alias {@code challenger}; it is not promoted. A refusal (on a re-run, a version that
     * is not better than the champion the last run promoted) is reported, not an error: the champion stays.
     */
    private static TrainedModel trainAndPromote(SparkSession spark, Project project, ModelDef model, Steps steps,
                                                PrintWriter out) {
        TableName training = new TableName(Tables.ML, "fraud_training_set");
        try (TrackingStore store = Registry.open(project, "demo", () -> spark)) {
            TrainCommand.Trained trained = steps.run("Train the " + MODEL + " model (" + model.file() + ", "
                            + model.algorithm().key() + ") on " + training + ", track the run, register a version",
                    () -> TrainCommand.train(project, model, Optional.of(training), spark, store));
            out.print(trained.report().indent(6));
            long version = trained.version().version();
            Promotions.Decision d = steps.run("Promote " + MODEL + " v" + version + " to " + Registry.CHAMPION
                            + " (the gate of " + model.file() + " against the current champion)",
                    () -> Promotions.promote(project, model, store, () -> spark, version, Registry.CHAMPION,
                            Optional.empty()));
            out.print(d.report().indent(6));
            Optional<ModelVersion> champion = store.versionByAlias(MODEL, Registry.CHAMPION);
            if (!d.promoted()) {
                out.printf(Locale.ROOT, "      not promoted (recorded in tag %s of v%d): %s; %s%n", d.eventKey(), version,
                        d.why(), champion.map(c -> MODEL + "@" + Registry.CHAMPION + " stays v" + c.version())
                                .orElse(MODEL + " has no champion yet"));
            }
            ModelDef cheaper = challenger(model);
            Trainer.validate(cheaper);
            TrainCommand.Trained challenger = steps.run("Train a challenger version of " + MODEL + " (" + model.file()
                            + " with " + cheaper.algorithm().key() + " " + new TreeMap<>(cheaper.params()) + ") on "
                            + training + ", register it as " + MODEL + "@" + Registry.CHALLENGER + " beside the champion",
                    () -> TrainCommand.train(project, cheaper, Optional.of(training), spark, store));
            out.print(challenger.report().indent(6));
            return new TrainedModel(trained, d, champion, challenger);
        }
    }

    private void pipeline(SparkSession spark, Project project, RetailDemoData.Options opts, Steps steps, PrintWriter out,
                          Gate gate) {
        FeatureStore gated = FeatureStore.of(spark, project).withGate(gate);
        FeatureStore store = chunk == null ? gated : gated.withChunkSteps(chunk);
        Instant from = opts.start().atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant to = opts.start().plusDays(opts.days()).atStartOfDay(ZoneOffset.UTC).toInstant();
        String runId = Lineage.newRunId();
        List<MaterializeResult> materialized = steps.run("Materialize the feature views " + store.viewsInOrder()
                        + " (new rows checked by their suites before they are published)",
                () -> store.viewsInOrder().stream().map(v -> store.materialize(v, from, to, runId)).toList());
        materialized.forEach(m -> out.print(FeaturesCommand.render(m).indent(6)));

        TableName spine = new TableName(Tables.ML, "fraud_spine");
        steps.run("Build the label spine " + spine + " (a transaction is fraud when a chargeback for it arrived)",
                () -> RetailDemoData.writeSpine(spark, spine));
        TableName training = new TableName(Tables.ML, "fraud_training_set");
        TrainingSetResult ts = steps.run("Point-in-time training set " + training,
                () -> store.writeTrainingSet(spine, "ts", store.viewsInOrder().stream()
                        .map(v -> new FeatureRef(v, List.of())).toList(), true, training));
        out.print(TrainingSetCommand.render(ts).indent(6));
    }

    private static void summary(SparkSession spark, RetailDemoData.Summary data, Optional<TrainedModel> model,
                                Optional<Scored> scored, PrintWriter out, long t0) {
        out.println();
        out.printf(Locale.ROOT, "Demo data: %,d customers, %,d merchants, %,d transactions (%,d deliberately broken, "
                        + "%,d of them quarantined), %,d chargebacks, events %s .. %s%n", data.customers(), data.merchants(),
                data.transactions(), data.brokenRows(), data.quarantinedRows(), data.chargebacks(), data.firstEvent(),
                data.lastEvent());
        out.println();
        out.println("Tables written:");
        for (String db : java.util.stream.Stream.concat(java.util.stream.Stream.of(RetailDemoData.DATABASE),
                Tables.DATABASES.stream().map(Tables.Database::name)).filter(spark.catalog()::databaseExists).toList()) {
            for (Row t : spark.sql("SHOW TABLES IN `" + db + "`").collectAsList()) {
                if (t.getBoolean(2)) {
                    continue; // temporary views
                }
                String name = "`" + db + "`.`" + t.getString(1) + "`";
                long version = spark.sql("DESCRIBE HISTORY " + name + " LIMIT 1").first().getLong(0);
                out.printf(Locale.ROOT, "  %-34s %,12d rows  Delta version %d%n", db + "." + t.getString(1),
                        spark.table(name).count(), version);
            }
        }
        model.ifPresent(m -> out.print(modelSummary(m)));
        scored.ifPresent(sc -> out.print(scoringSummary(sc)));
        out.println();
        out.printf(Locale.ROOT, "Done in %.1f s. Next: bin/ingot plan --project examples/retail; "
                + "bin/ingot features history --project examples/retail --view customer_spend"
                + (model.isPresent() ? "; bin/ingot models show --project examples/retail " + MODEL + "@" + Registry.CHAMPION
                : "") + "%n", (System.nanoTime() - t0) / 1e9);
        out.flush();
    }

    /** The model's test metrics (the test window's, then per group of the fairness column) and the champion. */
    static String modelSummary(TrainedModel m) {
        TrainingResult r = m.trained().result();
        ModelVersion v = m.trained().version();
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%nFraud model: %s v%d, run %s; test window %s .. %s (%,d rows), trained on "
                        + "%,d rows before %s%n", v.model(), v.version(), m.trained().runId(), r.split().testStart(),
                r.split().end(), r.split().testRows(), r.split().trainRows(),
                r.split().validationStart().orElse(r.split().testStart())));
        List<List<String>> rows = new ArrayList<>();
        r.metrics().forEach((metric, value) -> rows.add(List.of("  " + metric.key(), ModelsCommand.num(value))));
        r.groups().ifPresent(g -> {
            g.byGroup().forEach((group, values) -> rows.add(List.of("  auc (" + g.column() + " = " + group + ", "
                    + String.format(Locale.ROOT, "%,d", g.rows().get(group)) + " rows)",
                    ModelsCommand.num(values.get(ModelDef.FairnessMetric.AUC)))));
            rows.add(List.of("  auc gap across " + g.column(), ModelsCommand.num(g.gaps().get(ModelDef.FairnessMetric.AUC))));
        });
        b.append(ModelsCommand.align(rows));
        Promotions.Decision d = m.decision();
        String what = !d.promoted() ? "kept: v" + v.version() + " was not promoted (" + d.why() + ")"
                : d.previous().isPresent() && d.previous().getAsLong() == v.version() ? "this version held it already"
                : "promoted by this run" + (d.previous().isPresent() ? " (was v" + d.previous().getAsLong() + ")" : "");
        b.append(m.champion().map(c -> String.format(Locale.ROOT, "Champion: %s v%d (alias %s), run %s: %s%n", c.model(),
                c.version(), Registry.CHAMPION, c.runId(), what)).orElse("Champion: none: v" + v.version()
                + " was not promoted (" + d.why() + "); see 'bin/ingot models show --project examples/retail " + MODEL
                + "/" + v.version() + "'\n"));
        TrainCommand.Trained c = m.challenger();
        b.append(String.format(Locale.ROOT, "Challenger: %s v%d (alias %s, %s), run %s: test auc %s, left as challenger%n",
                c.version().model(), c.version().version(), Registry.CHALLENGER, c.result().algorithm().key(), c.runId(),
                ModelsCommand.num(c.result().metrics().get(ModelDef.Metric.AUC))));
        return b.toString();
    }

    /** What the scoring run measured, from its row of {@code ingot.score_runs}. */
    static String scoringSummary(Scored sc) {
        Row r = sc.run();
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("  rows scored", String.format(Locale.ROOT, "%,d of %,d in %s", r.<Long>getAs("rows"),
                sc.input().rows(), sc.input().table())));
        rows.add(List.of("  throughput", String.format(Locale.ROOT, "%,.0f rows/s (%.1f s, the whole command)",
                r.<Double>getAs("rows_per_second"), r.<Double>getAs("seconds"))));
        long batches = r.<Long>getAs("batches");
        rows.add(List.of("  batch latency", String.format(Locale.ROOT, "p50 %.2f ms, p95 %.2f ms, p99 %.2f ms (%,d "
                        + "batch%s of up to %,d rows)", r.<Double>getAs("batch_p50_ms"), r.<Double>getAs("batch_p95_ms"),
                r.<Double>getAs("batch_p99_ms"), batches, batches == 1 ? "" : "es", r.<Integer>getAs("batch_size"))));
        Double cpu = r.getAs("cpu_seconds_per_million_rows");
        Long shadowBatches = r.getAs("shadow_batches");
        if (shadowBatches != null) {
            rows.add(List.of("  shadow latency", String.format(Locale.ROOT, "p50 %.2f ms, p95 %.2f ms, p99 %.2f ms (v%d, "
                            + "%,d batch%s)", r.<Double>getAs("shadow_batch_p50_ms"), r.<Double>getAs("shadow_batch_p95_ms"),
                    r.<Double>getAs("shadow_batch_p99_ms"), r.<Long>getAs("shadow_model_version"), shadowBatches,
                    shadowBatches == 1 ? "" : "es")));
        }
        rows.add(List.of("  executor CPU", String.format(Locale.ROOT, "%.3f s%s", r.<Double>getAs("executor_cpu_seconds"),
                cpu == null ? "" : String.format(Locale.ROOT, " (%.1f s per million rows)", cpu))));
        Double psi = r.getAs("score_psi");
        rows.add(List.of("  score drift", psi == null ? "not measured: v" + r.<Long>getAs("model_version") + " has no "
                + "reference distribution" : "PSI " + Psi.describe(psi) + ", against v" + r.<Long>getAs("model_version")
                + "'s test window (quality.metrics " + ScoreDrift.PSI + ")"));
        return String.format(Locale.ROOT, "%nScoring: %s, score_date %s, by %s v%d (%s), run %s%n", r.<String>getAs(
                        "output_table"), sc.day(), r.<String>getAs("model_name"), r.<Long>getAs("model_version"),
                Registry.CHAMPION, r.<String>getAs("run_id")) + ModelsCommand.align(rows)
                + String.format(Locale.ROOT, "Champion against challenger (bin/ingot models compare --scores %s --date %s):%n",
                        MODEL, sc.day()) + sc.comparison().summary().indent(2);
    }

    private static RetailDemoData.Options options(long rows, long seed, int days) {
        RetailDemoData.Options d = RetailDemoData.Options.defaults(rows);
        return new RetailDemoData.Options(d.transactions(), seed, d.start(), days);
    }
}
