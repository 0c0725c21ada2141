package dev.ingot.jobs.cli;

import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.core.gpu.Gpu;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.QueryExecution;
import org.apache.spark.sql.util.QueryExecutionListener;

/**
 * What Spark RAPIDS says of a query's plan on a machine without a GPU: {@code ExplainPlan.explainPotentialGpuPlan},
 * called reflectively (the RAPIDS jar is not a build dependency: bin/ingot passes it with --jars), and its text read
 * into operators, each on the GPU or not with RAPIDS' reason.
 *
 * <p>RAPIDS prints one line per plan node, indented two spaces per level: a mark ({@code *} will run on the GPU,
 * {@code !} cannot, {@code @} could but its operator cannot, {@code #} will not for another reason), the node kind
 * ({@code Exec}, {@code Expression}, {@code Partitioning}, ...; none for a class RAPIDS does not know at all), its
 * class in angle brackets, and the verdict with
 * "because ..." when it is not on the GPU. An operator is an {@code Exec} node, or a node of a class named
 * {@code ...Exec} that RAPIDS does not know at all (typed Dataset operators such as {@code MapPartitionsExec}: RAPIDS
 * prints them with no kind); the expressions below an operator that cannot run are the causes listed with it. A node
 * runs on the GPU when its verdict is "will run on GPU", alone or followed by a note (". The data type of following
 * expressions will be converted in GPU runtime: ...": an aggregation buffer RAPIDS keeps in its own type).
 */
final class GpuPlans {
    private GpuPlans() {}

    static final String EXPLAIN_CLASS = "com.nvidia.spark.rapids.ExplainPlan";
    private static final Pattern LINE = Pattern.compile("^(\\s*)([*!@#$])(\\w*) <([^>]+)> (.*)$");

    /**
     * One physical operator.
     *
     * @param name its class, e.g. {@code HashAggregateExec}
     * @param onGpu whether RAPIDS would run it on the GPU
     * @param reason RAPIDS' reason when not ("" when on the GPU)
     * @param causes the expressions under it that cannot run on the GPU, each with RAPIDS' reason
     */
    record Operator(String name, boolean onGpu, String reason, List<String> causes) {
        Operator {
            causes = List.copyOf(causes);
        }
    }

    /**
     * The operators of the scorer's ONNX inference step: {@code mapPartitions} and Spark's conversion of rows into and
     * out of it. Not RAPIDS' work: ONNX Runtime runs the model, on a GPU run through its CUDA provider.
     */
    static final java.util.Set<String> INFERENCE = java.util.Set.of("MapPartitionsExec", "DeserializeToObjectExec",
            "SerializeFromObjectExec");

    /**
     * A query's operators.
     *
     * @param job the Ingot command whose query this is
     * @param operators in plan order (root first); RAPIDS' operators, without {@code inference}
     * @param explain RAPIDS' own text, which {@link #parse} read
     * @param inference the operators of ONNX inference ({@link #INFERENCE}), which ONNX Runtime runs, not RAPIDS
     */
    record QueryPlan(String job, List<Operator> operators, String explain, List<Operator> inference) {
        QueryPlan {
            operators = List.copyOf(operators);
            inference = List.copyOf(inference);
        }

        QueryPlan(String job, List<Operator> operators, String explain) {
            this(job, operators, explain, List.of());
        }

        /** A copy with the ONNX inference operators ({@link #INFERENCE}) apart from RAPIDS' operators. */
        QueryPlan withInference() {
            List<Operator> sql = new ArrayList<>();
            List<Operator> onnx = new ArrayList<>(inference);
            for (Operator o : operators) {
                (INFERENCE.contains(o.name()) ? onnx : sql).add(o);
            }
            return new QueryPlan(job, sql, explain, onnx);
        }

        long onGpu() {
            return operators.stream().filter(Operator::onGpu).count();
        }

        /** The share of operators on the GPU, 0 to 1 (0 for a plan without operators). */
        double share() {
            return operators.isEmpty() ? 0 : (double) onGpu() / operators.size();
        }
    }

