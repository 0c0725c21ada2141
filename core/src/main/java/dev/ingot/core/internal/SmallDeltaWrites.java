package dev.ingot.core.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.DeltaOperations;
import org.apache.spark.sql.delta.OptimisticTransaction;
import org.apache.spark.sql.delta.actions.Action;
import org.apache.spark.sql.delta.actions.AddFile;
import org.apache.spark.sql.delta.actions.FileAction;
import org.apache.spark.sql.delta.actions.RemoveFile;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * Keyed writes of a few rows to a small Delta table, each one Delta transaction that reads the whole table: the rows
 * are read by Delta Kernel at the transaction's read version ({@link SmallDeltaTables}, no Spark job), the new rows are
 * written by one Spark write job, and the commit conflicts with any other writer that changed the table since (Delta's
 * optimistic concurrency: a concurrent insert of the same key makes this commit fail, and the caller's
 * {@link DeltaConflicts#retry} reads again). A MERGE or UPDATE gives the same guarantees, but plans a join and runs a
 * scan of the table, two to four Spark jobs for a row or two: most of a registry call's time in the local tracking
 * store.
 *
 * <p>Keys and rows are positional, in the table's column order, as {@link SmallDeltaTables} returns them; inserted
 * rows must have the table's columns in that order. Updates rewrite the table's rows into one file (these tables hold
 * hundreds to thousands of rows): a reader sees the version before or after, never a mix.
 *
 * <pre>{@code
 * SmallDeltaTables tables = SmallDeltaTables.of(spark.sparkContext().hadoopConfiguration());
 * SmallDeltaWrites writes = SmallDeltaWrites.of(spark, tables);
 * long added = writes.insertAbsent(location, schema, rows, r -> List.of(r.get(0)));   // 0 when the name was taken
 * writes.update(location, r -> r.get(0).equals(runId), r -> withStatus(r, "FINISHED"));
 * }</pre>
 */
public final class SmallDeltaWrites {
    private final SparkSession spark;
    private final SmallDeltaTables tables;

    private SmallDeltaWrites(SparkSession spark, SmallDeltaTables tables) {
        this.spark = spark;
        this.tables = tables;
    }

    /** Writes through {@code spark}, reading with {@code tables}. */
    public static SmallDeltaWrites of(SparkSession spark, SmallDeltaTables tables) {
        return new SmallDeltaWrites(spark, tables);
    }

    /**
     * Appends the rows whose key no row of the table has (nor an earlier row of {@code rows}), in one transaction; no
     * commit when there are none.
     *
     * @return how many rows were inserted
     * @throws RuntimeException Delta's {@code Concurrent*} exception when another writer committed to the table first
     */
    public long insertAbsent(String location, StructType schema, List<Row> rows, Function<Row, ?> key) {
        OptimisticTransaction txn = begin(location);
        Set<Object> taken = new HashSet<>();
        tables.read(location, txn.readVersion()).rows().forEach(r -> taken.add(key.apply(r)));
        List<Row> fresh = rows.stream().filter(r -> taken.add(key.apply(r))).toList();
        if (fresh.isEmpty()) {
            return 0;
        }
        commit(txn, List.of(), spark.createDataFrame(fresh, schema), SaveMode.Append);
        return fresh.size();
    }

    /**
     * Inserts {@code rows}, replacing the table's row of the same key where there is one, in one transaction.
     *
     * @throws RuntimeException Delta's {@code Concurrent*} exception when another writer committed to the table first
     */
    public void upsert(String location, List<Row> rows, Function<Row, ?> key) {
        OptimisticTransaction txn = begin(location);
        SmallDeltaTables.Contents before = tables.read(location, txn.readVersion());
        Map<Object, Row> all = new LinkedHashMap<>();
        before.rows().forEach(r -> all.put(key.apply(r), r));
        rows.forEach(r -> all.put(key.apply(r), r));
        rewrite(txn, before, new ArrayList<>(all.values()));
    }

    /**
     * Replaces each row that {@code where} keeps by {@code change} of it, in one transaction; no commit when no row is
     * kept.
     *
     * @return how many rows were changed
     * @throws RuntimeException Delta's {@code Concurrent*} exception when another writer committed to the table first
     */
    public long update(String location, Predicate<Row> where, UnaryOperator<Row> change) {
        OptimisticTransaction txn = begin(location);
        SmallDeltaTables.Contents before = tables.read(location, txn.readVersion());
        List<Row> rows = new ArrayList<>(before.rows());
        long changed = 0;
        for (int i = 0; i < rows.size(); i++) {
            if (where.test(rows.get(i))) {
                rows.set(i, change.apply(rows.get(i)));
                changed++;
            }
        }
        if (changed > 0) {
            rewrite(txn, before, rows);
        }
        return changed;
    }

    /**
     * Removes the rows that {@code where} keeps, in one transaction; no commit when it keeps none.
     *
     * @return how many rows were removed
     * @throws RuntimeException Delta's {@code Concurrent*} exception when another writer committed to the table first
     */
    public long delete(String location, Predicate<Row> where) {
        OptimisticTransaction txn = begin(location);
        SmallDeltaTables.Contents before = tables.read(location, txn.readVersion());
        List<Row> kept = before.rows().stream().filter(where.negate()).toList();
        if (kept.size() < before.rows().size()) {
            rewrite(txn, before, kept);
        }
        return before.rows().size() - kept.size();
    }

    private OptimisticTransaction begin(String location) {
        OptimisticTransaction txn = DeltaLog.forTable(spark, location).startTransaction();
        // Any file another writer adds or removes from here on makes this commit fail, as a MERGE's read does.
        txn.readWholeTable();
        return txn;
    }

    /** Replaces every file of the version read ({@code before}) by one holding {@code rows}. */
    private void rewrite(OptimisticTransaction txn, SmallDeltaTables.Contents before, List<Row> rows) {
        List<Action> removes = new ArrayList<>();
        long now = System.currentTimeMillis();
        if (before.files().stream().anyMatch(SmallDeltaTables.DataFile::deletionVector)) {
            // A remove must carry the file's deletion vector: take the actions from Delta's own state (a Spark job).
            for (AddFile f : JavaConverters.seqAsJavaList(txn.filterFiles())) {
                removes.add(f.removeWithTimestamp(now, true));
            }
        } else {
            // The files Kernel read at the transaction's version: the same as Delta's state there, without its job.
            for (SmallDeltaTables.DataFile f : before.files()) {
                removes.add(new RemoveFile(f.path(), Option.apply(now), true, Option.apply(true),
                        scalaMap(f.partitionValues()), Option.apply(f.size()), scalaMap(Map.of()), null, Option.empty(),
                        Option.empty(), null));
            }
        }
        commit(txn, removes, spark.createDataFrame(rows, txn.metadata().schema()), SaveMode.Overwrite);
    }

    private static scala.collection.immutable.Map<String, String> scalaMap(Map<String, String> map) {
        scala.collection.immutable.Map<String, String> out = scala.collection.immutable.Map$.MODULE$.empty();
        for (Map.Entry<String, String> e : map.entrySet()) {
            out = out.updated(e.getKey(), e.getValue());
        }
        return out;
    }

    private static void commit(OptimisticTransaction txn, List<Action> removes,
                               org.apache.spark.sql.Dataset<Row> data, SaveMode mode) {
        List<Action> actions = new ArrayList<>(removes);
        for (FileAction a : JavaConverters.seqAsJavaList(txn.writeFiles(data.coalesce(1)))) {
            actions.add(a);
        }
        Seq<Action> seq = JavaConverters.asScalaBuffer(actions).toSeq();
        txn.commit(seq, new DeltaOperations.Write(mode, Option.empty(), Option.empty(), Option.empty()));
    }
}
