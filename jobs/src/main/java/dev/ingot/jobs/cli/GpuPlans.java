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
     * A query's operators.
     *
     * @param job the Ingot command whose query this is
     * @param operators in plan order (root first)
     * @param explain RAPIDS' own text, which {@link #parse} read
     */
    record QueryPlan(String job, List<Operator> operators, String explain) {
        QueryPlan {
            operators = List.copyOf(operators);
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
