package dev.ingot.jobs.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.TestSpark;
import dev.ingot.jobs.Dist;
import io.delta.kernel.Scan;
import io.delta.kernel.Snapshot;
import io.delta.kernel.Table;
import io.delta.kernel.data.ArrayValue;
import io.delta.kernel.data.ColumnVector;
import io.delta.kernel.data.FilteredColumnarBatch;
import io.delta.kernel.data.MapValue;
import io.delta.kernel.defaults.engine.DefaultEngine;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.internal.InternalScanFileUtils;
import io.delta.kernel.internal.data.ScanStateRow;
import io.delta.kernel.types.ArrayType;
import io.delta.kernel.types.BinaryType;
import io.delta.kernel.types.BooleanType;
import io.delta.kernel.types.ByteType;
import io.delta.kernel.types.DataType;
import io.delta.kernel.types.DateType;
import io.delta.kernel.types.DecimalType;
import io.delta.kernel.types.DoubleType;
import io.delta.kernel.types.FloatType;
import io.delta.kernel.types.IntegerType;
import io.delta.kernel.types.LongType;
import io.delta.kernel.types.MapType;
import io.delta.kernel.types.ShortType;
import io.delta.kernel.types.StringType;
import io.delta.kernel.types.StructType;
import io.delta.kernel.types.TimestampNTZType;
import io.delta.kernel.types.TimestampType;
import io.delta.kernel.utils.CloseableIterator;
import io.delta.kernel.utils.FileStatus;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.collection.JavaConverters;

/**
 * Crash safety of the five writing jobs, on the packaged distribution: {@code features materialize} (a gated view
 * whose suite quarantines), {@code validate}, {@code training-set}, {@code train} (the local Delta-backed registry) and
 * {@code score} (with {@code --nulls quarantine}), each run by {@code bin/ingot} as a child process and killed with
 * SIGKILL (the driver JVM and every descendant) at a random moment of its clean run's duration, or, in every third
 * trial, right after its k-th Delta commit appears (k random over the clean run's commits: the commit windows). After
 * each kill: every Delta table under the warehouse is read by Spark (this JVM) and by Delta Kernel (an independent
 * reader) and both see the same rows; every table holds either its content before the job or one of the states the
 * job's clean run committed (its Delta versions, read back by time travel: a prefix of its commits); the registry has
 * no model version without its run, artifact and tags, and no alias to a missing version. Then the same command again
 * must exit 0 and leave every table with exactly the content of the clean run (run ids, times and durations aside:
 * {@link #VOLATILE}), and no table or folder a clean run does not leave.
 *
 * <p>Trials per job: {@code -Dingot.crash.trials=N}, or {@code ci} (the quick subset: two trials per job, the first
 * killed right after the commit {@link #CI_COMMITS} names for it, the windows where a kill leaves the most to recover,
 * the second a random part of the way from a random commit to the next; the suite's setting, from jobs/pom.xml), or
 * 0 (skipped; the default outside Maven); jobs: {@code -Dingot.crash.jobs} (comma-separated names of {@link #JOBS},
 * default all); seed: {@code -Dingot.crash.seed} (printed); the commits the kills at a commit wait for:
 * {@code -Dingot.crash.at=<db>.db/<table>#<version>[,...]} (a kill of a job waits for the listed commit of its clean
 * run; default: one drawn per trial), to repeat a kill a run reported.
 */
class CrashIT {
    /**
     * {@code ci}: the quick subset (two trials per job: one at {@link #CI_COMMITS}, one at a random moment after a
     * random commit); else trials per job (0: skipped).
     */
    private static final String MODE = System.getProperty("ingot.crash.trials", "0").trim();
    private static final boolean CI = MODE.equals("ci");
    /**
     * Trials per job. The quick subset, which the default suite runs (jobs/pom.xml), took 779 s alone on the 2-core
     * machine (the clean chain, then per job two trials of two child JVMs each: the killed run and its re-run) and 905
     * to 1,089 s in the suite; 20 per job took 2 h 6 min (docs/reliability.md).
     */
    private static final int TRIALS = CI ? 2 : Integer.parseInt(MODE);
    private static final long SEED = Long.getLong("ingot.crash.seed", System.nanoTime());
    /**
     * The quick subset's kills, one per job, each right after a commit of its clean run: materialize between its second
     * chunk's quality metrics and the chunk's publication (the gate's staging table left behind); validate between
     * its metrics and its results; training-set in the creation of its log table (the re-run moves the folder aside);
     * train right after it registers the version, before its tags and READY (version 0 of ml.model_versions is the
     * table's creation when the store opens); score in the creation of its output table.
     */
    static final List<String> CI_COMMITS = List.of("quality.db/metrics#1", "quality.db/metrics#3",
            "ml.db/training_sets#0", "ml.db/model_versions#1", "scores.db/crash#0");
    /** Clean-run commits ({@code <folder>#<version>}) the kills at a commit wait for, not drawn ones. */
    private static final List<String> AT = Stream.of(System.getProperty("ingot.crash.at",
            CI ? String.join(",", CI_COMMITS) : "").split(",")).map(String::trim).filter(a -> !a.isEmpty()).toList();
    private static final List<String> JOBS = List.of("materialize", "validate", "training-set", "train", "score");
    /**
     * Columns whose values differ between two clean runs of the same command on the same warehouse: ids of runs,
     * wall-clock times, durations and resource use, and paths or texts that embed a run id (artifact folders,
     * report file names). Any other column must be equal.
     */
    static final Pattern VOLATILE = Pattern.compile("(?i)run_id|.*_at|.*_time|time|timestamp|.*seconds.*|.*_ms|"
            + "artifact_uri|source|experiment_id|report|.*duration.*|.*cpu.*|.*_ts|started|ended|freshness.*|"
            + "stages|stage_.*|commit_info|app_id|spark_app_id|user_id|host|pid|.*_nanos|dataset_date|.*per_second.*");
    /** Keys of key-value tables (run and version tags) whose values are measurements of the run: CPU time, cost. */
    static final Pattern VOLATILE_KEYS = Pattern.compile("(?i).*(cpu|cost\\.amount).*");
    /**
     * Tables that log attempts (lineage of every write, job runs, quality metrics and results, one row per training
     * set build): a killed attempt's
     * rows stay as the record of what it committed. After the kill such a table holds its rows before the job plus
     * some of the rows a clean run appends; after the re-run, those plus exactly what a clean run appends. The Delta
     * versions they cite are left out of the comparison ({@link #LOG_VERSIONS}): a killed attempt's commit shifts the
     * versions the re-run's writes get.
     */
    static final Set<String> LOG_TABLES = Set.of("ingot.db/lineage", "ingot.db/job_runs", "quality.db/metrics",
            "quality.db/results", "ingot.db/score_runs", "ml.db/training_sets");
    static final Pattern LOG_VERSIONS = Pattern.compile("(?i).*version.*|deequ_result");
    /** A row of quality.metrics that a scoring run of the same table and date replaces (its rows() form). */
    private static final Pattern DRIFT_ROW = Pattern.compile("(^| )metric=(score_psi|score_bin_fraction) ");
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper()
            .configure(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
            + "|[0-9a-f]{32}");

