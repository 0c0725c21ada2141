package dev.ingot.features.internal;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.InterpretedOrdering;
import org.apache.spark.sql.catalyst.expressions.InterpretedOrdering$;
import org.apache.spark.sql.types.DataType;
import scala.Function1;
import scala.collection.Seq;

/**
 * The merge step of {@link AsOfJoin}: one pass over a task's rows in the order of their sort key (time in
 * microseconds times two, plus one for spine rows: feature rows come before spine rows at equal times), keeping each
 * entity's latest feature row per view in a hash map.
 *
 * <p>Input rows are {@code [key_1 .. key_n, sort key, view, spine struct, feature struct per view, tie struct per view
 * that has one]}; each spine row comes out once as {@code [spine struct, time in microseconds, latest feature struct
 * per view or null]}. A feature struct starts with its time in microseconds. Of two feature rows of one entity and view
 * at the same time, the one whose tie values (the tie struct, else the feature struct) are greater in Spark's ordering
 * is kept, whatever order they came in.
 *
 * <p>The ttl is not checked here, only used to drop rows that no later spine row can use: the stream is in time
 * order, so a feature row at {@code f} with {@code f <= now - ttl} is stale for every row still to come. Memory: one
 * feature row per entity and view seen in the task and still within the ttl, on the heap.
 */
