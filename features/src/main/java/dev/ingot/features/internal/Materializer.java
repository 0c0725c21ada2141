package dev.ingot.features.internal;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.ingot.core.Catalog;
import dev.ingot.core.Errors;
import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.core.PublishGate;
import dev.ingot.core.config.CheckSuiteDef;
import dev.ingot.core.Lineage;
import dev.ingot.core.RunFigures;
import dev.ingot.core.TableDoc;
import dev.ingot.core.TableName;
import dev.ingot.core.Tables;
import dev.ingot.core.TimeRange;
import dev.ingot.core.config.FeatureViewDef;
import dev.ingot.core.internal.DeltaCommits;
import dev.ingot.core.internal.DeltaConflicts;
import dev.ingot.core.config.Project;
import dev.ingot.features.FeatureViewVersion;
import dev.ingot.features.MaterializeResult;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Materializes one feature view over an event-time range: version, tiles, windows, one Delta commit per chunk. */
public final class Materializer {
    private static final Logger LOG = LoggerFactory.getLogger(Materializer.class);

    private final SparkSession spark;
    private final Project project;
    private final Registry registry;
    private final Map<TableName, String> locations = new HashMap<>();
    private final Set<TableName> existing = new java.util.HashSet<>();
    private final Optional<PublishGate> gate;
    /** What the gate said over the chunks of the current run. */
    private GateTally tally;
    /** Whether the last {@link #writeDelta} created its table (false when another run created it meanwhile). */
    private boolean lastCreated;

    /**
     * @param gate checks the new rows of views that name {@code checks} before they are published; required for
     *     such views
     */
    public Materializer(SparkSession spark, Project project, Optional<PublishGate> gate) {
        this.spark = spark;
        this.project = project;
        this.registry = new Registry(spark);
        this.gate = gate;
    }

    private static final class GateTally {
        long quarantined;
        final List<String> warnings = new ArrayList<>();
        final List<java.nio.file.Path> reports = new ArrayList<>();
    }

    /** The version a definition gets, and the rows of the source it reads. */
    public record Prepared(FeatureViewDef view, SourceReader.Read read, ViewFingerprint fingerprint, int version,
                           MaterializeResult.Change change, Dataset<Row> rows, Map<String, StructField> featureFields,
                           Optional<FeatureViewVersion> existing, Dataset<Row> unchecked) {
        public TableName table() {
            return Tables.featureTable(view.name(), version);
        }

        public TableName tiles() {
            return Tables.tiles(view.name(), version);
        }
    }

