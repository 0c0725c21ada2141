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
import com.amazon.deequ.analyzers.CountDistinct;
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
import com.amazon.deequ.analyzers.Uniqueness;
import com.amazon.deequ.analyzers.runners.AnalysisRunner;
import com.amazon.deequ.metrics.DoubleMetric;
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

    /** Whether {@link #grouped} computes this analyzer. */
    static boolean supportsGrouped(Analyzer<?, ?> a) {
        Object o = a;
        return o instanceof Uniqueness || o instanceof CountDistinct;
    }

    /**
     * Uniqueness and distinct counts, one job per set of grouping columns: the rows with a non-null grouping column
     * are grouped (Deequ's frequencies), and one aggregation of the groups gives the row count, the distinct count
     * and the count of values seen once. Deequ's runner counts the rows in a scan of their own and aggregates the
     * frequencies in a job per analyzer. Metrics carry Deequ's names, instances and entities; when no row has a
     * grouping value, Deequ's runner decides (its failure metrics).
     */
    static Map<Analyzer<?, Metric<?>>, Metric<?>> grouped(Dataset<Row> data, Collection<Analyzer<?, Metric<?>>> analyzers) {
        Map<GroupKey, List<Analyzer<?, Metric<?>>>> sets = new LinkedHashMap<>();
        for (Analyzer<?, Metric<?>> a : analyzers) {
            Object o = a;
            GroupKey key;
            if (o instanceof Uniqueness u) {
                key = new GroupKey(scala.collection.JavaConverters.seqAsJavaList(u.columns()), u.where());
            } else if (o instanceof CountDistinct c) {
                key = new GroupKey(scala.collection.JavaConverters.seqAsJavaList(c.columns()), Option.empty());
            } else {
                throw new IllegalArgumentException("not computed by grouping here: " + a);
            }
            sets.computeIfAbsent(key, k -> new ArrayList<>()).add(a);
        }
        Map<Analyzer<?, Metric<?>>, Metric<?>> out = new LinkedHashMap<>();
        List<Analyzer<?, Metric<?>>> deequ = new ArrayList<>();
        StructType schema = data.schema();
        for (Map.Entry<GroupKey, List<Analyzer<?, Metric<?>>>> e : sets.entrySet()) {
            List<Analyzer<?, Metric<?>>> pending = new ArrayList<>();
            for (Analyzer<?, Metric<?>> a : e.getValue()) {
                Exception failed = precondition(a, schema);
                if (failed != null) {
                    out.put(a, a.toFailureMetric(failed));
                } else {
                    pending.add(a);
                }
            }
            if (pending.isEmpty()) {
                continue;
            }
            List<String> columns = e.getKey().columns();
            Column anyValue = functions.lit(false);
            for (String c : columns) {
                anyValue = anyValue.or(col(c).isNotNull());
            }
            Column[] groups = columns.stream().map(functions::col).toArray(Column[]::new);
            Dataset<Row> scope = e.getKey().where().isDefined() ? data.where(functions.expr(e.getKey().where().get())) : data;
            Row r = scope.select(groups).where(anyValue).groupBy(groups).agg(count(functions.lit(1)).as("n"))
                    .agg(functions.sum("n"), count(functions.lit(1)), functions.count_if(col("n").equalTo(1))).head();
            long numRows = r.isNullAt(0) ? 0 : r.getLong(0);
            if (numRows == 0) {
                deequ.addAll(pending);
                continue;
            }
            for (Analyzer<?, Metric<?>> a : pending) {
                double value = (Object) a instanceof Uniqueness ? r.getLong(2) / (double) numRows : r.getLong(1);
                Metric<?> named = a.toFailureMetric(new IllegalStateException("not computed"));
                out.put(a, new DoubleMetric(named.entity(), named.name(), named.instance(), new scala.util.Success<>(value),
                        Option.empty()));
            }
        }
        if (!deequ.isEmpty()) {
            out.putAll(scala.collection.JavaConverters.mapAsJavaMap(
                    AnalysisRunner.onData(data).addAnalyzers(Scala.list(deequ)).run().metricMap()));
        }
        return out;
    }

    private record GroupKey(List<String> columns, Option<String> where) {}

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
        Option<Exception> failed = com.amazon.deequ.analyzers.Preconditions.findFirstFailing(schema, a.preconditions());
        return failed.isDefined() ? failed.get() : null;
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
