package dev.ingot.jobs.cli;

import dev.ingot.core.Errors;
import dev.ingot.core.ExitCode;
import dev.ingot.core.config.Project;
import dev.ingot.core.config.ProjectLoader;
import dev.ingot.jobs.demo.DemoProject;
import dev.ingot.jobs.demo.RetailDemoData;
import dev.ingot.core.Lineage;
import dev.ingot.core.Location;
import dev.ingot.core.TableName;
import dev.ingot.core.Tables;
import dev.ingot.core.config.FeatureRef;
import dev.ingot.core.config.ModelDef;
import dev.ingot.core.config.TimeSpan;
import dev.ingot.training.ModelVersion;
import dev.ingot.training.TrackingStore;
import dev.ingot.training.Trainer;
import dev.ingot.training.TrainingResult;
import java.util.ArrayList;
import dev.ingot.features.FeatureStore;
import dev.ingot.features.MaterializeResult;
import dev.ingot.features.TrainingSetResult;
import java.time.Instant;
import java.time.ZoneOffset;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import dev.ingot.validation.Gate;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ingot demo}: generates the retail card-transactions data set and runs every stage of the example project
 * end to end (feature views, label spine, training set, then the fraud model of {@code models/fraud.yaml} trained,
 * registered and promoted as {@code train} and {@code models promote} do it), then prints a summary.
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
        PrintWriter out = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        Location wh = ProjectOptions.resolve(warehouse);
        if (!wh.isLocal()) {
            throw Errors.badArgument("--warehouse", warehouse, "a local directory: the demo keeps its catalog in an "
                    + "embedded metastore on local disk (run the pipeline with your own project for " + wh + ")");
        }
        Path projectDir = DemoProject.extractTo(wh.localPath().resolve("_demo_project").resolve("retail"));
        Project project = ProjectLoader.load(projectDir).withWarehouse(wh);
        ModelDef model = ModelsCommand.spec(project, MODEL);
        Trainer.validate(model);
        Optional<String> noTraining = tooFewDays(model, days);
        out.println("Ingot demo: " + rows + " card transactions, project " + projectDir + ", warehouse " + wh);
        out.flush();

        SparkSession spark = Sessions.open(project, "demo", gpu.policy());
        Steps steps = new Steps(out, dataOnly ? 1 : noTraining.isPresent() ? 4 : 6).labelJobsOf(spark);
        RetailDemoData.Options opts = options(rows, seed, days);
        Path reports = Reports.defaultFor(wh);
        Gate gate = Gate.of(spark).withReports(reports);
        // The full demo loads raw.transactions through checks/transactions_raw.yaml (policy quarantine): the
        // deliberately broken rows go to quality.transactions__quarantine. --data-only writes the feed as generated.
        Optional<RetailDemoData.LoadGate> load = dataOnly ? Optional.empty()
                : Optional.of(new RetailDemoData.LoadGate(gate, List.of(project.suites().get(RAW_SUITE))));
        Optional<TrainedModel> trained = Optional.empty();
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
            }
        }
        summary(spark, data, trained, out, t0);
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
    record TrainedModel(TrainCommand.Trained trained, Promotions.Decision decision, Optional<ModelVersion> champion) {}

    /**
     * Steps 5 and 6: {@code train --model fraud --training-set ml.fraud_training_set}, then {@code models promote} of
     * the new version to {@code champion}. A refusal (on a re-run, a version that is not better than the champion the
     * last run promoted) is reported, not an error: the champion stays.
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
            return new TrainedModel(trained, d, champion);
        }
    }

    private void pipeline(SparkSession spark, Project project, RetailDemoData.Options opts, Steps steps, PrintWriter out,
                          Gate gate) {
        FeatureStore store = FeatureStore.of(spark, project).withGate(gate);
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
                                PrintWriter out, long t0) {
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
        return b.toString();
    }

    private static RetailDemoData.Options options(long rows, long seed, int days) {
        RetailDemoData.Options d = RetailDemoData.Options.defaults(rows);
        return new RetailDemoData.Options(d.transactions(), seed, d.start(), days);
    }
}
