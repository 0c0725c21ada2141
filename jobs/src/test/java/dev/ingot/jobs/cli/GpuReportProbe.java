package dev.ingot.jobs.cli;

import static org.apache.spark.sql.functions.callUDF;
import static org.apache.spark.sql.functions.col;

import dev.ingot.jobs.IngotMain;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;

/**
 * Run by {@link GpuReportTest} through SparkSubmit with the RAPIDS jar in {@code --jars}, as bin/ingot runs Ingot:
 * {@code gpu-report --format json} on a project (its output to args[0]), then a query with a Java UDF, which RAPIDS
 * cannot run on a GPU, explained the same way (to args[1]). Arguments after the two files are gpu-report's. The table
 * the project's suite checks and the scoring input of its ONNX model are written first, and the model is registered.
 */
public final class GpuReportProbe {
    private GpuReportProbe() {}

    /**
     * The tables the project's suites check, written in the session gpu-report then opens (the same project and
     * warehouse): two rows are enough, the report explains the queries.
     */
    private static void tables(String[] report) {
        List<String> a = List.of(report);
        ProjectOptions o = new ProjectOptions();
        o.project = Path.of(a.get(a.indexOf("--project") + 1));
        o.warehouse = a.get(a.indexOf("--warehouse") + 1);
        SparkSession spark = Sessions.open(o.load(), "gpu-report probe",
                java.util.Optional.of(dev.ingot.core.config.GpuPolicy.OFF));
        spark.sql("CREATE DATABASE IF NOT EXISTS raw");
        spark.sql("CREATE TABLE raw.orders USING delta AS SELECT * FROM VALUES "
                + "(1L, 'c1', 10.5D, TIMESTAMP'2026-01-01 10:00:00'), (2L, 'c2', 200.0D, TIMESTAMP'2026-01-01 11:00:00') "
                + "AS t(order_id, customer_id, amount, ts)");
        // The scoring input of the project's ONNX model 'sk' (models/sk.yaml), registered as version 1.
        spark.sql("CREATE DATABASE IF NOT EXISTS ml");
        spark.sql("CREATE TABLE ml.sk_scoring_input USING delta AS SELECT * FROM VALUES "
                + "(1L, 0.5D, 1.5D, -0.25D), (2L, 2.0D, -1.0D, 0.75D) AS t(id, c1, c2, c3)");
        PrintWriter log = new PrintWriter(System.err, true);
        String[] where = {"--project", o.project.toString(), "--warehouse", o.warehouse};
        for (String[] cmd : List.<String[]>of(new String[] {"models", "register", "--model", "sk"})) {
            String[] full = java.util.stream.Stream.concat(java.util.Arrays.stream(cmd), java.util.Arrays.stream(where))
                    .toArray(String[]::new);
            if (IngotMain.run(log, log, full) != 0) {
                throw new IllegalStateException("failed: " + String.join(" ", full));
            }
        }
    }

    public static void main(String[] args) throws Exception {
        String[] report = java.util.Arrays.copyOfRange(args, 2, args.length);
        tables(report);
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