final class AsOfMerge implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    /** Below this many entities per task nothing is dropped: a sweep costs more than it saves. */
    private static final int MIN_SWEEP = 1 << 16;

    private final int keys;
    private final long[] ttlMicros;
    /** Per view: the type of the values that order ties (a tie struct or the feature struct). */
    private final List<DataType> tieTypes;

    /** Per view: whether its tie values come in a tie struct of their own (else the feature struct orders ties). */
    private final boolean[] ownTies;

    AsOfMerge(int keys, long[] ttlMicros, List<DataType> tieTypes, boolean[] ownTies) {
        this.keys = keys;
        this.ttlMicros = ttlMicros.clone();
        this.tieTypes = List.copyOf(tieTypes);
        this.ownTies = ownTies.clone();
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        return new Merge(input);
    }

    private final class Merge implements Iterator<Row> {
        private final Iterator<Row> input;
        private final Map<Object, Row[]> latest = new HashMap<>();
        private final int views = ttlMicros.length;
        private final int sort = keys;
        private final int view = keys + 1;
        private final int spine = keys + 2;
        private final int features = keys + 3;
        /** Per view: the input column of its tie struct, or -1 when its feature struct orders ties. */
        private final int[] tieColumn = new int[views];
        /** Per view: the tie values of the row kept in {@link #latest}, where one came with its own tie struct. */
        private final Map<Object, Row>[] keptTies;
        private Tie[] ties;
        private int sweepAt = MIN_SWEEP;
        private Row next;

        @SuppressWarnings("unchecked")
        Merge(Iterator<Row> input) {
            this.input = input;
            keptTies = new Map[views];
            int c = features + views;
            for (int v = 0; v < views; v++) {
                tieColumn[v] = ownTies[v] ? c++ : -1;
                keptTies[v] = ownTies[v] ? new HashMap<>() : null;
            }
        }

        @Override
        public boolean hasNext() {
            while (next == null && input.hasNext()) {
                Row r = input.next();
                if (r.isNullAt(sort)) {
                    next = emit(r, null, 0);
                    continue;
                }
                long sk = r.getLong(sort);
                long micros = sk >> 1;
                if ((sk & 1) == 0) {
                    int v = r.getInt(view);
                    Object key = key(r);
                    Row[] kept = latest.computeIfAbsent(key, k -> new Row[views]);
                    Row row = r.getStruct(features + v);
                    if (kept[v] == null || kept[v].getLong(0) != micros || greaterTie(v, key, kept[v], r, row)) {
                        kept[v] = row;
                        if (tieColumn[v] >= 0) {
                            keptTies[v].put(key, r.getStruct(tieColumn[v]));
                        }
                    }
                    if (latest.size() > sweepAt) {
                        sweep(micros);
                    }
                } else {
                    next = emit(r, key(r), micros);
                }
            }
            return next != null;
        }

        private Row emit(Row r, Object key, long micros) {
            Object[] out = new Object[2 + views];
            out[0] = r.get(spine);
            out[1] = r.isNullAt(sort) ? null : micros;
            Row[] found = key == null ? null : latest.get(key);
            if (found != null) {
                System.arraycopy(found, 0, out, 2, views);
            }
            return RowFactory.create(out);
        }

        /** Whether a feature row at the same time as the kept one wins the tie rule. */
        private boolean greaterTie(int v, Object key, Row kept, Row r, Row row) {
            if (ties == null) {
                ties = new Tie[views];
            }
            if (ties[v] == null) {
                ties[v] = new Tie(tieTypes.get(v));
            }
            if (tieColumn[v] < 0) {
                return ties[v].compare(row, kept) > 0;
            }
            return ties[v].compare(r.getStruct(tieColumn[v]), keptTies[v].get(key)) > 0;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Row r = next;
            next = null;
            return r;
        }

        /** The entity of a row, with Java equality matching Spark's; null when a key column is null. */
        private Object key(Row r) {
            if (keys == 1) {
                return r.isNullAt(0) ? null : normalize(r.get(0));
            }
            List<Object> k = new ArrayList<>(keys);
            for (int i = 0; i < keys; i++) {
                if (r.isNullAt(i)) {
                    return null;
                }
                k.add(normalize(r.get(i)));
            }
            return k;
        }

        /** Drops feature rows too old for any row to come (all rows to come are at {@code now} or later). */
        private void sweep(long now) {
            latest.entrySet().removeIf(e -> {
                Row[] rows = e.getValue();
                boolean any = false;
                for (int v = 0; v < views; v++) {
                    if (rows[v] != null) {
                        if (rows[v].getLong(0) <= now - ttlMicros[v]) {
                            rows[v] = null;
                            if (keptTies[v] != null) {
                                keptTies[v].remove(e.getKey());
                            }
                        } else {
                            any = true;
                        }
                    }
                }
                return !any;
            });
            sweepAt = Math.max(MIN_SWEEP, 2 * latest.size());
        }
    }

    /** Spark's ordering of one type (nulls first), on external values; built on the executor, used only on ties. */
    private static final class Tie {
        private final Function1<Object, Object> toCatalyst;
        private final InterpretedOrdering ordering;

        Tie(DataType type) {
            toCatalyst = CatalystTypeConverters.createToCatalystConverter(type);
            ordering = InterpretedOrdering$.MODULE$.forSchema(
                    scala.collection.JavaConverters.asScalaBuffer(List.of(type)).toSeq());
        }

        int compare(Row a, Row b) {
            return ordering.compare(new GenericInternalRow(new Object[] {toCatalyst.apply(a)}),
                    new GenericInternalRow(new Object[] {toCatalyst.apply(b)}));
        }
    }

    /**
     * A key value whose {@code equals}/{@code hashCode} agree with Spark's equality: binary by content, 0.0 equal to
     * -0.0, decimals by value, structs and arrays field by field.
     */
    static Object normalize(Object v) {
        if (v instanceof Double d) {
            return d == 0.0d ? 0.0d : d;
        }
        if (v instanceof Float f) {
            return f == 0.0f ? 0.0f : f;
        }
        if (v instanceof byte[] b) {
            return ByteBuffer.wrap(b);
        }
        if (v instanceof BigDecimal d) {
            return d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
        }
        if (v instanceof Row r) {
            List<Object> out = new ArrayList<>(r.length());
            for (int i = 0; i < r.length(); i++) {
                out.add(r.isNullAt(i) ? null : normalize(r.get(i)));
            }
            return out;
        }
        if (v instanceof Seq<?> s) {
            List<Object> out = new ArrayList<>(s.length());
            scala.collection.Iterator<?> it = s.iterator();
            while (it.hasNext()) {
                Object e = it.next();
                out.add(e == null ? null : normalize(e));
            }
            return out;
        }
        return v;
    }
}
