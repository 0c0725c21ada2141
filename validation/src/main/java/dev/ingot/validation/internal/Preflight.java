package dev.ingot.validation.internal;

import dev.ingot.core.ConfigProblem;
import dev.ingot.core.Errors;
import dev.ingot.core.config.CheckSuiteDef;
import dev.ingot.core.config.CheckDef;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Checks suites against the data's schema before any scan: every column exists and has a type the check can use,
 * every predicate resolves to a boolean. Reports every problem at once, each naming the suite file, the check and
 * the columns available.
 */
public final class Preflight {
    private Preflight() {}

    /**
     * @param data the data the suites will run on (only its schema is read)
     * @param suites the suites
     * @param what what the data is, for messages (e.g. {@code features.customer_spend_v1})
     * @throws dev.ingot.core.InvalidConfigException (exit code 2) listing every problem
     */
    public static void check(Dataset<Row> data, List<CheckSuiteDef> suites, String what) {
        StructType schema = data.schema();
        boolean caseSensitive = Boolean.parseBoolean(data.sparkSession().conf().get("spark.sql.caseSensitive", "false"));
        List<String> available = Arrays.stream(schema.fields()).map(StructField::name).toList();
        String columns = String.join(", ", available);
        List<ConfigProblem> problems = new ArrayList<>();
        for (CheckPlan p : CheckPlan.of(suites)) {
            String file = CheckPlan.suiteFile(p.suite());
            int i = p.index();
            CheckDef c = p.check();
            String kind = c.kind().name().toLowerCase(Locale.ROOT);
            for (int j = 0; j < c.columns().size(); j++) {
                String name = c.columns().get(j);
                String key = c.kind().keys().contains("columns") ? "checks[" + i + "].columns[" + j + "]" : "checks[" + i + "].column";
                Optional<StructField> field = Arrays.stream(schema.fields())
                        .filter(f -> caseSensitive ? f.name().equals(name) : f.name().equalsIgnoreCase(name)).findFirst();
                if (field.isEmpty()) {
                    problems.add(new ConfigProblem(file, key, "the " + kind + " check names column '" + name
                            + "', which " + what + " does not have (columns: " + columns + ")",
                            "name one of the columns of " + what));
                    continue;
                }
                DataType type = field.get().dataType();
                String needs = switch (p.columnType()) {
                    case NUMERIC -> type instanceof NumericType ? null : "a numeric column";
                    case STRING -> type instanceof StringType ? null : "a string column";
                    case ANY -> null;
                };
                if (needs != null) {
                    problems.add(new ConfigProblem(file, key, "the " + kind + " check needs " + needs + ", but '" + name
                            + "' of " + what + " is " + type.simpleString(),
                            "check a " + (needs.contains("numeric") ? "numeric" : "string") + " column, or cast it in the feature view"));
                }
            }
            if (c instanceof CheckDef.Drift d && d.rule().reference().isPresent()) {
                String ref = d.rule().reference().get().toString();
                SparkSession spark = data.sparkSession();
                if (!spark.catalog().tableExists(ref)) {
                    problems.add(new ConfigProblem(file, "checks[" + i + "].reference", "the reference table " + ref
                            + " does not exist", "name an existing table, or 'previous'"));
                } else if (!c.columns().isEmpty() && Arrays.stream(spark.table(ref).schema().fieldNames())
                        .noneMatch(f -> f.equalsIgnoreCase(c.columns().get(0)))) {
                    problems.add(new ConfigProblem(file, "checks[" + i + "].reference", "the reference table " + ref
                            + " has no column '" + c.columns().get(0) + "' (columns: "
                            + String.join(", ", spark.table(ref).schema().fieldNames()) + ")",
                            "name a reference with the same column"));
                }
            }
            if (c instanceof CheckDef.Predicate predicate) {
                String expr = predicate.expr();
                try {
                    // Analysis only: Dataset.select resolves eagerly and starts no job.
                    DataType type = data.select(functions.expr(expr)).schema().fields()[0].dataType();
                    if (!(type instanceof BooleanType)) {
                        problems.add(new ConfigProblem(file, "checks[" + i + "].expr", "'" + expr + "' is a "
                                + type.simpleString() + ", not a condition", "write a predicate such as amount >= 0"));
                    }
                } catch (Exception e) { // AnalysisException is checked in Java but undeclared by Scala
                    if (!(e instanceof AnalysisException a)) {
                        throw e;
                    }
                    problems.add(new ConfigProblem(file, "checks[" + i + "].expr", "'" + expr + "' cannot be evaluated on "
                            + what + ": " + a.getSimpleMessage().replaceAll("\\s+", " ") + " (columns: " + columns + ")",
                            "use only columns of " + what));
                }
            }
        }
        if (!problems.isEmpty()) {
            throw Errors.invalidConfig("validate " + what, problems);
        }
    }
}
