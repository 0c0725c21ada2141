package dev.ingot.validation.internal;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.var_pop;

import com.amazon.deequ.analyzers.Analyzer;
import com.amazon.deequ.analyzers.Analyzers$;
import com.amazon.deequ.analyzers.ApproxQuantile;
import com.amazon.deequ.analyzers.ApproxQuantileState;
import com.amazon.deequ.analyzers.Completeness;
import com.amazon.deequ.analyzers.Compliance;
import com.amazon.deequ.analyzers.MaxState;
import com.amazon.deequ.analyzers.Maximum;
import com.amazon.deequ.analyzers.Mean;
import com.amazon.deequ.analyzers.MinState;
import com.amazon.deequ.analyzers.Minimum;
import com.amazon.deequ.analyzers.ScanShareableAnalyzer;
import com.amazon.deequ.analyzers.Size;
import com.amazon.deequ.analyzers.StandardDeviation;
import com.amazon.deequ.analyzers.StandardDeviationState;
import com.amazon.deequ.analyzers.State;
import com.amazon.deequ.metrics.Metric;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.catalyst.expressions.aggregate.ApproximatePercentile;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Option;

/**
 * Deequ's scan-shareable analyzers (size, completeness, compliance, minimum, maximum, mean, standard deviation and
 * approximate quantiles) computed in one code-generated Spark aggregation, with Deequ's own states and metrics.
 *
 * <p>Deequ's runner computes the same metrics in one aggregation too, but some of its aggregate expressions cost more
 * than the metric needs (minimum and maximum build an array per row for row-level outcomes, which Ingot does not
 * use), and an approximate quantile is a typed imperative aggregate, which turns the whole aggregation into an
 * interpreted object-hash aggregation. Here completeness, compliance, size and mean use Deequ's aggregate
 * expressions and Deequ's {@code fromAggregationResult}; minimum, maximum and standard deviation use Spark's native
 * aggregates of the same selection ({@code conditionalSelection(column, where)}) and build Deequ's states from them;
 * each quantile column is summarized by a {@link QuantileAccumulator} in the same scan. Every metric then comes from
 * the analyzer's own {@code computeMetricFrom}, so names, values and failures (an empty state, a failed
 * precondition) are Deequ's.
 */
final class SharedScan {
    private SharedScan() {}

    /** Whether {@link #run} computes this analyzer. */
    static boolean supports(Analyzer<?, ?> a) {
        Object o = a;
        return o instanceof Size || o instanceof Completeness || o instanceof Compliance || o instanceof Minimum
                || o instanceof Maximum || o instanceof Mean || o instanceof StandardDeviation || o instanceof ApproxQuantile;
    }

