package dev.ingot.validation.internal;

import com.amazon.deequ.analyzers.*;
import com.amazon.deequ.analyzers.runners.AnalysisRunner;
import com.amazon.deequ.metrics.Metric;
import dev.ingot.core.TestSpark;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

@EnabledIfSystemProperty(named = "ingot.scratch", matches = "true")
class ScratchProfile {
    static long best(Runnable r) { long b = Long.MAX_VALUE; for (int i = 0; i < 3; i++) { long t = System.nanoTime(); r.run(); b = Math.min(b, (System.nanoTime() - t) / 1_000_000);} return b; }
    static void add(List<Analyzer<?, Metric<?>>> l, Object a) { l.add(DeequRun.cast(a)); }

    @Test
    void profile() {
        SparkSession spark = TestSpark.session();
        spark.sql("DROP TABLE IF EXISTS features.bench_rows");
        spark.sql("SELECT id, CAST(id % 1000 AS DOUBLE) AS a, CAST((id * 7) % 1000 AS DOUBLE) AS b,"
                + " CAST((id * 13) % 1000 AS DOUBLE) AS c, IF(id % 997 = 0, -1.0, CAST((id * 17) % 1000 AS DOUBLE)) AS d,"
                + " IF(id % 101 = 0, NULL, CAST((id * 19) % 1000 AS DOUBLE)) AS e, CAST((id * 23) % 1000 AS DOUBLE) AS f,"
                + " element_at(array('new', 'paid', 'shipped', 'lost', 'odd'), CAST(id % 5 + 1 AS INT)) AS status,"
                + " IF(id % 499 = 0, 'x', concat('c-', id)) AS code FROM range(2000000)")
                .write().format("delta").saveAsTable("features.bench_rows");
        Dataset<Row> data = spark.table("features.bench_rows");
        List<Analyzer<?, Metric<?>>> main = new ArrayList<>();
        for (String x : List.of("a", "b", "c", "d", "e", "f", "status")) add(main, new Completeness(x, Scala.none(), Scala.none()));
        add(main, new Minimum("a", Scala.none(), Scala.none()));
        add(main, new Maximum("b", Scala.none(), Scala.none()));
        add(main, new Compliance("r1", "c >= 0 AND c <= 1000 OR c IS NULL", Scala.none(), Scala.list(List.of()), Scala.none()));
        add(main, new Compliance("r2", "d >= -10 AND d <= 1000 OR d IS NULL", Scala.none(), Scala.list(List.of()), Scala.none()));
        add(main, new Compliance("in", "status IN ('new','paid','shipped','lost') OR status IS NULL", Scala.none(), Scala.list(List.of()), Scala.none()));
        add(main, new Compliance("pat", "code RLIKE '^c-[0-9]+$' OR code IS NULL", Scala.none(), Scala.list(List.of()), Scala.none()));
        add(main, new Compliance("p1", "a <= b + 1000", Scala.none(), Scala.list(List.of()), Scala.none()));
        add(main, new Compliance("p2", "e >= 0 OR e IS NULL", Scala.none(), Scala.list(List.of()), Scala.none()));
        add(main, new Compliance("p3", "f < 2000 OR f IS NULL", Scala.none(), Scala.list(List.of()), Scala.none()));
        for (String x : List.of("a", "b", "c")) add(main, new Mean(x, Scala.none()));
        for (String x : List.of("d", "e")) add(main, new StandardDeviation(x, Scala.none()));
        add(main, new Size(Scala.none()));
        add(main, new Maximum("id", Scala.none(), Scala.none()));
        add(main, new Minimum("id", Scala.none(), Scala.none()));
        List<Analyzer<?, Metric<?>>> q = new ArrayList<>();
        add(q, new ApproxQuantile("f", 0.5, 0.01, Scala.none()));
        add(q, new ApproxQuantile("a", 0.9, 0.01, Scala.none()));
        Runnable plain = () -> data.write().format("noop").mode("overwrite").save();
        Runnable deequMain = () -> AnalysisRunner.onData(data).addAnalyzers(Scala.list(main)).run();
        Runnable deequQ = () -> AnalysisRunner.onData(data).addAnalyzers(Scala.list(q)).run();
        plain.run(); deequMain.run(); deequQ.run();
        System.out.println("SCRATCH plain " + best(plain));
        System.out.println("SCRATCH deequMain " + best(deequMain));
        spark.conf().set("spark.sql.codegen.maxFields", "2000");
        deequMain.run();
        System.out.println("SCRATCH deequMain maxFields=2000 " + best(deequMain));
        spark.conf().unset("spark.sql.codegen.maxFields");
        spark.conf().set("spark.sql.codegen.aggregate.splitAggregateFunc.enabled", "false");
        System.out.println("SCRATCH deequMain nosplit " + best(deequMain));
        spark.conf().unset("spark.sql.codegen.aggregate.splitAggregateFunc.enabled");
        System.out.println("SCRATCH deequQ " + best(deequQ));
        List<Analyzer<?, Metric<?>>> q1 = new ArrayList<>();
        add(q1, new ApproxQuantile("f", 0.5, 0.01, Scala.none()));
        System.out.println("SCRATCH deequQ1 " + best(() -> AnalysisRunner.onData(data).addAnalyzers(Scala.list(q1)).run()));
        System.out.println("SCRATCH native2colscan " + best(() -> data.select("a", "f").write().format("noop").mode("overwrite").save()));
        spark.sparkContext().setLogLevel("INFO");
    }
}