    /** Reads and checks the view's input and decides its version. Starts no job beyond catalog look-ups. */
    public Prepared prepare(String viewName) {
        FeatureViewDef view = project.featureViews().get(viewName);
        if (view == null) {
            throw Errors.unknownName("feature view", viewName, project.featureViews().keySet(), project.dir() + "/feature_views");
        }
        String file = view.file();
        String doing = "materialize feature view '" + view.name() + "'";
        SourceReader.Read read = SourceReader.read(spark, project, view, registry);
        SchemaDrift.requireUsedColumns(spark, view, read, registry, doing);
        Dataset<Row> rows = read.rows();
        List<String> available = new ArrayList<>(Arrays.asList(rows.columns()));
        for (int i = 0; i < view.entities().size(); i++) {
            String e = view.entities().get(i);
            if (!available.contains(e)) {
                throw Errors.badData(doing, "entity column '" + e + "' (" + file + " entities[" + i + "]) is not in "
                        + read.input().location() + " (columns: " + String.join(", ", available) + ")",
                        "name one of its columns");
            }
        }
        if (view.filter().isPresent()) {
            rows = analyze(() -> read.rows().where(view.filter().get()), doing, file, "filter", available);
        }
        for (int i = 0; i < view.transformations().size(); i++) {
            FeatureViewDef.Transformation t = view.transformations().get(i);
            Dataset<Row> before = rows;
            List<String> cols = Arrays.asList(before.columns());
            rows = analyze(() -> before.withColumn(t.name(), org.apache.spark.sql.functions.expr(t.expr())), doing, file,
                    "transformations[" + i + "].expr", cols);
        }
        Map<String, StructField> featureFields = new LinkedHashMap<>();
        if (view.isRowLevel()) {
            for (FeatureViewDef.Transformation t : view.transformations()) {
                StructField f = SourceReader.field(rows.schema(), t.name());
                featureFields.put(t.name(), withComment(f.name(), f.dataType(), t.description()));
            }
        } else {
            for (int i = 0; i < view.aggregations().size(); i++) {
                FeatureViewDef.Aggregation a = view.aggregations().get(i);
                DataType in = null;
                if (a.column().isPresent()) {
                    StructField f = SourceReader.field(rows.schema(), a.column().get());
                    if (f == null) {
                        throw Errors.badData(doing, "column '" + a.column().get() + "' (" + file + " aggregations[" + i
                                + "].column) is not in " + read.input().location() + " nor made by a transformation (columns: "
                                + String.join(", ", rows.columns()) + ")", "name one of those columns");
                    }
                    in = f.dataType();
                    boolean numeric = in instanceof NumericType;
                    switch (a.function()) {
                        case SUM, AVG, STDDEV -> {
                            if (!numeric) {
                                throw Errors.badData(doing, "aggregation '" + a.name() + "' (" + file + " aggregations[" + i
                                        + "]) takes " + a.function().name().toLowerCase() + " of '" + a.column().get() + "', which is "
                                        + in.simpleString() + ", not a number", "aggregate a numeric column, or cast it in a transformation");
                            }
                        }
                        default -> { }
                    }
                }
                for (var w : a.windows()) {
                    featureFields.put(a.name() + "_" + w.text(), withComment(a.name() + "_" + w.text(), outType(a.function(), in),
                            a.description().isEmpty() ? a.function().name().toLowerCase() + a.column().map(c -> " of " + c).orElse(" of rows")
                                    + " over " + w.text() : a.description() + " (" + w.text() + ")"));
                }
            }
        }
        // NaN and the infinities would make NaN features without a word (a sum with one NaN is NaN): each float or
        // double value that feeds a feature is checked in the query that computes it (no second scan).
        Dataset<Row> unchecked = rows;
        Set<String> guarded = new java.util.LinkedHashSet<>();
        if (view.isRowLevel()) {
            featureFields.values().forEach(f -> guarded.add(f.name()));
        } else {
            view.aggregations().stream().filter(a -> a.function() != FeatureViewDef.Function.COUNT)
                    .forEach(a -> a.column().ifPresent(guarded::add));
        }
        for (String c : guarded) {
            StructField f = SourceReader.field(rows.schema(), c);
            if (f != null && (f.dataType() instanceof org.apache.spark.sql.types.DoubleType
                    || f.dataType() instanceof org.apache.spark.sql.types.FloatType)) {
                rows = rows.withColumn(c, ValueChecks.finite(c));
            }
        }
        ViewFingerprint fp = ViewFingerprint.of(view, project.sources().containsKey(view.source())
                ? Optional.of(project.sources().get(view.source())) : Optional.empty(), read.upstream());
        List<FeatureViewVersion> versions = registry.versions(view.name());
        int version;
        MaterializeResult.Change change;
        Optional<FeatureViewVersion> existing = Optional.empty();
        Optional<FeatureViewVersion> exact = versions.stream().filter(v -> v.definitionHash().equals(fp.definitionHash())).findFirst();
        Optional<FeatureViewVersion> compatible = versions.stream()
                .filter(v -> fp.extendsCompatibly(v.keyHash(), v.featureHashes()))
                .reduce((a, b) -> b);
        if (exact.isPresent()) {
            version = exact.get().version();
            change = MaterializeResult.Change.UNCHANGED;
            existing = exact;
        } else if (compatible.isPresent()) {
            version = compatible.get().version();
            change = MaterializeResult.Change.EVOLVED;
            existing = compatible;
        } else {
            version = versions.stream().mapToInt(FeatureViewVersion::version).max().orElse(0) + 1;
            change = MaterializeResult.Change.NEW;
        }
        if (existing.isPresent()) {
            SchemaDrift.requireSameFeatureTypes(spark, view, read, existing.get(), featureFields, doing);
            if (!view.isRowLevel()) {
                SchemaDrift.requireSameTileTypes(spark, view, read, Tables.tiles(view.name(), version),
                        Tiles.compute(rows, view, read.eventTime(), fp.tileStates()).schema(), doing);
            }
        }
        return new Prepared(view, read, fp, version, change, rows, featureFields, existing, unchecked);
    }

    /** A range of a view starts and ends on its cadence's ticks. Needs no Spark. */
    public static void requireOnCadence(FeatureViewDef view, Instant from, Instant to) {
        long step = view.cadence().seconds();
        if (from.getEpochSecond() % step != 0 || to.getEpochSecond() % step != 0) {
            throw Errors.badArgument("--from/--to", from + " .. " + to, "times on the view's " + view.cadence()
                    + " cadence (" + (step == 86400 ? "whole UTC days, e.g. 2026-01-01" : "whole UTC hours") + ")");
        }
    }