    @TempDir
    static Path root;

    private final Random random = new Random(SEED);
    private Path warehouse;
    private Path project;
    private final Engine kernel = DefaultEngine.create(new Configuration());

    /** A job: its name and its command line (after {@code bin/ingot --master local[2]}). */
    record Job(String name, List<String> args) {}

    private List<Job> jobs() {
        String p = project.toString();
        return List.of(
                new Job("materialize", List.of("features", "materialize", "--project", p, "--view", "spend",
                        "--from", "2026-01-01", "--to", "2026-02-21", "--chunk", "20")),
                new Job("validate", List.of("validate", "--project", p, "--table", "raw.orders", "--suite", "orders")),
                new Job("training-set", List.of("training-set", "--project", p, "--spine", "raw.orders", "--features",
                        "spend", "--out", "ml.crash_set")),
                new Job("train", List.of("train", "--project", p, "--model", "crash", "--training-set", "ml.crash_set")),
                new Job("score", List.of("score", "--project", p, "--model", "crash@challenger", "--input",
                        "ml.crash_set", "--out", "crash", "--keys", "order_id", "--date", "2026-02-20", "--nulls",
                        "quarantine")));
    }

    @Test
    void killedJobsLeaveReadableTablesNoPartialVersionAndConvergeOnReRun() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(TRIALS > 0,
                "opt-in: -Dingot.crash.trials=ci (two kills per job: at a chosen commit, at a random moment) or N (N trials"
                        + " per job)");
        assertThat(Dist.SPARK_SUBMIT).as("laid out by the build (mvn package)").isExecutable();
        Set<String> only = new HashSet<>(List.of(System.getProperty("ingot.crash.jobs", String.join(",", JOBS))
                .split(",")));
        System.out.printf(Locale.ROOT, "CrashIT: seed %d (-Dingot.crash.seed=%d), %d trial(s) per job%s, jobs %s%n",
                SEED, SEED, TRIALS, CI ? " (the quick subset: each job's first killed right after " + AT
                        + ", its second at a random moment after a random commit)" : "", only);
        warehouse = root.resolve("wh");
        project = writeProject(root.resolve("project"), warehouse);
        Dist.Ran setup = ingot(List.of("sql", "--project", project.toString(), "--allow-writes", "-f",
                project.resolve("setup.sql").toString()));
        assertThat(setup.code()).as(setup.all()).isZero();
        List<Job> jobs = jobs();
        // The clean chain: the state before each job (snapshot j) and after it (snapshot j + 1).
        snapshot(0);
        // The chain stops at the last job tried: later jobs' clean runs would not be used.
        int last = 0;
        for (int j = 0; j < jobs.size(); j++) {
            if (only.contains(jobs.get(j).name())) {
                last = j;
            }
        }
        double[] seconds = new double[last + 1];
        // Each clean run's commits, and when each was made (seconds from the command's start).
        double[][] commitAt = new double[last + 1][];
        List<List<Map.Entry<Path, Long>>> commits = new ArrayList<>();
        for (int j = 0; j <= last; j++) {
            Map<Path, Long> before = deltaVersions(warehouse);
            long started = System.currentTimeMillis();
            Dist.Ran r = ingot(jobs.get(j).args());
            assertThat(r.code()).as(jobs.get(j).name() + ": " + r.all()).isZero();
            seconds[j] = r.seconds();
            commits.add(commitsSince(warehouse, before));
            commitAt[j] = new double[commits.get(j).size()];
            for (int c = 0; c < commitAt[j].length; c++) {
                commitAt[j][c] = Math.max(0, (commitTime(warehouse, commits.get(j).get(c)) - started) / 1000.0);
            }
            snapshot(j + 1);
            System.out.printf(Locale.ROOT, "CrashIT: clean %s: %.1f s, first commit at %.1f s, %d Delta commits: %s%n",
                    jobs.get(j).name(), seconds[j], firstCommit(commitAt[j]), commits.get(j).size(), commits.get(j));
        }
        List<String> failures = new ArrayList<>();
        for (int j = 0; j <= last; j++) {
            Job job = jobs.get(j);
            if (!only.contains(job.name())) {
                continue;
            }
            Expected expected = expected(j);
            List<String> moments = new ArrayList<>();
            for (int t = 0; t < TRIALS; t++) {
                String outcome = trial(job, j, t, seconds[j], commitAt[j], commits.get(j), expected, failures);
                moments.add(outcome);
            }
            System.out.printf(Locale.ROOT, "CrashIT: %s: %d trial(s): %s%n", job.name(), TRIALS, moments);
        }
        assertThat(failures).as("seed " + SEED).isEmpty();
    }

    /** What a trial of job {@code j} may see: per table, its accepted states, and the clean run's final content. */
    record Expected(Map<String, Set<List<String>>> accepted, Map<String, List<String>> finals, Set<String> dirs,
                    Map<String, List<String>> logBefore, Map<String, List<String>> logAppended) {}

    private Expected expected(int j) throws IOException {
        Path before = root.resolve("snap/" + j);
        Path after = root.resolve("snap/" + (j + 1));
        Map<Path, Long> v0 = deltaVersions(before);
        Map<Path, Long> v1 = deltaVersions(after);
        Map<String, Set<List<String>>> accepted = new TreeMap<>();
        Map<String, List<String>> finals = new TreeMap<>();
        Map<String, List<String>> logBefore = new TreeMap<>();
        Map<String, List<String>> logAppended = new TreeMap<>();
        for (Map.Entry<Path, Long> e : v1.entrySet()) {
            String name = e.getKey().toString();
            if (LOG_TABLES.contains(name)) {
                List<String> b = v0.containsKey(e.getKey()) ? logContent(before.resolve(e.getKey()), v0.get(e.getKey()))
                        : List.of();
                logBefore.put(name, b);
                logAppended.put(name, minus(logContent(after.resolve(e.getKey()), e.getValue()), b));
            }
            Set<List<String>> states = new HashSet<>();
            long from = v0.getOrDefault(e.getKey(), -1L);
            if (from < 0) {
                states.add(List.of("<absent>"));
            }
            for (long v = Math.max(from, 0); v <= e.getValue(); v++) {
                states.add(content(after.resolve(e.getKey()), v));
            }
            accepted.put(name, states);
            finals.put(name, content(after.resolve(e.getKey()), e.getValue()));
        }
        return new Expected(accepted, finals, dirs(after), logBefore, logAppended);
    }

    private String trial(Job job, int j, int t, double cleanSeconds, double[] commitAt,
                         List<Map.Entry<Path, Long>> commits, Expected expected, List<String> failures)
            throws Exception {
        restore(j);
        // Every third trial right after one of the clean run's commits, and train's first right after it registers
        // the version (ml.model_versions), before the version's tags and alias: the registration window.
        // (Version 0 of ml.model_versions is its creation when the store opens on a new warehouse: the registration is
        // the first commit after it.)
        Optional<Map.Entry<Path, Long>> registration = commits.stream()
                .filter(e -> e.getKey().toString().equals("ml.db/model_versions") && e.getValue() > 0).findFirst();
        // The quick subset: the first trial at its chosen commit, the second at a random moment.
        boolean atCommit = !commits.isEmpty() && (CI ? t == 0 : t % 3 == 1 || t == 0 && registration.isPresent());
        Map.Entry<Path, Long> commit = commits.isEmpty() ? null : t == 0 && registration.isPresent()
                ? registration.get() : commits.get(random.nextInt(commits.size()));
        Optional<Map.Entry<Path, Long>> listed = commits.stream()
                .filter(e -> AT.contains(e.getKey() + "#" + e.getValue())).findFirst();
        if (atCommit && listed.isPresent()) {
            commit = listed.get();
        } else if (atCommit && CI) {
            // The subset's kills are chosen windows: a clean run that no longer makes the commit must fail the test,
            // not quietly kill elsewhere (CI_COMMITS must follow the job's commits).
            throw new IllegalStateException("none of " + AT + " is a commit of " + job.name() + "'s clean run: "
                    + commits + "; update CrashIT.CI_COMMITS");
        }
        // The quick subset's second trial: a random moment found by the job's progress, not by the clock. Right after
        // a commit of the clean run drawn at random (not its last), then a random part of the time the clean run took
        // from it to its next commit. In the suite the clean chain runs beside the demo, and moments drawn over its
        // slower durations fell after the job had exited in all five trials of a CI run.
        boolean afterCommit = CI && t == 1 && commits.size() > 1;
        double delay = 0;
        if (afterCommit) {
            int k = random.nextInt(commits.size() - 1);
            commit = commits.get(k);
            delay = random.nextDouble() * Math.max(0, commitAt[k + 1] - commitAt[k]);
        }
        // A random moment of the write window: from 2 s before the clean run's first commit to its end. Before it,
        // the JVM starts and plans, and a kill there leaves nothing to check.
        double from = Math.max(0, firstCommit(commitAt) - 2);
        double at = from + random.nextDouble() * (cleanSeconds - from);
        String label = job.name() + " trial " + t;
        Map<Path, Long> start = deltaVersions(warehouse);
        List<String> cmd = new ArrayList<>(List.of(Dist.INGOT.toString(), "--master", "local[2]"));
        cmd.addAll(job.args());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Dist.childEnv(pb.environment());
        Path logs = Files.createDirectories(root.resolve("logs"));
        pb.redirectOutput(logs.resolve("kill-" + job.name() + "-" + t + ".out").toFile())
                .redirectError(logs.resolve("kill-" + job.name() + "-" + t + ".err").toFile());
        long t0 = System.nanoTime();
        Process p = pb.start();
        String moment;
        if (atCommit || afterCommit) {
            long deadline = t0 + (long) ((cleanSeconds * 3 + 60) * 1e9);
            while (p.isAlive() && latestVersion(commit.getKey())
                    < commit.getValue() && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            if (afterCommit) {
                p.waitFor((long) (delay * 1000), TimeUnit.MILLISECONDS);
            }
        } else {
            p.waitFor((long) (at * 1000), TimeUnit.MILLISECONDS);
        }
        double killedAt = (System.nanoTime() - t0) / 1e9;
        boolean finished = !p.isAlive();
        killTree(p);
        int seen = newCommits(start);
        moment = String.format(Locale.ROOT, "%s%.1fs%s(%d commits)", atCommit ? "after " + commit.getKey() + "#"
                        + commit.getValue() + " at " : afterCommit ? String.format(Locale.ROOT, "%.1fs after %s#%d, at ",
                        delay, commit.getKey(), commit.getValue()) : "",
                killedAt, finished ? " after exit " + p.exitValue() : "", seen);
        List<String> problems = new ArrayList<>();
        lastKilled.clear();
        staging.clear();
        incomplete.clear();
        movedAside.clear();
        check(expected, problems, false, start);
        Set<String> leftStaging = new TreeSet<>(staging);
        Set<String> untagged = new TreeSet<>(incomplete);
        Dist.Ran again = ingot(job.args());
        if (again.code() != 0) {
            problems.add("re-run exited " + again.code() + ": " + tail(again.all()));
        } else {
            check(expected, problems, true, start);
        }
        if (!problems.isEmpty()) {
            String msg = label + " (killed at " + moment + "): " + String.join("; ", problems);
            failures.add(msg);
            System.out.println("CrashIT: FAIL " + msg);
            saveEvidence(job, t);
        }
        System.out.printf(Locale.ROOT, "CrashIT: %s: killed at %s, re-run %.1f s: %s%n", label, moment,
                again.seconds(), problems.isEmpty() ? "ok" : "FAIL");
        return moment + (leftStaging.isEmpty() ? "" : " staging " + leftStaging + " left, removed by the re-run")
                + (movedAside.isEmpty() ? "" : " killed in its creation, moved aside by the re-run: " + movedAside)
                + (untagged.isEmpty() ? "" : " version " + untagged + " PENDING_REGISTRATION until the re-run")
                + (problems.isEmpty() ? "" : " FAIL");
    }

    /** Per log table, the rows the killed attempt appended (set by the check after the kill). */
    private final Map<String, List<String>> lastKilled = new HashMap<>();
    /** Model versions seen PENDING_REGISTRATION after the kill. */
    private final Set<String> incomplete = new TreeSet<>();
    /** Staging tables seen after the kill. */
    private final Set<String> staging = new TreeSet<>();
    /** Folders of tables killed in their creation, moved aside by the re-run. */
    private final Set<String> movedAside = new TreeSet<>();
    /** The name a dead creation's folder is moved aside to ({@code Catalog.createDeltaTable}). */
    private static final Pattern DEAD = Pattern.compile("(.+)\\.dead-\\d{8}T\\d{6}Z");

    /**
     * The checks after a kill ({@code rerun} false) or after the re-run. A table still at its version of before the
     * job ({@code start}: the files of the restored snapshot, whose reads were checked when it was taken) is not read
     * again after the kill; after the re-run, only when the clean run did not change it either.
     */
    private void check(Expected expected, List<String> problems, boolean rerun, Map<Path, Long> start)
            throws IOException {
        String when = rerun ? "after the re-run: " : "after the kill: ";
        Map<Path, Long> versions = deltaVersions(warehouse);
        for (Path rel : versions.keySet()) {
            Path dir = warehouse.resolve(rel);
            Set<List<String>> states = expected.accepted().get(rel.toString());
            if (versions.get(rel).equals(start.get(rel)) && !LOG_TABLES.contains(rel.toString())
                    && (!rerun || states != null && states.size() == 1)) {
                continue;
            }
            List<String> spark;
            try {
                spark = rows(TestSpark.session().read().format("delta").load(dir.toString()), false);
            } catch (RuntimeException e) {
                problems.add(when + rel + " unreadable by Spark: " + e);
                continue;
            }
            try {
                List<String> k = kernelRows(dir);
                if (!k.equals(spark)) {
                    problems.add(when + rel + ": Delta Kernel reads " + k.size() + " rows, Spark " + spark.size()
                            + " (or different values)" + firstDiff(k, spark));
                }
            } catch (Exception e) {
                problems.add(when + rel + " unreadable by Delta Kernel: " + e);
            }
            java.util.regex.Matcher dead = DEAD.matcher(rel.toString());
            if (states == null && rerun && dead.matches() && expected.accepted().containsKey(dead.group(1))) {
                // A table killed between its creating commit and its catalog entry: the re-run moved the dead
                // attempt's folder aside (Catalog.createDeltaTable) and created the table anew. What it holds must
                // be a state the clean run committed to that table; a log's, the killed attempt's rows (below): its
                // rows carry values two clean runs differ in (quality.metrics' Deequ result), which the log rule
                // leaves out and a whole-state comparison would not.
                if (!LOG_TABLES.contains(dead.group(1))) {
                    if (!expected.accepted().get(dead.group(1)).contains(content(dir, versions.get(rel)))) {
                        problems.add(when + rel + " (moved aside) holds a state the clean run never committed");
                    }
                } else {
                    // A log killed in its creation: the killed attempt's rows went aside with its folder, and those
                    // were checked after the kill to be rows a clean run appends.
                    List<String> aside = minus(logContent(dir, versions.get(rel)),
                            expected.logBefore().get(dead.group(1)));
                    List<String> killed = new ArrayList<>(lastKilled.getOrDefault(dead.group(1), List.of()));
                    killed.sort(null);
                    if (!aside.equals(killed)) {
                        problems.add(when + rel + " (a log moved aside) holds other rows than the killed attempt"
                                + " appended" + firstDiff(aside, killed));
                    }
                }
                movedAside.add(rel.toString());
                continue;
            }
            if (states == null) {
                if (!rerun && rel.getFileName().toString().endsWith("__staging")) {
                    staging.add(rel.toString()); // must be gone after the re-run (the folder check below)
                } else {
                    problems.add(when + rel + " is a table no clean run leaves");
                }
                continue;
            }
            if (LOG_TABLES.contains(rel.toString())) {
                List<String> now = logContent(dir, versions.get(rel));
                List<String> added = minus(now, expected.logBefore().get(rel.toString()));
                List<String> clean = expected.logAppended().get(rel.toString());
                if (!rerun) {
                    lastKilled.put(rel.toString(), added);
                    if (now.size() - added.size() != expected.logBefore().get(rel.toString()).size()
                            || !minus(added, clean).isEmpty()) {
                        problems.add(when + rel + " (a log) lost rows or holds rows a clean run never appends"
                                + firstDiff(added, clean));
                    }
                } else {
                    List<String> want = new ArrayList<>(clean);
                    List<String> killed = lastKilled.getOrDefault(rel.toString(), List.of());
                    if (movedAsideBy(versions, rel.toString())) {
                        // Killed in its creation (its first commit held the killed attempt's rows): the re-run moved
                        // that folder aside and created the log anew, so the killed rows are in the moved folder
                        // (checked there) and the log holds what a clean run appends.
                        killed = List.of();
                    }
                    if (rel.toString().equals("quality.db/metrics")) {
                        // A scoring run replaces the score-drift rows of its table and date (ScoreDrift: measure and
                        // forgetOthers), so the re-run's take the place of the killed attempt's; the rest is a log.
                        killed = killed.stream().filter(r -> !DRIFT_ROW.matcher(r).find()).toList();
                    }
                    want.addAll(killed);
                    want.sort(null);
                    if (!added.equals(want)) {
                        problems.add(when + rel + " (a log) holds other rows than the killed attempt's plus a clean"
                                + " run's" + firstDiff(added, want));
                    }
                }
                continue;
            }
            List<String> content = content(dir, versions.get(rel));
            if (rerun) {
                List<String> fin = expected.finals().get(rel.toString());
                if (!content.equals(fin)) {
                    problems.add(when + rel + " differs from the clean run's" + firstDiff(content, fin));
                }
            } else if (!states.contains(content)) {
                problems.add(when + rel + " holds a state the clean run never committed (" + content.size()
                        + " rows)");
            }
        }
        if (rerun) {
            for (String t : staging) {
                if (versions.containsKey(Path.of(t))) {
                    problems.add(when + "the staging table " + t + " the killed attempt left is still there");
                }
            }
            for (String t : expected.finals().keySet()) {
                if (!versions.containsKey(Path.of(t))) {
                    problems.add(when + t + " is missing");
                }
            }
            Set<String> extra = new TreeSet<>(dirs(warehouse));
            extra.removeAll(expected.dirs());
            if (!extra.isEmpty()) {
                problems.add(when + "folders a clean run does not leave: " + extra);
            }
        }
        registry(problems, when, rerun);
    }

    /** Whether a folder {@code <table>.dead-<time>} exists beside {@code table}: its dead creation moved aside. */
    private static boolean movedAsideBy(Map<Path, Long> versions, String table) {
        return versions.keySet().stream().map(p -> DEAD.matcher(p.toString()))
                .anyMatch(m -> m.matches() && m.group(1).equals(table));
    }

    /** No half-registered model version, no alias to a missing version (the local registry's tables and files). */
    private void registry(List<String> problems, String when, boolean rerun) throws IOException {
        Path ml = warehouse.resolve("ml.db");
        if (!Files.isDirectory(ml.resolve("model_versions/_delta_log"))) {
            return;
        }
        SparkSession spark = TestSpark.session();
        List<Row> versions = spark.read().format("delta").load(ml.resolve("model_versions").toString()).collectAsList();
        // A kill while the store opens on a new warehouse leaves some of its tables not yet created.
        Set<String> runs = !Files.isDirectory(ml.resolve("runs/_delta_log")) ? Set.of()
                : spark.read().format("delta").load(ml.resolve("runs").toString())
                .where("status = 'FINISHED'").collectAsList().stream().map(r -> r.<String>getAs("run_id"))
                .collect(Collectors.toSet());
        Map<String, Map<String, String>> tags = new HashMap<>();
        if (Files.isDirectory(ml.resolve("model_version_tags/_delta_log"))) {
            spark.read().format("delta").load(ml.resolve("model_version_tags").toString()).collectAsList().forEach(r ->
                    tags.computeIfAbsent(r.<String>getAs("name") + "/" + r.<Long>getAs("version"), x -> new TreeMap<>())
                            .put(r.getAs("key"), r.getAs("value")));
        }
        Set<String> known = new HashSet<>();
        for (Row v : versions) {
            String id = v.<String>getAs("name") + "/" + v.<Long>getAs("version");
            known.add(id);
            if (!runs.contains(v.<String>getAs("run_id"))) {
                problems.add(when + "model version " + id + ": its run " + v.getAs("run_id") + " is not FINISHED");
            }
            Path source = Path.of(java.net.URI.create(v.<String>getAs("source").startsWith("file:")
                    ? v.getAs("source") : "file://" + v.getAs("source")));
            if (!Files.exists(source)) {
                problems.add(when + "model version " + id + ": no artifact at " + source);
            }
            Map<String, String> t = tags.getOrDefault(id, Map.of());
            Optional<String> digest = Optional.ofNullable(t.get("ingot.onnx_sha256"));
            boolean pending = "PENDING_REGISTRATION".equals(v.schema().getFieldIndex("status").isDefined()
                    ? v.getAs("status") : null);
            if (pending && rerun) {
                problems.add(when + "model version " + id + " is still PENDING_REGISTRATION after the re-run");
            } else if (pending) {
                // The version row (PENDING_REGISTRATION, invisible to readers), its tags and its READY are three
                // Delta commits: a kill between them leaves a pending version until the re-run completes it.
                // Counted, and required to be gone after it.
                incomplete.add(id);
            } else if (digest.isEmpty()) {
                problems.add(when + "model version " + id + " has no digest tag (tags: " + t.keySet() + ")");
            } else if (Files.isRegularFile(source) && !digest.get().contains(sha256(source))) {
                problems.add(when + "model version " + id + ": digest tag " + digest.get() + " is not its artifact's");
            }
        }
        if (Files.isDirectory(ml.resolve("model_aliases/_delta_log"))) {
            for (Row a : spark.read().format("delta").load(ml.resolve("model_aliases").toString()).collectAsList()) {
                String id = a.<String>getAs("name") + "/" + a.<Long>getAs("version");
                if (!known.contains(id)) {
                    problems.add(when + "alias " + a.getAs("name") + "@" + a.getAs("alias") + " points at missing " + id);
                }
            }
        }
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- processes and folders

    private Dist.Ran ingot(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Dist.INGOT.toString(), "--master", "local[2]"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Dist.childEnv(pb.environment());
        return Dist.run(pb, root.resolve("logs"), Duration.ofMinutes(10));
    }

    /** SIGKILL to the process and every descendant (collected first, so none is left to outlive its parent). */
    private static void killTree(Process p) throws InterruptedException {
        List<ProcessHandle> tree = p.descendants().toList();
        p.destroyForcibly();
        tree.forEach(ProcessHandle::destroyForcibly);
        p.waitFor(30, TimeUnit.SECONDS);
        for (ProcessHandle h : tree) {
            h.onExit().join();
        }
    }

    private void snapshot(int j) throws Exception {
        copy(warehouse, root.resolve("snap/" + j));
    }

    private void restore(int j) throws Exception {
        exec("rm", "-rf", warehouse.toString());
        copy(root.resolve("snap/" + j), warehouse);
    }

    private static void copy(Path from, Path to) throws Exception {
        exec("rm", "-rf", to.toString());
        Files.createDirectories(to.getParent());
        exec("cp", "-a", from.toString(), to.toString());
    }

    private static void exec(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
    }

    private void saveEvidence(Job job, int t) throws Exception {
        copy(warehouse, root.resolve("evidence/" + job.name() + "-" + t));
    }

    /** Every Delta table under {@code dir} (relative path) with its latest version. */
    static Map<Path, Long> deltaVersions(Path dir) throws IOException {
        Map<Path, Long> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path log : s.filter(p -> p.getFileName().toString().equals("_delta_log") && Files.isDirectory(p))
                    .toList()) {
                try (Stream<Path> files = Files.list(log)) {
                    long v = files.map(f -> f.getFileName().toString()).filter(f -> f.matches("\\d{20}\\.json"))
                            .mapToLong(f -> Long.parseLong(f.substring(0, 20))).max().orElse(-1);
                    if (v >= 0) {
                        out.put(dir.relativize(log.getParent()), v);
                    }
                }
            }
        }
        return out;
    }

    /** The latest version of the table {@code rel} (its folder under the warehouse), -1 when it has none. */
    private long latestVersion(Path rel) throws IOException {
        Path log = warehouse.resolve(rel).resolve("_delta_log");
        if (!Files.isDirectory(log)) {
            return -1;
        }
        try (Stream<Path> files = Files.list(log)) {
            return files.map(f -> f.getFileName().toString()).filter(f -> f.matches("\\d{20}\\.json"))
                    .mapToLong(f -> Long.parseLong(f.substring(0, 20))).max().orElse(-1);
        }
    }

    /** The commits made under {@code wh} since {@code before}, (table, version) in the order of their files' times. */
    private static List<Map.Entry<Path, Long>> commitsSince(Path wh, Map<Path, Long> before) throws IOException {
        List<Map.Entry<Path, Long>> out = new ArrayList<>();
        Map<Map.Entry<Path, Long>, Long> times = new HashMap<>();
        for (Map.Entry<Path, Long> e : deltaVersions(wh).entrySet()) {
            for (long v = before.getOrDefault(e.getKey(), -1L) + 1; v <= e.getValue(); v++) {
                Map.Entry<Path, Long> c = Map.entry(e.getKey(), v);
                out.add(c);
                times.put(c, Files.getLastModifiedTime(wh.resolve(e.getKey()).resolve("_delta_log")
                        .resolve(String.format(Locale.ROOT, "%020d.json", v))).toMillis());
            }
        }
        out.sort(java.util.Comparator.comparing(times::get));
        return out;
    }

    /** When a clean run made its first commit (seconds from its start; 0 when it made none). */
    private static double firstCommit(double[] commitAt) {
        return commitAt.length == 0 ? 0 : commitAt[0];
    }

    private static long commitTime(Path wh, Map.Entry<Path, Long> commit) throws IOException {
        return Files.getLastModifiedTime(wh.resolve(commit.getKey()).resolve("_delta_log")
                .resolve(String.format(Locale.ROOT, "%020d.json", commit.getValue()))).toMillis();
    }

    private int newCommits(Map<Path, Long> start) throws IOException {
        return (int) deltaVersions(warehouse).entrySet().stream()
                .mapToLong(e -> e.getValue() - start.getOrDefault(e.getKey(), -1L)).sum();
    }

    /**
     * Folders under the warehouse that are not inside a Delta table, with names made comparable across runs (ids
     * replaced): staging tables or temporary folders a crash leaves show up here.
     */
    private static Set<String> dirs(Path wh) throws IOException {
        Set<String> tables = deltaVersions(wh).keySet().stream().map(Path::toString).collect(Collectors.toSet());
        try (Stream<Path> s = Files.walk(wh)) {
            return s.filter(Files::isDirectory).map(wh::relativize).map(Path::toString)
                    .filter(r -> !r.isEmpty() && tables.stream().noneMatch(t -> r.equals(t) || r.startsWith(t + "/")))
                    .filter(r -> !r.startsWith("metastore_db"))
                    .map(r -> UUID.matcher(r).replaceAll("<id>").replaceAll("\\d{8}-\\d{6}", "<time>")
                            .replaceAll("_[0-9a-f]{12}(/|$)", "_<uid>$1"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    // ---- contents

    /** The table at {@code dir} as of {@code version}, volatile columns left out, rows sorted. */
    private static List<String> content(Path dir, long version) {
        org.apache.spark.sql.Dataset<Row> df = TestSpark.session().read().format("delta")
                .option("versionAsOf", version).load(dir.toString());
        return rows(df, true);
    }

    /** A log table's rows as of {@code version}, the Delta versions it cites left out too. */
    private static List<String> logContent(Path dir, long version) {
        org.apache.spark.sql.Dataset<Row> df = TestSpark.session().read().format("delta")
                .option("versionAsOf", version).load(dir.toString());
        for (String c : df.columns()) {
            if (LOG_VERSIONS.matcher(c).matches()) {
                df = df.drop(c);
            }
        }
        return rows(df, true);
    }

    /** {@code a} without one occurrence of each row of {@code b} (multisets). */
    private static List<String> minus(List<String> a, List<String> b) {
        Map<String, Integer> left = new HashMap<>();
        b.forEach(r -> left.merge(r, 1, Integer::sum));
        List<String> out = new ArrayList<>();
        for (String r : a) {
            if (left.getOrDefault(r, 0) > 0) {
                left.merge(r, -1, Integer::sum);
            } else {
                out.add(r);
            }
        }
        return out;
    }

    /** A JSON object's text with its keys sorted (Ingot writes some from maps whose order varies between runs). */
    private static String canonicalJson(String v) {
        if (!v.startsWith("{") && !v.startsWith("[")) {
            return v;
        }
        try {
            return JSON.writeValueAsString(JSON.treeToValue(JSON.readTree(v), Object.class));
        } catch (IOException | RuntimeException e) {
            return v;
        }
    }

    private static List<String> rows(org.apache.spark.sql.Dataset<Row> df, boolean stable) {
        String[] names = df.columns();
        int key = List.of(names).indexOf("key");
        List<String> out = new ArrayList<>();
        for (Row r : df.collectAsList()) {
            StringBuilder b = new StringBuilder();
            boolean volatileValue = key >= 0 && r.get(key) != null
                    && VOLATILE_KEYS.matcher(r.get(key).toString()).matches();
            for (int i = 0; i < names.length; i++) {
                if (stable && (VOLATILE.matcher(names[i]).matches()
                        || volatileValue && names[i].equals("value"))) {
                    continue;
                }
                String v = sparkValue(r.get(i));
                b.append(names[i]).append('=').append(stable ? UUID.matcher(canonicalJson(v)).replaceAll("<id>") : v)
                        .append(' ');
            }
            out.add(b.toString());
        }
        out.sort(null);
        return out;
    }

    private static String sparkValue(Object o) {
        if (o == null) {
            return "null";
        } else if (o instanceof java.sql.Timestamp ts) {
            Instant i = ts.toInstant();
            return "ts" + (i.getEpochSecond() * 1_000_000 + i.getNano() / 1000);
        } else if (o instanceof java.sql.Date d) {
            return "d" + d.toLocalDate().toEpochDay();
        } else if (o instanceof BigDecimal d) {
            return d.toPlainString();
        } else if (o instanceof byte[] bytes) {
            return HexFormat.of().formatHex(bytes);
        } else if (o instanceof Row row) {
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < row.length(); i++) {
                parts.add(sparkValue(row.get(i)));
            }
            return "{" + String.join(",", parts) + "}";
        } else if (o instanceof scala.collection.Map<?, ?> m) {
            Map<String, String> sorted = new TreeMap<>();
            JavaConverters.mapAsJavaMap(m).forEach((k, v) -> sorted.put(sparkValue(k), sparkValue(v)));
            return sorted.toString();
        } else if (o instanceof scala.collection.Seq<?> seq) {
            return JavaConverters.seqAsJavaList(seq).stream().map(CrashIT::sparkValue)
                    .collect(Collectors.joining(",", "[", "]"));
        }
        return String.valueOf(o);
    }

    /** The latest snapshot's rows as Delta Kernel reads them, formatted as {@link #rows} formats Spark's. */
    private List<String> kernelRows(Path dir) throws IOException {
        Table table = Table.forPath(kernel, dir.toString());
        Snapshot snap = table.getLatestSnapshot(kernel);
        StructType schema = snap.getSchema(kernel);
        Scan scan = snap.getScanBuilder(kernel).build();
        io.delta.kernel.data.Row state = scan.getScanState(kernel);
        StructType physical = ScanStateRow.getPhysicalDataReadSchema(kernel, state);
        List<String> out = new ArrayList<>();
        try (CloseableIterator<FilteredColumnarBatch> files = scan.getScanFiles(kernel)) {
            while (files.hasNext()) {
                try (CloseableIterator<io.delta.kernel.data.Row> scanFiles = files.next().getRows()) {
                    while (scanFiles.hasNext()) {
                        io.delta.kernel.data.Row scanFile = scanFiles.next();
                        FileStatus file = InternalScanFileUtils.getAddFileStatus(scanFile);
                        try (CloseableIterator<FilteredColumnarBatch> data = Scan.transformPhysicalData(kernel, state,
                                scanFile, kernel.getParquetHandler().readParquetFiles(
                                        io.delta.kernel.internal.util.Utils.singletonCloseableIterator(file),
                                        physical, Optional.empty()))) {
                            while (data.hasNext()) {
                                FilteredColumnarBatch batch = data.next();
                                Optional<ColumnVector> selected = batch.getSelectionVector();
                                for (int r = 0; r < batch.getData().getSize(); r++) {
                                    if (selected.isPresent() && (selected.get().isNullAt(r)
                                            || !selected.get().getBoolean(r))) {
                                        continue;
                                    }
                                    StringBuilder b = new StringBuilder();
                                    for (int c = 0; c < schema.length(); c++) {
                                        String name = schema.at(c).getName();
                                        ColumnVector v = batch.getData().getColumnVector(
                                                batch.getData().getSchema().indexOf(name));
                                        b.append(name).append('=').append(kernelValue(v, r)).append(' ');
                                    }
                                    out.add(b.toString());
                                }
                            }
                        }
                    }
                }
            }
        }
        out.sort(null);
        return out;
    }

    private static String kernelValue(ColumnVector v, int r) {
        if (v.isNullAt(r)) {
            return "null";
        }
        DataType t = v.getDataType();
        if (t instanceof StringType) {
            return v.getString(r);
        } else if (t instanceof LongType) {
            return String.valueOf(v.getLong(r));
        } else if (t instanceof IntegerType) {
            return String.valueOf(v.getInt(r));
        } else if (t instanceof ShortType) {
            return String.valueOf(v.getShort(r));
        } else if (t instanceof ByteType) {
            return String.valueOf(v.getByte(r));
        } else if (t instanceof DoubleType) {
            return String.valueOf(v.getDouble(r));
        } else if (t instanceof FloatType) {
            return String.valueOf(v.getFloat(r));
        } else if (t instanceof BooleanType) {
            return String.valueOf(v.getBoolean(r));
        } else if (t instanceof TimestampType || t instanceof TimestampNTZType) {
            return "ts" + v.getLong(r);
        } else if (t instanceof DateType) {
            return "d" + v.getInt(r);
        } else if (t instanceof DecimalType) {
            return v.getDecimal(r).toPlainString();
        } else if (t instanceof BinaryType) {
            return HexFormat.of().formatHex(v.getBinary(r));
        } else if (t instanceof ArrayType) {
            ArrayValue a = v.getArray(r);
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < a.getSize(); i++) {
                parts.add(kernelValue(a.getElements(), i));
            }
            return parts.stream().collect(Collectors.joining(",", "[", "]"));
        } else if (t instanceof MapType) {
            MapValue m = v.getMap(r);
            Map<String, String> sorted = new TreeMap<>();
            for (int i = 0; i < m.getSize(); i++) {
                sorted.put(kernelValue(m.getKeys(), i), kernelValue(m.getValues(), i));
            }
            return sorted.toString();
        } else if (t instanceof StructType s) {
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < s.length(); i++) {
                parts.add(kernelValue(v.getChild(i), r));
            }
            return "{" + String.join(",", parts) + "}";
        }
        throw new IllegalStateException("type " + t + " not compared");
    }

    private static String firstDiff(List<String> a, List<String> b) {
        if (b == null) {
            return ": no such table in the clean run";
        }
        Set<String> onlyA = new TreeSet<>(a);
        onlyA.removeAll(b);
        Set<String> onlyB = new TreeSet<>(b);
        onlyB.removeAll(a);
        return " (" + a.size() + " rows vs " + b.size() + "; only here: " + onlyA.stream().limit(2).toList()
                + "; only there: " + onlyB.stream().limit(2).toList() + ")";
    }

    private static String tail(String s) {
        return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
    }

    // ---- the project

    /**
     * The smallest project with all five jobs: raw.orders (1,200 orders an hour apart from 2026-01-01 over 17
     * customers, a few with a negative amount or no customer), a suite on it with policy quarantine, a feature view
     * (a day's spend) gated by a quarantining suite, and a logistic regression on it.
     */
    private static void write(Path project, String file, String text) throws IOException {
        Path p = project.resolve(file);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    static Path writeProject(Path p, Path warehouse) throws IOException {
        // A table killed in its creation is moved aside once its last commit is this old: 5 s, not the default 60 s,
        // so that the two re-runs that find one (training-set, score) do not wait 40 s each. The kill is over by then.
        write(p, "ingot.yaml", "name: crash\nwarehouse: " + warehouse + "\nspark:\n  conf:\n"
                + "    spark.ingot.catalog.creationWaitSeconds: 5\n");
        write(p, "sources/orders.yaml", "table: raw.orders\nevent_time: ts\n");
        write(p, "checks/orders.yaml", """
                table: raw.orders
                policy: quarantine
                checks:
                  - {kind: min, column: amount, min: 0, description: No negative amounts.}
                  - {kind: completeness, column: customer_id, min: 1.0, description: Every order has a customer.}
                """);
        write(p, "feature_views/spend.yaml", """
                source: orders
                entities: [customer_id]
                aggregations:
                  - {name: spend, function: sum, column: amount, windows: [1d]}
                checks: [spend]
                """);
        write(p, "checks/spend.yaml", """
                policy: quarantine
                checks:
                  - {kind: max, column: spend_1d, max: 250, description: Nobody spends more than 250 a day.}
                """);
        write(p, "models/crash.yaml", """
                spine: raw.orders
                timestamp: ts
                label: label
                features: [spend]
                algorithm:
                  type: logistic_regression
                  params: {maxIter: 10}
                test_window: 10d
                """);
        write(p, "setup.sql", """
                CREATE DATABASE IF NOT EXISTS raw;
                CREATE TABLE raw.orders USING delta AS SELECT id AS order_id,
                  CASE WHEN id % 97 = 5 THEN NULL ELSE CAST(id % 17 AS BIGINT) END AS customer_id,
                  timestamp_seconds(1767225600 + id * 3600) AS ts,
                  CASE WHEN id % 89 = 7 THEN -1.0 ELSE CAST(pmod(hash(id, 1), 100) AS DOUBLE) END AS amount,
                  CAST(pmod(hash(id, 1), 100) + pmod(hash(id, 3), 40) > 70 AS INT) AS label
                FROM range(1200);
                """);
        return p;
    }
}
