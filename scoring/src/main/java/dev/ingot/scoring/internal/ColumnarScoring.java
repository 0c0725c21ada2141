package dev.ingot.scoring.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Alias;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.ExprId;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.execution.ColumnarToRowExec;
import org.apache.spark.sql.execution.FileSourceScanExec;
import org.apache.spark.sql.execution.FilterExec;
import org.apache.spark.sql.execution.InputAdapter;
import org.apache.spark.sql.execution.ProjectExec;
import org.apache.spark.sql.execution.RDDScanExec;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.WholeStageCodegenExec;
import org.apache.spark.sql.execution.datasources.v2.BatchScanExec;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import scala.collection.JavaConverters;

/**
 * The columnar scoring path, on the driver: decides whether a scoring input can be read as column batches, and builds
 * the scored Dataset from them.
 *
 * <p>An input qualifies when its executed plan is a columnar file scan (Parquet or Delta with Spark's vectorized
 * reader: {@code ColumnarToRow(FileScan)}, or a DataSource V2 batch scan), optionally under a projection that only
 * selects or renames columns; or when it is (a selection of) the output of another columnar scoring, so that a shadow
 * model and the main model score the same batches in one pass. Anything else that stays in the plan (a filter, a
 * UDF, a computed column, Delta's deletion-vector filter, RAPIDS' GPU operators) keeps the row path.
 *
 * <p>The scored Dataset is a {@code LogicalRDD} over the scored batches' rows (each a view of the batch, projected to
 * an {@code UnsafeRow} by Spark's scan of the RDD), with the row path's schema.
 */
public final class ColumnarScoring {
    /** Row RDDs made here, each with the column batches it views: lets a chained scoring take the batches. */
    private static final Map<RDD<?>, RDD<ColumnarBatch>> SCORED = Collections.synchronizedMap(new WeakHashMap<>());

    private ColumnarScoring() {}

    /**
     * Where a scoring input's column batches come from, or why there are none.
     *
     * @param batches the column batches, or null
     * @param passThrough for each column of the input, its ordinal in the batches
     * @param whyNot why the input is not columnar (null when it is)
     */
    public record Source(RDD<ColumnarBatch> batches, int[] passThrough, String whyNot) {
        /** Whether the columnar path can score the input. */
        public boolean columnar() {
            return batches != null;
        }

        static Source not(String why) {
            return new Source(null, null, why);
        }
    }

    /** Where the input's column batches come from, or why it has none. */
    public static Source source(Dataset<Row> input) {
        SparkPlan p = strip(input.queryExecution().executedPlan());
        List<Attribute> output = list(p.output());
        List<NamedExpression> projection = null;
        if (p instanceof ProjectExec project) {
            projection = list(project.projectList());
            p = strip(project.child());
        }
        RDD<ColumnarBatch> batches;
        List<Attribute> columns;
        if (p instanceof ColumnarToRowExec c2r) {
            SparkPlan scan = strip(c2r.child());
            if (!(scan instanceof FileSourceScanExec || scan instanceof BatchScanExec) || !scan.supportsColumnar()) {
                return Source.not("its column batches come from " + scan.nodeName() + ", not a file scan");
            }
            batches = scan.executeColumnar();
            columns = list(scan.output());
        } else if (p instanceof RDDScanExec rdd && SCORED.containsKey(rdd.rdd())) {
            batches = SCORED.get(rdd.rdd());
            columns = list(rdd.output());
        } else if (p instanceof FilterExec) {
            return Source.not("a filter stays in its plan (e.g. rows left out by --nulls quarantine, or Delta's"
                    + " deletion vectors)");
        } else if (p instanceof FileSourceScanExec) {
            return Source.not("its file scan reads rows, not column batches (a format or column types Spark's vectorized"
                    + " reader does not take, or spark.sql.parquet.enableVectorizedReader=false)");
        } else {
            return Source.not("its plan computes it with " + p.nodeName() + ", not a columnar file scan under a"
                    + " selection of columns");
        }
        int[] passThrough = new int[output.size()];
        for (int i = 0; i < passThrough.length; i++) {
            Object e = projection == null ? output.get(i) : projection.get(i);
            if (e instanceof Alias alias) {
                e = alias.child();
            }
            if (!(e instanceof AttributeReference ref)) {
                return Source.not("its column '" + output.get(i).name() + "' is computed (" + ((Expression) e).sql() + ")");
            }
            passThrough[i] = ordinal(columns, ref.exprId());
            if (passThrough[i] < 0) {
                return Source.not("its column '" + output.get(i).name() + "' is not one of the scan's");
            }
        }
        return new Source(batches, passThrough, null);
    }

    /**
     * The input's rows with the model's outputs appended, scored from its column batches.
     *
     * @param schema the scored rows' schema: the input's columns, then {@code appended}
     */
    public static Dataset<Row> score(Dataset<Row> input, Source source, Broadcast<byte[]> model, ScoringPlan plan,
                                     StructType appended, StructType schema, LatencyAccumulator latencies) {
        JavaRDD<ColumnarBatch> scored = source.batches().toJavaRDD().mapPartitions(
                new ColumnarBatchScorer(model, plan, source.passThrough(), appended, latencies));
        RDD<InternalRow> rows = scored.flatMap(new Rows()).rdd();
        SCORED.put(rows, scored.rdd());
        return input.sparkSession().internalCreateDataFrame(rows, schema, false);
    }

    /** A batch's rows: views of the batch, read (and copied by Spark's scan) before the next batch is asked for. */
    private static final class Rows implements FlatMapFunction<ColumnarBatch, InternalRow> {
        private static final long serialVersionUID = 1L;

        @Override
        public Iterator<InternalRow> call(ColumnarBatch batch) {
            return batch.rowIterator();
        }
    }

    private static SparkPlan strip(SparkPlan p) {
        while (true) {
            if (p instanceof WholeStageCodegenExec w) {
                p = w.child();
            } else if (p instanceof InputAdapter a) {
                p = a.child();
            } else {
                return p;
            }
        }
    }

    private static int ordinal(List<Attribute> columns, ExprId id) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).exprId().equals(id)) {
                return i;
            }
        }
        return -1;
    }

    private static <T> List<T> list(scala.collection.Seq<T> seq) {
        return new ArrayList<>(JavaConverters.seqAsJavaList(seq));
    }
}