    /** Materializes ticks (from, to] of an aggregated view, or events [from, to) of a row-level view. */
    public MaterializeResult materialize(Prepared p, Instant from, Instant to, String runId, int chunkSteps) {
        long t0 = System.nanoTime();
        FeatureViewDef view = p.view();
        long step = view.cadence().seconds();
        new TimeRange(from, to);
        if (chunkSteps < 1) {
            throw new IllegalArgumentException("chunk steps must be positive: " + chunkSteps); // FeatureStore checks it
        }
        requireOnCadence(view, from, to);
        if (!view.checks().isEmpty() && gate.isEmpty()) {
            throw Errors.badData("materialize feature view '" + view.name() + "'", "it names quality suites "
                    + view.checks() + " but no quality gate is available", "put ingot-validation on the class path "
                    + "(bin/ingot and the app jar have it), or pass a gate to FeatureStore.withGate");
        }
        tally = new GateTally();
        SourceReader.requireRows(p.read(), "materialize feature view '" + view.name() + "'");
        List<Instant[]> chunks = new ArrayList<>();
        for (long s = from.getEpochSecond(); s < to.getEpochSecond(); s += chunkSteps * step) {
            chunks.add(new Instant[] {Instant.ofEpochSecond(s), Instant.ofEpochSecond(Math.min(to.getEpochSecond(), s + chunkSteps * step))});
        }
        long rows = 0;
        long tilesComputed = 0;
        long deltaVersion = -1;
        for (int i = 0; i < chunks.size(); i++) {
            Instant a = chunks.get(i)[0];
            Instant b = chunks.get(i)[1];
            Written w;
            try {
                w = view.isRowLevel() ? writeRowLevel(p, a, b, runId) : writeAggregated(p, a, b, runId);
            } catch (Exception e) { // a failed job is a SparkException: checked to Java, but thrown all the same
                Optional<IngotException> unreadable = SourceReader.unreadableFiles(project, view, e);
                if (unreadable.isPresent()) {
                    throw unreadable.get();
                }
                Optional<IngotException> badValue = badValue(p, e);
                if (badValue.isPresent()) {
                    throw badValue.get();
                }
                throw e;
            }
            rows += w.rows();
            tilesComputed += w.rawTiles();
            deltaVersion = w.version();
            LOG.info("{} chunk {}/{} [{} .. {}): {} feature rows, {} tiles from raw events ({})", p.table(), i + 1,
                    chunks.size(), a, b, w.rows(), w.rawTiles(), w.phases());
        }
        Instant now = Instant.now();
        FeatureViewVersion registered = new FeatureViewVersion(view.name(), p.version(), p.table(),
                p.fingerprint().definitionHash(), p.fingerprint().keyHash(), p.fingerprint().featureHashes(),
                p.featureFields().values().stream().map(f -> new FeatureViewVersion.Feature(f.name(),
                        f.dataType().simpleString(), f.getComment().isDefined() ? f.getComment().get() : "")).toList(),
                view.entities(), view.isRowLevel() ? "row" : view.cadence().text(), view.ttl().seconds(),
                p.existing().map(FeatureViewVersion::createdAt).orElse(now), now);
        // updatedAt says when the definition last changed: a run of the same definition leaves the row alone (and
        // saves a MERGE). Descriptions and the ttl are not in the definition hash, so they are compared too.
        boolean same = p.existing().map(e -> withTimes(e, now).equals(withTimes(registered, now))).orElse(false);
        if (!same) {
            registry.upsert(registered);
        }
        return new MaterializeResult(view.name(), p.version(), p.change(), p.table(), deltaVersion,
                from, to, rows, chunks.size(), tilesComputed, (System.nanoTime() - t0) / 1e9,
                view.checks().isEmpty() ? Optional.empty() : Optional.of(new MaterializeResult.GateSummary(view.checks(),
                        tally.quarantined, tally.warnings, tally.reports)));
    }

    /**
     * Bad input naming the column and the value when {@code e} is a value check's failure ({@link ValueChecks});
     * empty otherwise. Counts the bad rows and finds a file or an example row holding one: a second query, run only
     * on this path.
     */
    private Optional<IngotException> badValue(Prepared p, Throwable e) {
        SourceReader.Read read = p.read();
        String doing = "materialize feature view '" + p.view().name() + "'";
        return ValueChecks.explain(e, doing, read.file(), read.input().location(), column -> {
            if (read.files().isEmpty() || read.source().isEmpty()) {
                return Optional.empty();
            }
            String type = read.source().get().schema().get(column);
            if (type == null) {
                return Optional.empty();
            }
            Column text = col(ValueChecks.quote(column));
            Column bad = ValueChecks.unparsed(column, DataType.fromDDL(type), read.source().get().options());
            if (column.equals(read.eventTime())) {
                bad = bad.or(text.isNull());
            }
            Column example = org.apache.spark.sql.functions.concat(lit("'"), org.apache.spark.sql.functions.coalesce(
                    org.apache.spark.sql.functions.substring(text, 1, 200), lit("")), lit("' in "),
                    org.apache.spark.sql.functions.input_file_name());
            return ValueChecks.count(read.files().get(), bad, example)
                    .filter(r -> r.getLong(0) > 0)
                    .map(r -> r.getLong(0) + " row(s) of the source hold such values, e.g. "
                            + r.getString(1).replaceAll("\\p{Cntrl}", "?"));
        }, column -> {
            List<Column> keys = new ArrayList<>();
            p.view().entities().forEach(k -> keys.add(org.apache.spark.sql.functions.concat_ws("=",
                    lit(k), col(ValueChecks.quote(k)).cast("string"))));
            Column example = org.apache.spark.sql.functions.concat_ws(" at ", org.apache.spark.sql.functions.concat_ws(
                    ", ", keys.toArray(Column[]::new)), col(ValueChecks.quote(read.eventTime())).cast("string"));
            return ValueChecks.count(p.unchecked(), ValueChecks.notFinite(col(ValueChecks.quote(column))), example)
                    .map(r -> r.getLong(0) + " row(s) of " + read.input().location() + " hold NaN or infinite '" + column
                            + "' values, e.g. " + r.getString(1));
        }, p.view().file());
    }