    /** RAPIDS' plan report of a query; exit 2 naming how to get the RAPIDS jar when it is not loaded. */
    static String explain(Dataset<Row> query) {
        Method m;
        try {
            Class<?> c = Class.forName(EXPLAIN_CLASS, true, Thread.currentThread().getContextClassLoader());
            m = c.getMethod("explainPotentialGpuPlan", Dataset.class, String.class);
        } catch (ClassNotFoundException | NoSuchMethodException | LinkageError e) {
            throw new IngotException(ExitCode.BAD_INPUT, "gpu-report needs Spark RAPIDS (" + EXPLAIN_CLASS
                    + "), which is not loaded. Fix: run bin/rapids-jar --fetch once (bin/ingot then passes the jar), or "
                    + "give spark-submit --jars " + Gpu.RAPIDS_JAR + " (Maven Central: com.nvidia:rapids-4-spark_2.12).", e);
        }
        try {
            return String.valueOf(m.invoke(null, query, "ALL"));
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Explains a job's query. */
    static QueryPlan of(String job, Dataset<Row> query) {
        String text = explain(query);
        return new QueryPlan(job, parse(text), text);
    }

    /** Explains a job that runs several queries: their operators together, RAPIDS' texts one after the other. */
    static QueryPlan of(String job, List<Dataset<Row>> queries) {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < queries.size(); i++) {
            texts.add("-- query " + (i + 1) + " of " + queries.size() + "\n" + explain(queries.get(i)));
        }
        String text = String.join("\n", texts);
        return new QueryPlan(job, parse(text), text);
    }

    /**
     * The queries Spark runs while {@code action} runs over {@code sample}, each with {@code sample} replaced by
     * {@code table}: the queries the action would run over the whole table, for a job (Deequ's analyzers) that builds
     * and runs its queries itself. Captured with a {@link QueryExecutionListener}; queries that do not read the sample
     * (a history lookup) are left out.
     *
     * @param sample {@code table.limit(n)}, so that the action runs on a few rows
     */
    static List<Dataset<Row>> captured(SparkSession spark, Dataset<Row> table, Dataset<Row> sample, Runnable action) {
        LogicalPlan small = sample.logicalPlan();
        LogicalPlan whole = table.logicalPlan();
        List<LogicalPlan> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        QueryExecutionListener listener = new QueryExecutionListener() {
            @Override
            public void onSuccess(String funcName, QueryExecution qe, long durationNs) {
                seen.add(qe.analyzed());
            }

            @Override
            public void onFailure(String funcName, QueryExecution qe, Exception exception) {}
        };
        spark.listenerManager().register(listener);
        try {
            action.run();
            // The listener hears of queries through Spark's (asynchronous) listener bus.
            spark.sparkContext().listenerBus().waitUntilEmpty(60_000);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Spark's listener bus did not deliver the queries' events in 60 s", e);
        } finally {
            spark.listenerManager().unregister(listener);
        }
        List<Dataset<Row>> queries = new ArrayList<>();
        scala.Function1<LogicalPlan, LogicalPlan> swap = p -> p.equals(small) ? whole : p;
        for (LogicalPlan plan : seen) {
            LogicalPlan onTable = plan.transformDown(scala.PartialFunction$.MODULE$.apply(swap));
            if (!onTable.equals(plan)) {
                queries.add(Dataset.ofRows(spark, onTable));
            }
        }
        return queries;
    }

    /** Reads RAPIDS' explain text into its operators. Lines RAPIDS prints that are not plan nodes are skipped. */
    static List<Operator> parse(String explain) {
        List<Operator> ops = new ArrayList<>();
        String name = null;
        boolean onGpu = false;
        String reason = "";
        List<String> causes = new ArrayList<>();
        for (String line : explain.split("\\R")) {
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            String kind = m.group(3);
            String verdict = m.group(5);
            if (kind.equals("Exec") || kind.isEmpty() && m.group(4).endsWith("Exec")) {
                if (name != null) {
                    ops.add(new Operator(name, onGpu, reason, causes));
                }
                name = m.group(4);
                onGpu = onGpu(verdict);
                reason = onGpu ? "" : because(verdict);
                causes = new ArrayList<>();
            } else if (name != null && !onGpu && m.group(2).equals("!")) {
                causes.add(m.group(4) + ": " + because(verdict));
            }
        }
        if (name != null) {
            ops.add(new Operator(name, onGpu, reason, causes));
        }
        return ops;
    }

    /** RAPIDS' verdict for a node it will run on the GPU: "will run on GPU", possibly followed by ". " and a note. */
    static boolean onGpu(String verdict) {
        return verdict.equals("will run on GPU") || verdict.startsWith("will run on GPU. ");
    }

    private static String because(String verdict) {
        int i = verdict.indexOf(" because ");
        return i < 0 ? verdict.replaceFirst("^.*?(cannot|will not|could) run on GPU", "$1 run on GPU").trim()
                : verdict.substring(i + " because ".length()).trim();
    }
}