    /** The metric of each analyzer (every one {@link #supports supported}) over {@code data}, in one scan. */
    static Map<Analyzer<?, Metric<?>>, Metric<?>> run(Dataset<Row> data, Collection<Analyzer<?, Metric<?>>> analyzers) {
        Map<Analyzer<?, Metric<?>>, Metric<?>> out = new LinkedHashMap<>();
        StructType schema = data.schema();
        List<Column> aggregates = new ArrayList<>();
        List<Column> sketched = new ArrayList<>();
        Map<Analyzer<?, Metric<?>>, Integer> offsets = new LinkedHashMap<>();
        Map<QuantileKey, QuantileAccumulator> sketches = new LinkedHashMap<>();
        for (Analyzer<?, Metric<?>> a : analyzers) {
            if (!supports(a)) {
                throw new IllegalArgumentException("not computed in the shared scan: " + a);
            }
            Exception failed = precondition(a, schema);
            if (failed != null) {
                out.put(a, a.toFailureMetric(failed));
                continue;
            }
            offsets.put(a, aggregates.size());
            Object o = a;
            if (o instanceof Minimum m) {
                aggregates.add(min(selection(m.column(), m.where()).cast(DataTypes.DoubleType)));
            } else if (o instanceof Maximum m) {
                aggregates.add(max(selection(m.column(), m.where()).cast(DataTypes.DoubleType)));
            } else if (o instanceof StandardDeviation s) {
                Column x = selection(s.column(), s.where()).cast(DataTypes.DoubleType);
                aggregates.add(count(x));
                aggregates.add(avg(x));
                aggregates.add(var_pop(x));
            } else if (o instanceof ApproxQuantile q) {
                QuantileKey key = new QuantileKey(q.column(), q.where(), q.relativeError());
                if (!sketches.containsKey(key)) {
                    QuantileAccumulator acc = new QuantileAccumulator(q.relativeError());
                    data.sparkSession().sparkContext().register(acc, "ingot approximate quantiles of " + q.column());
                    String name = "__ingot_quantile_" + sketches.size();
                    sketched.add(sketch(acc).apply(selection(q.column(), q.where()).cast(DataTypes.DoubleType)).as(name));
                    aggregates.add(count(col(name)));
                    sketches.put(key, acc);
                }
            } else {
                aggregates.addAll(scala.collection.JavaConverters.seqAsJavaList(((ScanShareableAnalyzer<?, ?>) o).aggregationFunctions()));
            }
        }
        if (offsets.isEmpty()) {
            return out;
        }
        Dataset<Row> input = data;
        if (!sketched.isEmpty()) {
            List<Column> projection = new ArrayList<>();
            projection.add(col("*"));
            projection.addAll(sketched);
            input = data.select(projection.toArray(Column[]::new));
        }
        Row result = input.agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(Column[]::new)).head();
        for (Map.Entry<Analyzer<?, Metric<?>>, Integer> e : offsets.entrySet()) {
            Analyzer<?, Metric<?>> a = e.getKey();
            try {
                out.put(a, metric(a, state(a, result, e.getValue(), sketches)));
            } catch (RuntimeException ex) {
                out.put(a, a.toFailureMetric(ex));
            }
        }
        return out;
    }

    private record QuantileKey(String column, Option<String> where, double relativeError) {}

    private static Column selection(String column, Option<String> where) {
        return Analyzers$.MODULE$.conditionalSelection(column, where);
    }

    /** Adds each value to the accumulator; non-deterministic so that Spark evaluates it exactly once per row. */
    private static UserDefinedFunction sketch(QuantileAccumulator acc) {
        UDF1<Double, Boolean> add = v -> {
            if (v != null) {
                acc.add(v.doubleValue());
            }
            return Boolean.TRUE;
        };
        return functions.udf(add, DataTypes.BooleanType).asNondeterministic();
    }

    private static Exception precondition(Analyzer<?, Metric<?>> a, StructType schema) {
        scala.collection.Iterator<scala.Function1<StructType, scala.runtime.BoxedUnit>> it = a.preconditions().iterator();
        while (it.hasNext()) {
            try {
                it.next().apply(schema);
            } catch (Exception e) {
                return e;
            }
        }
        return null;
    }

    private static Option<?> state(Analyzer<?, Metric<?>> a, Row r, int at, Map<QuantileKey, QuantileAccumulator> sketches) {
        Object o = a;
        if (o instanceof Minimum) {
            return r.isNullAt(at) ? Option.empty() : Option.apply(new MinState(r.getDouble(at), Option.empty()));
        }
        if (o instanceof Maximum) {
            return r.isNullAt(at) ? Option.empty() : Option.apply(new MaxState(r.getDouble(at), Option.empty()));
        }
        if (o instanceof StandardDeviation) {
            long n = r.getLong(at);
            if (n == 0) {
                return Option.empty();
            }
            double mean = r.getDouble(at + 1);
            return Option.apply(new StandardDeviationState(n, mean, r.getDouble(at + 2) * n));
        }
        if (o instanceof ApproxQuantile q) {
            QuantileAccumulator acc = Objects.requireNonNull(sketches.get(new QuantileKey(q.column(), q.where(), q.relativeError())));
            return acc.value().<Option<?>>map(s -> Option.apply(new ApproxQuantileState(new ApproximatePercentile.PercentileDigest(s))))
                    .orElse(Option.empty());
        }
        return ((ScanShareableAnalyzer<?, ?>) o).fromAggregationResult(r, at);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Metric<?> metric(Analyzer<?, Metric<?>> a, Option<?> state) {
        return (Metric<?>) ((Analyzer) a).computeMetricFrom((Option<State<?>>) (Option) state);
    }
}
