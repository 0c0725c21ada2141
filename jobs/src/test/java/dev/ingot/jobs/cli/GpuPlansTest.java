package dev.ingot.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading RAPIDS' explain text (as ExplainPlan printed it for the retail demo's views) into operators. No Spark. */
class GpuPlansTest {
    private static final String EXPLAIN = """
            !Exec <ObjectHashAggregateExec> cannot run on GPU because not all expressions can be replaced
              @Expression <AttributeReference> customer_id#1L could run on GPU
              ! <HllSketchEstimate> hll_sketch_estimate(x#248) cannot run on GPU because GPU does not currently support the operator class org.apache.spark.sql.catalyst.expressions.HllSketchEstimate
              !Exec <ShuffleExchangeExec> cannot run on GPU because Columnar exchange without columnar children is inefficient
                @Partitioning <HashPartitioning> could run on GPU
                *Exec <ProjectExec> will run on GPU
                  *Expression <Alias> (id#0L % 3) AS k#2L will run on GPU
                  !Exec <FileSourceScanExec> cannot run on GPU because unsupported file format: org.apache.spark.sql.delta.DeltaParquetFileFormat

            """;

    @Test
    void operatorsAreTheExecNodesWithTheirReasonAndTheExpressionsThatKeepThemOff() {
        List<GpuPlans.Operator> ops = GpuPlans.parse(EXPLAIN);
        assertThat(ops).containsExactly(
                new GpuPlans.Operator("ObjectHashAggregateExec", false, "not all expressions can be replaced",
                        List.of("HllSketchEstimate: GPU does not currently support the operator class "
                                + "org.apache.spark.sql.catalyst.expressions.HllSketchEstimate")),
                new GpuPlans.Operator("ShuffleExchangeExec", false, "Columnar exchange without columnar children is inefficient",
                        List.of()),
                new GpuPlans.Operator("ProjectExec", true, "", List.of()),
                new GpuPlans.Operator("FileSourceScanExec", false,
                        "unsupported file format: org.apache.spark.sql.delta.DeltaParquetFileFormat", List.of()));
        GpuPlans.QueryPlan plan = new GpuPlans.QueryPlan("features materialize --view v", ops, EXPLAIN);
        assertThat(plan.onGpu()).isEqualTo(1);
        assertThat(plan.share()).isEqualTo(0.25);
        assertThat(GpuPlans.parse("no plan here\n")).isEmpty();
    }

    /** As RAPIDS printed the retail demo's training set (point-in-time join) and its tiles' aggregations. */
    private static final String TYPED_AND_NOTED = """
            *Exec <ProjectExec> will run on GPU
              ! <SerializeFromObjectExec> cannot run on GPU because not all expressions can be replaced; GPU does not currently support the operator class org.apache.spark.sql.execution.SerializeFromObjectExec
                ! <Invoke> invoke(x) cannot run on GPU because GPU does not currently support the operator class org.apache.spark.sql.catalyst.expressions.objects.Invoke
                ! <MapPartitionsExec> cannot run on GPU because GPU does not currently support the operator class org.apache.spark.sql.execution.MapPartitionsExec; not all expressions can be replaced
                  *Exec <ObjectHashAggregateExec> will run on GPU. The data type of following expressions will be converted in GPU runtime: buf#1255: Converted BinaryType to ArrayType(LongType,false)
                    @Expression <AttributeReference> buf#1255 could run on GPU
            """;

    @Test
    void typedDatasetOperatorsRapidsDoesNotKnowCountOffTheGpuAndANotedVerdictCountsOn() {
        assertThat(GpuPlans.parse(TYPED_AND_NOTED)).containsExactly(
                new GpuPlans.Operator("ProjectExec", true, "", List.of()),
                new GpuPlans.Operator("SerializeFromObjectExec", false, "not all expressions can be replaced; GPU does "
                        + "not currently support the operator class org.apache.spark.sql.execution.SerializeFromObjectExec",
                        List.of("Invoke: GPU does not currently support the operator class "
                                + "org.apache.spark.sql.catalyst.expressions.objects.Invoke")),
                new GpuPlans.Operator("MapPartitionsExec", false, "GPU does not currently support the operator class "
                        + "org.apache.spark.sql.execution.MapPartitionsExec; not all expressions can be replaced", List.of()),
                new GpuPlans.Operator("ObjectHashAggregateExec", true, "", List.of()));
    }

    @Test
    void theTextReportHasTheShareAndEveryOperatorOffTheGpu() {
        GpuPlans.QueryPlan plan = new GpuPlans.QueryPlan("features materialize --view v", GpuPlans.parse(EXPLAIN), EXPLAIN);
        String text = GpuReportCommand.text("p", List.of(plan),
                List.of(new GpuReportCommand.NotCovered("score --model m", "not built yet")));
        assertThat(text).contains("  features materialize --view v          4       1    25%")
                .contains("  ObjectHashAggregateExec: not all expressions can be replaced\n"
                        + "      HllSketchEstimate: GPU does not currently support")
                .contains("Not covered:\n  score --model m: not built yet");
    }

    /** What RAPIDS prints of a scoring query: classes it does not know have no kind ("! <MapPartitionsExec>"). */
    private static final String SCORING = """
            *Exec <ProjectExec> will run on GPU
              ! <SerializeFromObjectExec> cannot run on GPU because not all expressions can be replaced; GPU does not currently support the operator class org.apache.spark.sql.execution.SerializeFromObjectExec
                ! <Invoke> assertnotnull(input[0, org.apache.spark.sql.Row, true]).isNullAt cannot run on GPU because GPU does not currently support the operator class org.apache.spark.sql.catalyst.expressions.objects.Invoke
                ! <MapPartitionsExec> cannot run on GPU because GPU does not currently support the operator class org.apache.spark.sql.execution.MapPartitionsExec; not all expressions can be replaced
                  ! <DeserializeToObjectExec> cannot run on GPU because not all expressions can be replaced; GPU does not currently support the operator class org.apache.spark.sql.execution.DeserializeToObjectExec
                    !Exec <FileSourceScanExec> cannot run on GPU because unsupported file format: org.apache.spark.sql.delta.DeltaParquetFileFormat
            """;

    @Test
    void operatorsRapidsDoesNotKnowCountAndInferenceIsListedApart() {
        GpuPlans.QueryPlan plan = new GpuPlans.QueryPlan("score", GpuPlans.parse(SCORING), SCORING);
        assertThat(plan.operators()).extracting(GpuPlans.Operator::name).containsExactly("ProjectExec",
                "SerializeFromObjectExec", "MapPartitionsExec", "DeserializeToObjectExec", "FileSourceScanExec");
        assertThat(plan.operators().get(1).causes()).as("the expression under it, not an operator")
                .containsExactly("Invoke: GPU does not currently support the operator class "
                        + "org.apache.spark.sql.catalyst.expressions.objects.Invoke");
        GpuPlans.QueryPlan split = plan.withInference();
        assertThat(split.operators()).extracting(GpuPlans.Operator::name).containsExactly("ProjectExec", "FileSourceScanExec");
        assertThat(split.inference()).extracting(GpuPlans.Operator::name)
                .containsExactly("SerializeFromObjectExec", "MapPartitionsExec", "DeserializeToObjectExec");
        assertThat(split.share()).isEqualTo(0.5);
        assertThat(GpuReportCommand.text("p", List.of(split), List.of()))
                .contains("Inference in score: SerializeFromObjectExec, MapPartitionsExec, DeserializeToObjectExec\n  "
                        + GpuReportCommand.INFERENCE_NOTE);
    }
}
