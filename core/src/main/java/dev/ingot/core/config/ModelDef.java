package dev.ingot.core.config;

import dev.ingot.core.Errors;
import dev.ingot.core.Secrets;
import dev.ingot.core.TableName;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A training spec ({@code models/<name>.yaml}). Everything here is checked when the project loads, except what needs
 * Spark ML (that an estimator has a param, and its type), which the training module checks before any Spark job.
 *
 * @param name the model's name in the registry (the file's base name)
 * @param description free text
 * @param spine the table of labelled events (entity keys, event time, label)
 * @param timestamp the spine's event-time column
 * @param label the label column
 * @param features the features joined point-in-time onto the spine
 * @param algorithm the learning algorithm (and so the task)
 * @param params the estimator's params as written, by Spark ML param name (e.g. {@code maxDepth -> "5"})
 * @param testWindow the latest span of the spine held out for evaluation (a time split, never random)
 * @param validationWindow the span just before the test window, evaluated separately; empty for none
 * @param seed the seed of every random choice in training
 * @param metrics the metrics to report, all of the task's
 * @param precisionAtK the k of {@link Metric#PRECISION_AT_K}
 * @param nulls what to do with null feature values
 * @param fairness the column whose groups are compared, and the bounds on their gaps
 * @param gate the rules a version must meet to be promoted; empty for none
 * @param file the definition's file, relative to the project directory (e.g. {@code models/fraud.yml}): what
 *     messages name
 */
public record ModelDef(
        String name,
        String description,
        TableName spine,
        String timestamp,
        String label,
        List<FeatureRef> features,
        Algorithm algorithm,
        Map<String, String> params,
        TimeSpan testWindow,
        Optional<TimeSpan> validationWindow,
        long seed,
        List<Metric> metrics,
        int precisionAtK,
        Nulls nulls,
        Optional<Fairness> fairness,
        List<GateRule> gate,
        String file) {

    /** Default {@code test_window}. */
    public static final TimeSpan TEST_WINDOW_DEFAULT = new TimeSpan(14 * 86400, "14d");
    /** Default {@code seed}. */
    public static final long SEED_DEFAULT = 42;
    /** Default {@code precision_at_k}. */
    public static final int PRECISION_AT_K_DEFAULT = 100;

    public ModelDef {
        Errors.required(name, "ModelDef.name");
        description = description == null ? "" : description;
        features = List.copyOf(Errors.required(features, "ModelDef.features"));
        params = Map.copyOf(Errors.required(params, "ModelDef.params"));
        metrics = List.copyOf(Errors.required(metrics, "ModelDef.metrics"));
        gate = List.copyOf(Errors.required(gate, "ModelDef.gate"));
        Errors.required(nulls, "ModelDef.nulls");
        Errors.required(testWindow, "ModelDef.testWindow");
        Errors.required(validationWindow, "ModelDef.validationWindow");
        Errors.required(fairness, "ModelDef.fairness");
        file = DefinitionFiles.orDefault(file, ProjectLoader.MODELS, name);
    }

    /** A model built in code: its file is the conventional {@code models/<name>.yaml}. */
    public ModelDef(String name, String description, TableName spine, String timestamp, String label,
                    List<FeatureRef> features, Algorithm algorithm, Map<String, String> params, TimeSpan testWindow,
                    Optional<TimeSpan> validationWindow, long seed, List<Metric> metrics, int precisionAtK, Nulls nulls,
                    Optional<Fairness> fairness, List<GateRule> gate) {
        this(name, description, spine, timestamp, label, features, algorithm, params, testWindow, validationWindow,
                seed, metrics, precisionAtK, nulls, fairness, gate, null);
    }

    /**
     * A copy that trains another estimator on the same data, features, windows and gate, e.g. a cheaper challenger of
     * the same registered model; everything else, the file included, stays.
     *
     * @param params the new estimator's params by Spark ML name; the old ones are dropped, as they were the old
     *     estimator's
     */
    public ModelDef withAlgorithm(Algorithm algorithm, Map<String, String> params) {
        return new ModelDef(name, description, spine, timestamp, label, features, Errors.required(algorithm,
                "ModelDef.algorithm"), params, testWindow, validationWindow, seed, metrics, precisionAtK, nulls, fairness,
                gate, file);
    }

    /** The task the algorithm learns. */
    public Task task() {
        return algorithm.task();
    }

    /** Redacted: parameters may come from {@code ${env:NAME}}. */
    @Override
    public String toString() {
        return Secrets.redact("ModelDef[name=" + name + ", description=" + description + ", spine=" + spine
                + ", timestamp=" + timestamp + ", label=" + label + ", features=" + features + ", algorithm=" + algorithm
                + ", params=" + params + ", testWindow=" + testWindow + ", validationWindow=" + validationWindow
                + ", seed=" + seed + ", metrics=" + metrics + ", precisionAtK=" + precisionAtK + ", nulls=" + nulls
                + ", fairness=" + fairness + ", gate=" + gate + ", file=" + file + "]");
    }

    /** What a model predicts. */
    public enum Task {
        /** A binary label (0/1 or false/true): the model scores the probability of 1. */
        CLASSIFICATION,
        /** A number. */
        REGRESSION
    }

    /** Learning algorithms; each is one Spark ML estimator. Written in lower case in YAML ({@code gbt_classifier}). */
    public enum Algorithm {
        LOGISTIC_REGRESSION(Task.CLASSIFICATION, true),
        LINEAR_REGRESSION(Task.REGRESSION, true),
        DECISION_TREE_CLASSIFIER(Task.CLASSIFICATION, false),
        DECISION_TREE_REGRESSOR(Task.REGRESSION, false),
        RANDOM_FOREST_CLASSIFIER(Task.CLASSIFICATION, false),
        RANDOM_FOREST_REGRESSOR(Task.REGRESSION, false),
        GBT_CLASSIFIER(Task.CLASSIFICATION, false),
        GBT_REGRESSOR(Task.REGRESSION, false);

        private final Task task;
        private final boolean linear;

        Algorithm(Task task, boolean linear) {
            this.task = task;
            this.linear = linear;
        }

        /** Classification or regression. */
        public Task task() {
            return task;
        }

        /** A linear model: its features are standardized, and its importances are |coefficients|. */
        public boolean linear() {
            return linear;
        }

        /** The YAML spelling, e.g. {@code gbt_classifier}. */
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Evaluation metrics. */
    public enum Metric {
        AUC(Task.CLASSIFICATION, true),
        PR_AUC(Task.CLASSIFICATION, true),
        LOG_LOSS(Task.CLASSIFICATION, false),
        ACCURACY(Task.CLASSIFICATION, true),
        /** F1 of the positive class. */
        F1(Task.CLASSIFICATION, true),
        /** The share of positives among the k highest scores. */
        PRECISION_AT_K(Task.CLASSIFICATION, true),
        RMSE(Task.REGRESSION, false),
        MAE(Task.REGRESSION, false),
        R2(Task.REGRESSION, true);

        private final Task task;
        private final boolean higherIsBetter;

        Metric(Task task, boolean higherIsBetter) {
            this.task = task;
            this.higherIsBetter = higherIsBetter;
        }

        /** The task whose models this metric measures. */
        public Task task() {
            return task;
        }

        /** True when a larger value is a better model (false for losses and errors). */
        public boolean higherIsBetter() {
            return higherIsBetter;
        }

        /** The name in YAML, gate rules and metric maps, e.g. {@code pr_auc}. */
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Every metric of a task, in declaration order. */
        public static List<Metric> of(Task task) {
            return Arrays.stream(values()).filter(m -> m.task == task).toList();
        }

        /** The metric named {@code key} (as {@link #key()}), if any. */
        public static Optional<Metric> byKey(String key) {
            return Arrays.stream(values()).filter(m -> m.key().equals(key)).findFirst();
        }
    }

    /** How a null feature value is replaced (Spark ML's {@code Imputer} strategies). */
    public enum Imputation { MEAN, MEDIAN, MODE }

    /**
     * What to do with nulls in numeric and boolean features (a spine row's features can be absent by design). String
     * features keep null as a category of its own.
     *
     * @param strategy the value that replaces a null, computed on the training window
     * @param indicators add a 0/1 column {@code <feature>__is_null} per imputed feature
     */
    public record Nulls(Imputation strategy, boolean indicators) {
        public Nulls {
            Errors.required(strategy, "ModelDef.Nulls.strategy");
        }

        /** Mean, with indicators. */
        public static Nulls defaults() {
            return new Nulls(Imputation.MEAN, true);
        }
    }

    /** Metrics compared between the groups of a column. */
    public enum FairnessMetric {
        /** True-positive rate (recall): predicted 1 among labels 1. */
        TPR,
        /** Positive-prediction rate: predicted 1 among all. */
        POSITIVE_RATE,
        /** Area under the ROC curve within the group. */
        AUC;

        /** The name in YAML and metric maps. */
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Per-group evaluation: every {@link FairnessMetric} is reported per group of {@code column}; a bound makes the
     * gap (largest minus smallest group value) a gate rule.
     *
     * @param column a column of the training set (usually of the spine), e.g. a customer segment
     * @param maxGap the largest gap allowed, by metric; empty to report only
     */
    public record Fairness(String column, Map<FairnessMetric, Double> maxGap) {
        public Fairness {
            Errors.required(column, "ModelDef.Fairness.column");
            maxGap = Errors.required(maxGap, "ModelDef.Fairness.maxGap").isEmpty() ? Map.of()
                    : Map.copyOf(new EnumMap<>(maxGap));
        }
    }

    /** A comparison in a gate rule. */
    public enum Comparison {
        GE(">="), LE("<="), GT(">"), LT("<");

        private final String symbol;

        Comparison(String symbol) {
            this.symbol = symbol;
        }

        /** As written in a rule. */
        public String symbol() {
            return symbol;
        }

        /** {@code left <symbol> right}. */
        public boolean test(double left, double right) {
            return switch (this) {
                case GE -> left >= right;
                case LE -> left <= right;
                case GT -> left > right;
                case LT -> left < right;
            };
        }
    }

    /**
     * One promotion rule: {@code metric op number}, or {@code metric op champion.metric [+|- number]}.
     *
     * @param metric the candidate's metric on the test window
     * @param comparison how it is compared
     * @param champion when present, the champion's metric the right side starts from
     * @param number the bound, or the offset added to the champion's metric
     */
    public record GateRule(Metric metric, Comparison comparison, Optional<Metric> champion, double number) {
        private static final Pattern RULE = Pattern.compile(
                "\\s*([a-z0-9_]+)\\s*(>=|<=|>|<)\\s*(?:champion\\.([a-z0-9_]+)\\s*(?:([+-])\\s*(\\d+(?:\\.\\d+)?)\\s*)?"
                        + "|([+-]?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?))\\s*");

        public GateRule {
            Errors.required(metric, "ModelDef.GateRule.metric");
            Errors.required(comparison, "ModelDef.GateRule.comparison");
            Errors.required(champion, "ModelDef.GateRule.champion");
        }

        /** The grammar, for messages. */
        public static String grammar() {
            return "'<metric> <op> <number>' or '<metric> <op> champion.<metric> [+|- <number>]', op one of >=, <=, >, <"
                    + " (e.g. 'auc >= 0.70', 'auc >= champion.auc - 0.005')";
        }

        /**
         * Parses a rule; the message of the failure says what is wrong, for a ConfigProblem.
         *
         * @throws IllegalArgumentException when {@code text} is not a rule
         */
        public static GateRule parse(String text) {
            Matcher m = RULE.matcher(Errors.required(text, "ModelDef.GateRule.parse(text)"));
            if (!m.matches()) {
                throw new IllegalArgumentException("'" + text + "' is not a gate rule");
            }
            Metric metric = metric(m.group(1));
            Comparison op = Arrays.stream(Comparison.values()).filter(c -> c.symbol.equals(m.group(2))).findFirst()
                    .orElseThrow();
            if (m.group(6) != null) {
                return new GateRule(metric, op, Optional.empty(), Double.parseDouble(m.group(6)));
            }
            Metric champion = metric(m.group(3));
            double offset = m.group(5) == null ? 0 : Double.parseDouble(m.group(5));
            return new GateRule(metric, op, Optional.of(champion), "-".equals(m.group(4)) ? -offset : offset);
        }

        private static Metric metric(String key) {
            return Metric.byKey(key).orElseThrow(() -> new IllegalArgumentException("'" + key + "' is not a metric"));
        }

        /** The right side's value: the number, or the champion's metric plus the offset; empty without a champion. */
        public OptionalDouble bound(Map<String, Double> championMetrics) {
            if (champion.isEmpty()) {
                return OptionalDouble.of(number);
            }
            Double c = championMetrics.get(champion.get().key());
            return c == null ? OptionalDouble.empty() : OptionalDouble.of(c + number);
        }

        /** As it parses, e.g. {@code auc >= champion.auc - 0.005}. */
        @Override
        public String toString() {
            String right = champion.map(c -> "champion." + c.key() + (number == 0 ? ""
                    : (number < 0 ? " - " : " + ") + fmt(Math.abs(number)))).orElse(fmt(number));
            return metric.key() + " " + comparison.symbol + " " + right;
        }

        private static String fmt(double d) {
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
        }
    }
}
