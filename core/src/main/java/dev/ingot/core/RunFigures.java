package dev.ingot.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The figures of the command running in this JVM, tallied while it runs, for its row of {@code ingot.job_runs} and
 * its {@code --metrics-file}: rows read (where a command knows them), rows written and the tables written (every write
 * that records its lineage reports here, through {@link Lineage#record}), the newest event time those writes covered,
 * and the time of each stage.
 *
 * <p>One command at a time: {@code IngotMain} opens a tally with {@link #begin()} and closes it with {@link #end()}.
 * Outside a command (the Java API used on its own) every report is ignored, so library code reports unconditionally.
 */
public final class RunFigures {
    private static final AtomicReference<Tally> CURRENT = new AtomicReference<>();

    private RunFigures() {}

    /**
     * What one command did.
     *
     * @param rowsRead rows the command read, when it counts them (scoring, validation)
     * @param rowsWritten rows its writes committed, summed over every table written, when any write counted them
     * @param tablesWritten the tables written, in order of first write
     * @param lineageRunIds the run ids of {@code ingot.lineage} rows the writes recorded
     * @param dataThrough the end of the newest event-time range the writes covered, if any covered one
     * @param stageSeconds seconds per stage, in the order the stages first ran
     */
    public record Figures(Optional<Long> rowsRead, Optional<Long> rowsWritten, List<String> tablesWritten,
                          List<String> lineageRunIds, Optional<Instant> dataThrough, Map<String, Double> stageSeconds) {
        public Figures {
            Errors.required(rowsRead, "RunFigures.Figures.rowsRead");
            Errors.required(rowsWritten, "RunFigures.Figures.rowsWritten");
            tablesWritten = List.copyOf(Errors.required(tablesWritten, "RunFigures.Figures.tablesWritten"));
            lineageRunIds = List.copyOf(Errors.required(lineageRunIds, "RunFigures.Figures.lineageRunIds"));
            Errors.required(dataThrough, "RunFigures.Figures.dataThrough");
            stageSeconds = Collections.unmodifiableMap(new LinkedHashMap<>(
                    Errors.required(stageSeconds, "RunFigures.Figures.stageSeconds")));
        }

        /** Nothing measured (a command that failed before doing anything). */
        public static Figures none() {
            return new Figures(Optional.empty(), Optional.empty(), List.of(), List.of(), Optional.empty(), Map.of());
        }
    }

    /** Starts a fresh tally for the command about to run, dropping any left open. */
    public static void begin() {
        CURRENT.set(new Tally());
    }

    /** Ends the tally and returns what it holds; {@link Figures#none()} when none was open. */
    public static Figures end() {
        Tally t = CURRENT.getAndSet(null);
        return t == null ? Figures.none() : t.figures();
    }

    /** Adds rows the command read. */
    public static void rowsRead(long rows) {
        Tally t = CURRENT.get();
        if (t != null) {
            t.add(() -> t.rowsRead = Optional.of(t.rowsRead.orElse(0L) + rows));
        }
    }

    /** Adds the writes of lineage entries: their tables, rows, run ids and event-time ranges. */
    static void written(List<Lineage.Entry> entries) {
        Tally t = CURRENT.get();
        if (t == null) {
            return;
        }
        t.add(() -> {
            for (Lineage.Entry e : entries) {
                t.tables.add(e.output().toString());
                t.runIds.add(e.runId());
                e.rowsWritten().ifPresent(r -> t.rowsWritten = Optional.of(t.rowsWritten.orElse(0L) + r));
                e.rangeTo().filter(to -> t.dataThrough.map(to::isAfter).orElse(true))
                        .ifPresent(to -> t.dataThrough = Optional.of(to));
            }
        });
    }

    /** Adds time to a stage (stages of the same name add up). */
    public static void stage(String name, double seconds) {
        Tally t = CURRENT.get();
        if (t != null) {
            t.add(() -> t.stages.merge(name, seconds, Double::sum));
        }
    }

    /** Runs {@code work} as the stage {@code name}: its time is added to the stage even when it throws. */
    public static <T> T timed(String name, Supplier<T> work) {
        long t0 = System.nanoTime();
        try {
            return work.get();
        } finally {
            stage(name, (System.nanoTime() - t0) / 1e9);
        }
    }

    private static final class Tally {
        private Optional<Long> rowsRead = Optional.empty();
        private Optional<Long> rowsWritten = Optional.empty();
        private final Set<String> tables = new LinkedHashSet<>();
        private final Set<String> runIds = new LinkedHashSet<>();
        private Optional<Instant> dataThrough = Optional.empty();
        private final Map<String, Double> stages = new LinkedHashMap<>();

        synchronized void add(Runnable change) {
            change.run();
        }

        synchronized Figures figures() {
            return new Figures(rowsRead, rowsWritten, new ArrayList<>(tables), new ArrayList<>(runIds), dataThrough,
                    stages);
        }
    }
}
