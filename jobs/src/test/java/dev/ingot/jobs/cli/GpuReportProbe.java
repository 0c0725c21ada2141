package dev.ingot.jobs.cli;

import static org.apache.spark.sql.functions.callUDF;
import static org.apache.spark.sql.functions.col;

import dev.ingot.jobs.IngotMain;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;

/**
 * Run by {@link GpuReportTest} through SparkSubmit with the RAPIDS jar in {@code --jars}, as bin/ingot runs Ingot:
 * {@code gpu-report --format json} on a project (its output to args[0]), then a query with a Java UDF, which RAPIDS
 * cannot run on a GPU, explained the same way (to args[1]). Arguments after the two files are gpu-report's.
 */
public final class GpuReportProbe {
    private GpuReportProbe() {}

    public static void main(String[] args) throws Exception {
        String[] report = java.util.Arrays.copyOfRange(args, 2, args.length);
        int code;
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(Path.of(args[0]), StandardCharsets.UTF_8))) {
            code = IngotMain.run(out, new PrintWriter(System.err, true), report);
        }
        if (code != 0) {
            System.exit(code);
        }
        SparkSession spark = SparkSession.active();
        spark.udf().register("risk_score", (UDF1<Double, Double>) a -> a == null ? null : Math.log1p(a), DataTypes.DoubleType);
        Dataset<Row> hostile = spark.range(100).withColumn("amount", col("id").cast("double"))
                .withColumn("risk", callUDF("risk_score", col("amount")))
                .groupBy("risk").count();
        GpuPlans.QueryPlan plan = GpuPlans.of("java udf", hostile);
        Files.writeString(Path.of(args[1]), GpuReportCommand.json("probe", java.util.List.of(plan), java.util.List.of()));
        System.exit(0);
    }
}