    private static FeatureViewVersion withTimes(FeatureViewVersion v, Instant t) {
        return new FeatureViewVersion(v.view(), v.version(), v.table(), v.definitionHash(), v.keyHash(), v.featureHashes(),
                v.features(), v.entities(), v.cadence(), v.ttlSeconds(), t, t);
    }

    /** What a chunk wrote: the feature table's new Delta version, its rows, and tiles computed from raw events. */
    private record Written(long version, long rows, long rawTiles, Phases phases) {}

    /** Seconds per phase of a chunk, for its log line: where the time of a run goes. */
    private static final class Phases {
        private final Map<String, Double> seconds = new LinkedHashMap<>();
        private long mark = System.nanoTime();

        /** The time since the last phase ended belongs to {@code phase}. */
        void done(String phase) {
            long now = System.nanoTime();
            seconds.merge(phase, (now - mark) / 1e9, Double::sum);
            RunFigures.stage(phase, (now - mark) / 1e9);  // the command's job-run record keeps them too
            mark = now;
        }

        @Override
        public String toString() {
            List<String> parts = new ArrayList<>();
            seconds.forEach((k, v) -> parts.add(String.format(Locale.ROOT, "%s %.1f s", k, v)));
            return String.join(", ", parts);
        }
    }

    /**
     * A write: the Delta version it made (empty when it changed nothing, so Delta made no commit), the table's version
     * after it, and the rows it wrote.
     */
    private record Commit(Optional<Long> made, long version, long rows) {}

    /**
     * The query that computes the feature rows of {@code [from, to)} as a run does, for plan reports (gpu-report).
     * A row-level view's is exactly the one a run writes; an aggregated view's computes the tiles from raw events and
     * assembles the windows from them directly, where a run stores the tiles first and assembles from the stored
     * ones (the same operators, but a run's second query scans the tiles table instead).
     */
    public Dataset<Row> query(Prepared p, Instant from, Instant to) {
        if (p.view().isRowLevel()) {
            return rowLevelRows(p, from, to);
        }
        String et = p.read().eventTime();
        List<String> states = p.fingerprint().tileStates();
        Dataset<Row> tiles = Tiles.compute(nonNullKeys(inRange(p.rows(), et, from, to), p.view()), p.view(), et, states);
        return featureColumns(p, Tiles.assemble(tiles, p.view(), from, to, states));
    }

    private static Dataset<Row> rowLevelRows(Prepared p, Instant from, Instant to) {
        FeatureViewDef view = p.view();
        String et = p.read().eventTime();
        List<Column> cols = new ArrayList<>();
        view.entities().forEach(e -> cols.add(col(e)));
        cols.add(col(et).as(Tiles.FEATURE_TIME));
        cols.add(org.apache.spark.sql.functions.to_date(col(et)).as(Tiles.FEATURE_DATE));
        p.featureFields().values().forEach(f -> cols.add(col(f.name()).as(f.name(), f.metadata())));
        return nonNullKeys(inRange(p.rows(), et, from, to), view).select(cols.toArray(Column[]::new));
    }

    /** An aggregated view's feature table columns, from the windows {@link Tiles#assemble} made. */
    private static Dataset<Row> featureColumns(Prepared p, Dataset<Row> features) {
        List<Column> cols = new ArrayList<>();
        p.view().entities().forEach(e -> cols.add(col(e)));
        cols.add(col(Tiles.FEATURE_TIME));
        cols.add(col(Tiles.FEATURE_DATE));
        p.featureFields().values().forEach(f -> cols.add(col(f.name()).cast(f.dataType()).as(f.name(), f.metadata())));
        return features.select(cols.toArray(Column[]::new));
    }

    private Written writeRowLevel(Prepared p, Instant from, Instant to, String runId) {
        Dataset<Row> out = rowLevelRows(p, from, to);
        String where = dates(Tiles.FEATURE_DATE, from, to.minusNanos(1000))
                + (wholeDays(from, to) ? "" : " AND " + Tiles.FEATURE_TIME + " >= " + ts(from) + " AND " + Tiles.FEATURE_TIME + " < " + ts(to));
        List<Lineage.Entry> lineage = new ArrayList<>();
        Phases phases = new Phases();
        Commit c = write(p, out, where, from, to, runId, lineage, phases);
        Lineage.record(spark, lineage);
        phases.done("lineage");
        return new Written(c.version(), c.rows(), 0, phases);
    }

