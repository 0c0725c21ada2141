package dev.ingot.features.internal;

import java.io.Serializable;
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
 * <p>Input rows are {@code [key_1 .. key_n, sort key, view (only when there are several), spine struct, each view's
 * features, the tie struct of each view that has one]}. Each spine row comes out once as {@code [spine struct, time in
 * microseconds, then per view: the time in microseconds and the features of its latest row, or nulls]}. Of two feature
 * rows of one entity and view at the same time, the one whose tie values (its tie struct, else its features) are
 * greater in Spark's ordering is kept, whatever order they came in.
 *
 * <p>The ttl is not checked here, only used to drop rows that no later spine row can use: the stream is in time
 * order, so a feature row at {@code f} with {@code f <= now - ttl} is stale for every row still to come. Memory: one
 * feature row per entity and view seen in the task and still within the ttl, on the heap.
 */
final class AsOfMerge implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    /** Below this many entities per task nothing is dropped: a sweep costs more than it saves. */
    private static final int MIN_SWEEP = 1 << 16;

    /**
     * One view of the stream.
     *
     * @param width how many value columns it has (its features)
     * @param ttlMicros its ttl
     * @param tieType the type of the values that order its ties: its tie struct's, else a struct of its features
     * @param ownTie whether it has a tie struct column
     */
    record View(int width, long ttlMicros, DataType tieType, boolean ownTie) implements Serializable {}

    private final int keys;
    private final View[] views;

    AsOfMerge(int keys, View[] views) {
        this.keys = keys;
        this.views = views.clone();
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        return new Merge(input);
    }

    private final class Merge implements Iterator<Row> {
        private final Iterator<Row> input;
        /** Per entity, per view: the input row that is its latest so far. */
        private final Map<Object, Row[]> latest = new HashMap<>();
        private final int n = views.length;
        private final int sort = keys;
        /** With one view there is no view column. */
        private final int view = n > 1 ? keys + 1 : -1;
        private final int spine = n > 1 ? keys + 2 : keys + 1;
        /** Per view: its first feature column, and its tie struct column or -1. */
        private final int[] first = new int[n];
        private final int[] tie = new int[n];
        private final int outWidth;
        private Tie[] ties;
        private int sweepAt = MIN_SWEEP;
        private Row next;

        Merge(Iterator<Row> input) {
            this.input = input;
            int c = spine + 1;
            for (int v = 0; v < n; v++) {
                first[v] = c;
                c += views[v].width();
            }
            outWidth = 2 + n + c - (spine + 1);
            for (int v = 0; v < n; v++) {
                tie[v] = views[v].ownTie() ? c++ : -1;
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
                    int v = view < 0 ? 0 : r.getInt(view);
                    Row[] kept = latest.computeIfAbsent(key(r), k -> new Row[n]);
                    if (kept[v] == null || micros(kept[v]) != micros || greaterTie(v, r, kept[v])) {
                        kept[v] = r;
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
            Object[] out = new Object[outWidth];
            out[0] = r.get(spine);
            out[1] = r.isNullAt(sort) ? null : micros;
            Row[] found = key == null ? null : latest.get(key);
            if (found != null) {
                int o = 2;
                for (int v = 0; v < n; v++) {
                    Row f = found[v];
                    out[o++] = f == null ? null : micros(f);
                    for (int i = 0; i < views[v].width(); i++) {
                        out[o++] = f == null ? null : f.get(first[v] + i);
                    }
                }
            }
            return RowFactory.create(out);
        }

        /** The time of an input row, in microseconds. */
        private long micros(Row r) {
            return r.getLong(sort) >> 1;
        }

        /** Whether feature row {@code r} of view {@code v}, at the same time as {@code kept}, wins the tie rule. */
        private boolean greaterTie(int v, Row r, Row kept) {
            if (ties == null) {
                ties = new Tie[n];
            }
            if (ties[v] == null) {
                ties[v] = new Tie(views[v].tieType());
            }
            return ties[v].compare(tieValues(v, r), tieValues(v, kept)) > 0;
        }

        private Row tieValues(int v, Row r) {
            if (tie[v] >= 0) {
                return r.getStruct(tie[v]);
            }
            Object[] values = new Object[views[v].width()];
            for (int i = 0; i < values.length; i++) {
                values[i] = r.get(first[v] + i);
            }
            return RowFactory.create(values);
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
            latest.values().removeIf(rows -> {
                boolean any = false;
                for (int v = 0; v < n; v++) {
                    if (rows[v] != null) {
                        if (micros(rows[v]) <= now - views[v].ttlMicros()) {
                            rows[v] = null;
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