    private Written writeAggregated(Prepared p, Instant from, Instant to, String runId) {
        FeatureViewDef view = p.view();
        long step = view.cadence().seconds();
        long kmax = view.longestWindow().orElseThrow().seconds() / step;
        Instant histFrom = from.minusSeconds((kmax - 1) * step);
        String et = p.read().eventTime();
        List<String> states = p.fingerprint().tileStates();
        // Lineage rows of the chunk go in one commit of ingot.lineage at its end; the tiles' rows also when the
        // feature write fails, so that no later run recomputes tiles that were committed.
        List<Lineage.Entry> lineage = new ArrayList<>();
        Phases phases = new Phases();
        Written written;
        try {
            // 1. Tiles of [from, to) from raw events, plus any tile of the history the windows need that no run made yet.
            List<Instant[]> ranges = new ArrayList<>();
            ranges.add(new Instant[] {from, to});
            ranges.addAll(missingTileRanges(p, histFrom, from));
            phases.done("tile coverage");
            long computed = 0;
            for (Instant[] r : ranges) {
                Dataset<Row> tiles = Tiles.compute(nonNullKeys(inRange(p.rows(), et, r[0], r[1]), view), view, et, states);
                computed += writeTiles(p, tiles, r[0], r[1], runId, lineage, phases);
            }

            // 2. Windows from the stored tiles of [histFrom, to); the date predicate prunes the tiles' partitions.
            Dataset<Row> tiles = spark.table(p.tiles().sql())
                    .where(col(Tiles.TILE_DATE).geq(lit(utcDate(histFrom)))
                            .and(col(Tiles.TILE_DATE).leq(lit(utcDate(to))))
                            .and(col(Tiles.TILE_START).geq(lit(java.sql.Timestamp.from(histFrom))))
                            .and(col(Tiles.TILE_START).lt(lit(java.sql.Timestamp.from(to)))));
            Dataset<Row> features = featureColumns(p, Tiles.assemble(tiles, view, from, to, states));
            // Daily ticks are midnights: the ticks of (from, to] are exactly the rows of those dates.
            String where = dates(Tiles.FEATURE_DATE, from.plusSeconds(step), to) + (step == 86400 ? ""
                    : " AND " + Tiles.FEATURE_TIME + " > " + ts(from) + " AND " + Tiles.FEATURE_TIME + " <= " + ts(to));
            Commit c = write(p, features, where, from, to, runId, lineage, phases);
            written = new Written(c.version(), c.rows(), computed, phases);
        } catch (RuntimeException e) {
            try {
                Lineage.record(spark, lineage);
            } catch (RuntimeException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
        Lineage.record(spark, lineage);
        phases.done("lineage");
        return written;
    }

    private static LocalDate utcDate(Instant i) {
        return i.atZone(ZoneOffset.UTC).toLocalDate();
    }

    /**
     * Tile ranges within [from, to) that no earlier run of this version wrote with every tile state the definition
     * needs: after a view evolved, tiles written before hold no state for the new aggregations. Read from the tiles
     * table's coverage record ({@link TileCoverage}), or from ingot.lineage (which rebuilds the record) when it has none.
     */
    private List<Instant[]> missingTileRanges(Prepared p, Instant from, Instant to) {
        if (!from.isBefore(to)) {
            return List.of();
        }
        long step = p.view().cadence().seconds();
        TreeSet<Long> missing = new TreeSet<>();
        for (long s = from.getEpochSecond(); s < to.getEpochSecond(); s += step) {
            missing.add(s);
        }
        if (exists(p.tiles())) {
            List<TileCoverage.Range> covered = tileCoverage(p);
            for (TileCoverage.Range r : covered) {
                if (r.states().containsAll(p.fingerprint().tileStates())) {
                    missing.removeIf(s -> s >= r.from() && s < r.to());
                }
            }
        }
        List<Instant[]> out = new ArrayList<>();
        Long runStart = null;
        Long prev = null;
        for (long s : missing) {
            if (runStart == null) {
                runStart = s;
            } else if (s != prev + step) {
                out.add(new Instant[] {Instant.ofEpochSecond(runStart), Instant.ofEpochSecond(prev + step)});
                runStart = s;
            }
            prev = s;
        }
        if (runStart != null) {
            out.add(new Instant[] {Instant.ofEpochSecond(runStart), Instant.ofEpochSecond(prev + step)});
        }
        return out;
    }

    /** Every tiles write of this version's tiles table: its coverage record, else ingot.lineage (and a new record). */
    private List<TileCoverage.Range> tileCoverage(Prepared p) {
        org.apache.hadoop.conf.Configuration conf = spark.sessionState().newHadoopConf();
        String location = location(p.tiles());
        Optional<List<TileCoverage.Range>> recorded = TileCoverage.read(conf, location);
        if (recorded.isPresent()) {
            return recorded.get();
        }
        List<TileCoverage.Range> out = new ArrayList<>();
        if (exists(Tables.LINEAGE)) {
            List<Row> rows = spark.table(Tables.LINEAGE.sql())
                    .where(col("output_table").equalTo(p.tiles().toString()).and(col("operation").equalTo("tiles"))
                            .and(col("range_from").isNotNull()).and(col("range_to").isNotNull()))
                    .select(col("range_from"), col("range_to"), col("details")).collectAsList();
            for (Row r : rows) {
                out.add(new TileCoverage.Range(r.getTimestamp(0).toInstant().getEpochSecond(),
                        r.getTimestamp(1).toInstant().getEpochSecond(), new TreeSet<>(statesOf(r.getString(2)))));
            }
        }
        TileCoverage.write(conf, location, out);
        return out;
    }

    private static final String STATES = "tile_states";

    /** The tile states a tiles write recorded in its lineage details (none for a write that recorded none). */
    private static Set<String> statesOf(String details) {
        String s = Lineage.parseDetails(details).getOrDefault(STATES, "");
        return s.isEmpty() ? Set.of() : Set.of(s.split(","));
    }

    private long writeTiles(Prepared p, Dataset<Row> tiles, Instant from, Instant to, String runId,
                            List<Lineage.Entry> lineage, Phases phases) {
        Instant started = Instant.now();
        String where = dates(Tiles.TILE_DATE, from, to.minusNanos(1000))
                + (wholeDays(from, to) ? "" : " AND " + Tiles.TILE_START + " >= " + ts(from) + " AND " + Tiles.TILE_START + " < " + ts(to));
        List<Lineage.Input> inputs = List.of(p.read().input());
        String meta = Lineage.commitMetadata(runId, "features materialize", inputs,
                Optional.of(p.fingerprint().definitionHash()), Map.of("range", from + "/" + to, "kind", "tiles"));
        Dataset<Row> out = tiles.repartition(col(Tiles.TILE_DATE));
        Commit c = writeDelta(p.tiles(), out, where, Tiles.TILE_DATE, meta, p.view().entities(), phases, "tiles",
                creation(p, inputs, "Partial aggregates (tiles) of feature view " + p.view().name() + " version "
                        + p.version() + ", from which windows are computed incrementally. Internal: query "
                        + p.table() + " instead.").withColumns(stateComments(tiles, p)));
        TileCoverage.Range range = new TileCoverage.Range(from.getEpochSecond(), to.getEpochSecond(),
                new TreeSet<>(p.fingerprint().tileStates()));
        if (lastCreated) {
            TileCoverage.write(spark.sessionState().newHadoopConf(), location(p.tiles()), List.of(range));
        } else {
            TileCoverage.add(spark.sessionState().newHadoopConf(), location(p.tiles()), range);
        }
        lineage.add(new Lineage.Entry(runId, "features materialize", p.tiles(), c.made(), "tiles",
                inputs, Optional.of(p.fingerprint().definitionHash()), Optional.of(c.rows()), Optional.of(from),
                Optional.of(to), started, Instant.now(),
                Map.of(STATES, String.join(",", new TreeSet<>(p.fingerprint().tileStates())))));
        return c.rows();
    }

    private Commit write(Prepared p, Dataset<Row> out, String where, Instant from, Instant to, String runId,
                         List<Lineage.Entry> lineage, Phases phases) {
        Instant started = Instant.now();
        List<Lineage.Input> inputs = List.of(p.read().input());
        Map<String, String> details = Map.of("view", p.view().name(), "version", Integer.toString(p.version()),
                "range", from + "/" + to);
        String meta = Lineage.commitMetadata(runId, "features materialize", inputs,
                Optional.of(p.fingerprint().definitionHash()), details);
        Commit c;
        if (p.view().checks().isEmpty()) {
            c = writeDelta(p.table(), out.repartition(col(Tiles.FEATURE_DATE)), where, Tiles.FEATURE_DATE, meta,
                    p.view().entities(), phases, p.view().isRowLevel() ? "rows" : "windows", creation(p, inputs));
        } else {
            c = writeGated(p, out, where, meta, from, to, phases);
        }
        lineage.add(new Lineage.Entry(runId, "features materialize", p.table(), c.made(), "materialize", inputs,
                Optional.of(p.fingerprint().definitionHash()), Optional.of(c.rows()), Optional.of(from), Optional.of(to),
                started, Instant.now(), details));
        return c;
    }

    /**
     * Write-audit-publish: the candidate rows are written to {@code <table>__staging}, the view's suites run over
     * them, and only when no error-level check fails are they (less any quarantined rows) published, in the same
     * single replaceWhere commit as an ungated write. When the gate says no, the feature table is left as it was
     * (no commit) and the staging table keeps the candidate rows for inspection.
     */
    private Commit writeGated(Prepared p, Dataset<Row> out, String where, String meta, Instant from, Instant to,
                              Phases phases) {
        TableName staging = Tables.staging(p.table());
        try {
            Catalog.createDeltaTable(out, staging, TableDoc.of("Candidate rows of " + p.table() + " waiting for its"
                    + " quality gate, or refused by it and kept for inspection; dropped once they are published.")
                    .withProperty("ingot.staging_of", p.table().toString()), Map.of("userMetadata", meta), List.of(), true);
        } catch (RuntimeException e) {
            throw Errors.jobFailed("stage the candidate rows of " + p.table() + " in " + staging, e);
        }
        phases.done("staging");
        List<CheckSuiteDef> suites = p.view().checks().stream().map(n -> project.suites().get(n)).toList();
        PublishGate.Admission admission;
        try {
            admission = gate.orElseThrow().admit(spark.table(staging.sql()), suites, p.table());
        } catch (IngotException e) {
            if (e.exitCode() != ExitCode.GATE_FAILED) {
                throw e;
            }
            throw Errors.gateFailed(e, "Nothing was published to " + p.table() + " for [" + from + ", " + to
                    + "): its Delta version is unchanged. The candidate rows are kept for inspection: SELECT * FROM "
                    + staging);
        }
        phases.done("quality gate");
        Commit c;
        try (admission) {
            tally.quarantined += admission.quarantinedRows();
            tally.warnings.addAll(admission.warnings());
            admission.report().ifPresent(tally.reports::add);
            c = writeDelta(p.table(), admission.rows().repartition(col(Tiles.FEATURE_DATE)), where, Tiles.FEATURE_DATE,
                    meta, p.view().entities(), phases, p.view().isRowLevel() ? "rows" : "windows",
                    creation(p, List.of(p.read().input())));
        }
        spark.sql("DROP TABLE IF EXISTS " + staging.sql());
        phases.done("staging dropped");
        return c;
    }

    /**
     * One Delta write: creates the table (partitioned, rows sorted by entity within each date so files cluster by
     * key), or replaces exactly the rows matching {@code where} and adds the new ones, evolving the schema when
     * features were added. Returns the commit's version and rows, read back from the commit file it wrote.
     */
    private Commit writeDelta(TableName table, Dataset<Row> out, String where, String partition, String meta,
                              List<String> keys, Phases phases, String phase, TableDoc creation) {
        Dataset<Row> sorted = out.sortWithinPartitions(keys.stream().map(k -> col(k)).toArray(Column[]::new));
        // Another run of the view may write this table at the same time. Tiles are the same whichever run writes a
        // range of them, so a tiles write that lost a race is done again whole; a feature write is done again only
        // when the other run left its range alone (DeltaConflicts.retryRange), else it fails having committed nothing.
        boolean tiles = partition.equals(Tiles.TILE_DATE);
        String doing = "replace " + where + " of " + table;
        Runnable replace = () -> sorted.write().format("delta").mode("overwrite").option("replaceWhere", where)
                .option("mergeSchema", "true").option("userMetadata", meta).save(location(table));
        Runnable intoExisting = tiles ? () -> DeltaConflicts.retry(doing, replace)
                : () -> DeltaConflicts.retryRange(doing, replace);
        boolean created = false;
        if (!exists(table)) {
            // The comment and properties go in the commit that creates the table: setting them later (ALTER TABLE)
            // would add a Delta version. The columns' comments are in the rows' schema (withComment). Plain CREATE:
            // when another run creates the table at the same time, this run waits for it and writes into it.
            created = Catalog.createOrWrite(sorted, table, creation, Map.of("userMetadata", meta), List.of(partition),
                    intoExisting);
            existing.add(table);
        } else {
            intoExisting.run();
        }
        lastCreated = created;
        phases.done(phase);
        // Delta makes no commit for a write that neither adds nor removes a file (an empty range written again), so
        // the newest commit is not necessarily this one: it is the one carrying this write's metadata (which names
        // the run and the range), looked for among the last few in case another writer committed meanwhile. Read
        // from the commit files themselves: the table's history would read and parse the last ten through a query.
        DeltaCommits.Found found = DeltaCommits.find(spark, location(table), meta, 10);
        phases.done("commit lookup");
        return found.version().isPresent()
                ? new Commit(found.version(), found.version().get(), found.outputRows())
                : new Commit(Optional.empty(), found.latest(), 0);
    }

    /**
     * The table comment and properties a feature or tile table gets when a run creates it. They describe the table
     * as created: the view and its version, the definition hash and the inputs (with their Delta versions) of that
     * first run. Every later commit records its own run, inputs and definition hash in its commit metadata
     * ({@code features history}, DESCRIBE HISTORY's userMetadata).
     */
    private static TableDoc creation(Prepared p, List<Lineage.Input> inputs) {
        String description = p.view().description() == null ? "" : p.view().description().strip();
        return creation(p, inputs, (description.isEmpty() ? "" : description + " ") + "(feature view "
                + p.view().name() + ", version " + p.version() + ")");
    }

    private static TableDoc creation(Prepared p, List<Lineage.Input> inputs, String comment) {
        Map<String, String> columns = new LinkedHashMap<>();
        p.view().entities().forEach(e -> columns.put(e, "Entity key, as in source " + p.view().source()));
        columns.put(Tiles.FEATURE_TIME, "When the row's features become valid (UTC): the end of the windows' tick for"
                + " an aggregated view, the event time for a row-level view");
        columns.put(Tiles.FEATURE_DATE, "The UTC date of feature_time (the partition)");
        columns.put(Tiles.TILE_START, "Start of the tile: the time bucket its partial aggregates cover (UTC)");
        columns.put(Tiles.TILE_DATE, "The UTC date of tile_start (the partition)");
        return TableDoc.of(comment).withColumns(columns)
                .withProperty("ingot.feature_view", p.view().name())
                .withProperty("ingot.feature_view_version", Integer.toString(p.version()))
                .withProperty("ingot.created_definition_hash", p.fingerprint().definitionHash())
                .withProperty("ingot.created_from", Lineage.Input.describe(inputs));
    }

    /** The tile columns that are not keys or times: partial aggregate states, internal to incremental windows. */
    private static Map<String, String> stateComments(Dataset<Row> tiles, Prepared p) {
        Map<String, String> c = new LinkedHashMap<>();
        for (String name : tiles.columns()) {
            if (!p.view().entities().contains(name) && !name.equals(Tiles.TILE_START) && !name.equals(Tiles.TILE_DATE)) {
                c.put(name, "A partial aggregate state of the tile, merged into windows (internal)");
            }
        }
        return c;
    }

    /** Whether a table exists; only a yes is remembered for the run (a table may be created meanwhile). */
    private boolean exists(TableName table) {
        if (existing.contains(table)) {
            return true;
        }
        boolean yes = Catalog.tableExists(spark, table);
        if (yes) {
            existing.add(table);
        }
        return yes;
    }

    /** A table's location, asked of the catalog once per run. */
    private String location(TableName table) {
        return locations.computeIfAbsent(table, t -> {
            try {
                return spark.sessionState().catalog().getTableMetadata(new org.apache.spark.sql.catalyst.TableIdentifier(
                        t.table(), scala.Option.apply(t.database()))).location().toString();
            } catch (Exception e) { // NoSuchTableException is checked to Java but thrown all the same
                throw new IllegalStateException("No location for " + t + ": " + e.getMessage(), e);
            }
        });
    }

    private static Dataset<Row> inRange(Dataset<Row> rows, String et, Instant from, Instant to) {
        return rows.where(col(et).geq(lit(java.sql.Timestamp.from(from))).and(col(et).lt(lit(java.sql.Timestamp.from(to)))));
    }

    /** Rows whose entity key is null can never be joined: they are left out. */
    private static Dataset<Row> nonNullKeys(Dataset<Row> rows, FeatureViewDef view) {
        Column ok = lit(true);
        for (String e : view.entities()) {
            ok = ok.and(col(e).isNotNull());
        }
        return rows.where(ok);
    }

    /**
     * The partition dates of a range's rows (first and last row time, both inclusive), as a replaceWhere predicate.
     * Where the range is not whole days a time predicate follows it, but only a predicate on the partition column lets
     * Delta leave other dates' files alone for sure (the day before a daily run's tick is not even read). When the
     * dates alone select exactly the range's rows, they are the whole predicate: Delta then replaces whole partitions
     * from its log alone, where a predicate on a data column makes it read every file of those dates to find the rows
     * to keep (two Spark jobs per write).
     */
    private static String dates(String column, Instant first, Instant last) {
        return column + " >= DATE'" + utcDate(first) + "' AND " + column + " <= DATE'" + utcDate(last) + "'";
    }

    /** Whether [from, to) starts and ends at UTC midnight: its rows are exactly those of its dates. */
    private static boolean wholeDays(Instant from, Instant to) {
        return from.getEpochSecond() % 86400 == 0 && to.getEpochSecond() % 86400 == 0;
    }

    private static String ts(Instant i) {
        return "TIMESTAMP'" + i.toString().replace('T', ' ').replace("Z", "") + "+00:00'";
    }

    private static DataType outType(FeatureViewDef.Function f, DataType in) {
        return switch (f) {
            case COUNT, APPROX_COUNT_DISTINCT -> DataTypes.LongType;
            case AVG, STDDEV -> DataTypes.DoubleType;
            // As Spark's own sum: a decimal sum has 10 more digits (sum(decimal(10,2)) is decimal(20,2)), so that a
            // window's total does not overflow the column's type (and silently turn null).
            case SUM -> in instanceof org.apache.spark.sql.types.IntegralType ? DataTypes.LongType
                    : in instanceof org.apache.spark.sql.types.DecimalType d
                            ? DataTypes.createDecimalType(Math.min(38, d.precision() + 10), d.scale()) : DataTypes.DoubleType;
            case MIN, MAX, LAST -> in;
        };
    }

    private static StructField withComment(String name, DataType type, String comment) {
        Metadata md = new MetadataBuilder().putString("comment", comment).build();
        return new StructField(name, type, true, md);
    }

    private interface Analysis {
        Dataset<Row> run();
    }

    /** Runs Spark's analysis of a definition's SQL; an unresolved column is bad input naming file, key and columns. */
    private static Dataset<Row> analyze(Analysis a, String doing, String file, String key, List<String> columns) {
        try {
            return a.run();
        } catch (IngotException e) {
            throw e;
        } catch (Exception e) { // Spark's AnalysisException is checked to Java but thrown all the same
            String msg = SourceReader.firstLine(e.getMessage());
            if (e instanceof AnalysisException || msg.contains("UNRESOLVED_COLUMN") || msg.contains("cannot be resolved")
                    || msg.contains("PARSE_SYNTAX_ERROR") || msg.contains("DATATYPE_MISMATCH")) {
                throw Errors.badData(doing, file + " " + key + ": " + msg + " (columns: " + String.join(", ", columns) + ")",
                        "fix the SQL in " + file + " " + key);
            }
            throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
        }
    }
}
