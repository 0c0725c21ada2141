package dev.ingot.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.fail;

import dev.ingot.core.ConfigProblem;
import dev.ingot.core.CorePrice;
import dev.ingot.core.ExitCode;
import dev.ingot.core.InvalidConfigException;
import dev.ingot.core.Secrets;
import dev.ingot.core.TableName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The project loader, on YAML written by each test into a temporary directory. Each bad-config test starts from a
 * valid project with every kind of file and breaks one thing, so that it can assert the one problem it expects.
 * Most are rows of {@link #brokenInputs()}, which pin the structure of the problem (file, key path, the value found,
 * what the fix names) and leave its wording free; the methods that remain check something a row cannot (several
 * problems and their order, secrets, the text of a whole report). No Spark session is started.
 */
class ProjectLoaderTest {
    private static final String DB_PASSWORD = "pw-7f3a9c-never-print";
    private static final String MLFLOW_TOKEN = "tok-41b2e8-never-print";
    private static final Map<String, String> ENV = Map.of(
            "INGOT_TEST_DB_PASSWORD", DB_PASSWORD,
            "INGOT_TEST_MLFLOW_TOKEN", MLFLOW_TOKEN,
            "INGOT_TEST_TEAM", "ml",
            "INGOT_TEST_PARTITIONS", "16");

    private static final String INGOT = """
            name: retail
            description: Retail demo project
            warehouse: data/../data/warehouse
            catalog:
              metastore: jdbc
              url: jdbc:postgresql://db:5432/metastore
              driver: org.postgresql.Driver
              user: hive
              password: ${env:INGOT_TEST_DB_PASSWORD}
            tracking:
              type: mlflow
              uri: https://mlflow.example.com
              token: ${env:INGOT_TEST_MLFLOW_TOKEN}
              experiment: retail-${env:INGOT_TEST_TEAM}
              request_timeout_seconds: 600
            spark:
              conf:
                spark.sql.shuffle.partitions: ${env:INGOT_TEST_PARTITIONS}
                spark.executor.memory: 2g
                spark.sql.adaptive.enabled: true
            gpu: on
            cost:
              price_per_core_hour: 0.05
              currency: EUR
            """;
    private static final String ORDERS = """
            description: One row per order
            path: data/orders
            format: csv
            options:
              header: true
            schema:
              order_id: string
              customer_id: string
              amount: double
              status: string
              ts: timestamp
            event_time: ts
            """;
    private static final String CUSTOMERS = """
            table: raw.customers
            event_time: updated_at
            """;
    private static final String CUSTOMER_SPEND = """
            description: Spend per customer
            source: orders
            entities: [customer_id]
            filter: status = 'complete'
            transformations:
              - name: amount_cents
                expr: amount * 100
            aggregations:
              - name: spend
                function: sum
                column: amount
                windows: [1d, 7d, 30d]
              - name: order_count
                function: count
                windows: [7d]
            checks: [spend_checks]
            """;
    private static final String ORDER_FLAGS = """
            source: orders
            entities: [customer_id, order_id]
            cadence: 1h
            ttl: 2d
            transformations:
              - name: big_order
                expr: amount > 100
                description: Orders over 100
            """;
    private static final String SPEND_TREND = """
            source: customer_spend
            entities: customer_id
            aggregations:
              - name: weekly_spend
                function: avg
                column: spend_1d
                windows: [7d]
            """;
    private static final String SPEND_CHECKS = """
            description: Sanity of spend features
            table: features.customer_spend_v1
            checks:
              - kind: completeness
                column: customer_id
              - kind: range
                column: spend_7d
                min: 0
                max: 1000000
                severity: warning
              - kind: uniqueness
                columns: [customer_id]
            """;
    private static final String ORDERS_QUALITY = """
            policy: quarantine
            checks:
              - kind: predicate
                expr: amount >= 0
                min: 0.99
              - kind: pattern
                column: order_id
                regex: "^o-[0-9]+$"
              - kind: contained_in
                column: status
                values: [complete, cancelled]
              - kind: size
                min: 1
            """;
    private static final String CHURN = """
            description: Who stops buying
            spine: ml.churn_labels
            timestamp: as_of
            label: churned
            features:
              - customer_spend:spend_7d,spend_30d
              - order_flags
            algorithm:
              type: gbt_classifier
              params:
                maxDepth: 5
                stepSize: 0.1
            gate:
              - auc >= 0.7
            """;

    @TempDir
    Path dir;

    @BeforeEach
    void writeValidProject() throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("ingot.yaml", INGOT);
        files.put("sources/orders.yaml", ORDERS);
        files.put("sources/customers.yaml", CUSTOMERS);
        files.put("feature_views/customer_spend.yaml", CUSTOMER_SPEND);
        files.put("feature_views/order_flags.yml", ORDER_FLAGS);
        files.put("feature_views/spend_trend.yaml", SPEND_TREND);
        files.put("checks/spend_checks.yaml", SPEND_CHECKS);
        files.put("checks/orders_quality.yaml", ORDERS_QUALITY);
        files.put("models/churn.yaml", CHURN);
        for (Map.Entry<String, String> f : files.entrySet()) {
            write(f.getKey(), f.getValue());
        }
    }

    // ---- valid projects ----

    @Test
    void fullProjectLoadsIntoRecords() {
        Project p = ProjectLoader.load(dir, ENV);

        assertThat(p.dir()).isEqualTo(dir.toAbsolutePath().normalize());
        ProjectSettings s = p.settings();
        assertThat(s.name()).isEqualTo("retail");
        assertThat(s.description()).isEqualTo("Retail demo project");
        assertThat(s.warehouse().toString()).as("a relative warehouse is resolved against the project dir, normalized")
                .isEqualTo(dir.toAbsolutePath().normalize().resolve("data/warehouse").toString());
        assertThat(s.catalog().metastore()).isEqualTo(CatalogSettings.Metastore.JDBC);
        assertThat(s.catalog().jdbcUrl()).contains("jdbc:postgresql://db:5432/metastore");
        assertThat(s.catalog().jdbcDriver()).contains("org.postgresql.Driver");
        assertThat(s.catalog().jdbcUser()).contains("hive");
        assertThat(s.catalog().jdbcPassword()).as("interpolated from the environment").contains(DB_PASSWORD);
        assertThat(s.tracking().kind()).isEqualTo(TrackingSettings.Kind.MLFLOW);
        assertThat(s.tracking().uri()).contains("https://mlflow.example.com");
        assertThat(s.tracking().token().map(Secret::resolve)).contains(MLFLOW_TOKEN);
        assertThat(s.tracking().experiment()).as("interpolation inside a longer string").contains("retail-ml");
        assertThat(s.tracking().requestTimeout()).isEqualTo(java.time.Duration.ofSeconds(600));
        assertThat(s.tracking().connectTimeout()).as("default").isEqualTo(java.time.Duration.ofSeconds(10));
        assertThat(s.sparkConf()).containsOnly(entry("spark.sql.shuffle.partitions", "16"),
                entry("spark.executor.memory", "2g"), entry("spark.sql.adaptive.enabled", "true"));
        assertThat(s.gpu()).as("'on' is a word, not YAML 1.1's boolean true").isEqualTo(GpuPolicy.ON);
        assertThat(s.price()).contains(new CorePrice(0.05, "EUR"));

        assertThat(p.sources()).containsOnlyKeys("customers", "orders");
        SourceDef orders = p.sources().get("orders");
        assertThat(orders.path()).as("a relative source path is resolved against the project dir")
                .contains(dir.toAbsolutePath().normalize().resolve("data/orders").toString());
        assertThat(orders.table()).isEmpty();
        assertThat(orders.format()).isEqualTo(SourceDef.Format.CSV);
        assertThat(orders.options()).containsOnly(entry("header", "true"));
        assertThat(orders.schema()).containsExactly(entry("order_id", "string"), entry("customer_id", "string"),
                entry("amount", "double"), entry("status", "string"), entry("ts", "timestamp"));
        assertThat(orders.eventTime()).isEqualTo("ts");
        assertThat(orders.description()).isEqualTo("One row per order");
        SourceDef customers = p.sources().get("customers");
        assertThat(customers.table()).contains(new TableName("raw", "customers"));
        assertThat(customers.path()).isEmpty();
        assertThat(customers.format()).as("default format").isEqualTo(SourceDef.Format.DELTA);
        assertThat(customers.schema()).isEmpty();

        assertThat(p.featureViews()).containsOnlyKeys("customer_spend", "order_flags", "spend_trend");
        FeatureViewDef spend = p.featureViews().get("customer_spend");
        assertThat(spend.source()).isEqualTo("orders");
        assertThat(spend.entities()).containsExactly("customer_id");
        assertThat(spend.eventTime()).isEmpty();
        assertThat(spend.filter()).contains("status = 'complete'");
        assertThat(spend.transformations()).containsExactly(
                new FeatureViewDef.Transformation("amount_cents", "amount * 100", ""));
        assertThat(spend.aggregations()).hasSize(2);
        FeatureViewDef.Aggregation sum = spend.aggregations().get(0);
        assertThat(sum.function()).isEqualTo(FeatureViewDef.Function.SUM);
        assertThat(sum.column()).contains("amount");
        assertThat(sum.windows()).extracting(TimeSpan::seconds).containsExactly(86_400L, 7 * 86_400L, 30 * 86_400L);
        assertThat(spend.aggregations().get(1).column()).as("count needs no column").isEmpty();
        assertThat(spend.featureNames()).containsExactly("spend_1d", "spend_7d", "spend_30d", "order_count_7d");
        assertThat(spend.cadence()).as("default cadence").isEqualTo(TimeSpan.day());
        assertThat(spend.ttl().text()).as("default ttl: the longest window").isEqualTo("30d");
        assertThat(spend.checks()).containsExactly("spend_checks");
        assertThat(spend.isRowLevel()).isFalse();

        FeatureViewDef flags = p.featureViews().get("order_flags");
        assertThat(flags.isRowLevel()).isTrue();
        assertThat(flags.cadence()).isEqualTo(TimeSpan.hour());
        assertThat(flags.ttl().seconds()).isEqualTo(2 * 86_400L);
        assertThat(flags.featureNames()).containsExactly("big_order");
        assertThat(flags.transformations().get(0).description()).isEqualTo("Orders over 100");
        FeatureViewDef trend = p.featureViews().get("spend_trend");
        assertThat(trend.source()).as("a view may read another view").isEqualTo("customer_spend");
        assertThat(trend.entities()).as("a single string is a list of one").containsExactly("customer_id");
        assertThat(trend.ttl().text()).isEqualTo("7d");

        CheckSuiteDef spendChecks = p.suites().get("spend_checks");
        assertThat(spendChecks.table()).contains(new TableName("features", "customer_spend_v1"));
        assertThat(spendChecks.policy()).as("default policy").isEqualTo(CheckSuiteDef.Policy.STRICT);
        assertThat(spendChecks.checks()).extracting(CheckDef::kind).containsExactly(
                CheckSuiteDef.Kind.COMPLETENESS, CheckSuiteDef.Kind.RANGE, CheckSuiteDef.Kind.UNIQUENESS);
        CheckDef.Completeness completeness = (CheckDef.Completeness) spendChecks.checks().get(0);
        assertThat(completeness.severity()).as("default severity").isEqualTo(CheckSuiteDef.Severity.ERROR);
        assertThat(completeness.columns()).containsExactly("customer_id");
        assertThat(completeness.min()).isEmpty();
        CheckDef.Range range = (CheckDef.Range) spendChecks.checks().get(1);
        assertThat(range.severity()).isEqualTo(CheckSuiteDef.Severity.WARNING);
        assertThat(range.min()).isEqualTo(0.0);
        assertThat(range.max()).isEqualTo(1_000_000.0);
        CheckSuiteDef quality = p.suites().get("orders_quality");
        assertThat(quality.table()).isEmpty();
        assertThat(quality.policy()).isEqualTo(CheckSuiteDef.Policy.QUARANTINE);
        assertThat(((CheckDef.Predicate) quality.checks().get(0)).expr()).isEqualTo("amount >= 0");
        assertThat(((CheckDef.Predicate) quality.checks().get(0)).min()).contains(0.99);
        assertThat(((CheckDef.Pattern) quality.checks().get(1)).regex()).isEqualTo("^o-[0-9]+$");
        assertThat(((CheckDef.ContainedIn) quality.checks().get(2)).values()).containsExactly("complete", "cancelled");
        assertThat(quality.checks().get(3).columns()).isEmpty();

        ModelDef churn = p.models().get("churn");
        assertThat(churn.spine()).isEqualTo(new TableName("ml", "churn_labels"));
        assertThat(churn.timestamp()).isEqualTo("as_of");
        assertThat(churn.label()).isEqualTo("churned");
        assertThat(churn.features()).containsExactly(
                new FeatureRef("customer_spend", List.of("spend_7d", "spend_30d")), new FeatureRef("order_flags", List.of()));
        assertThat(churn.algorithm()).isEqualTo(ModelDef.Algorithm.GBT_CLASSIFIER);
        assertThat(churn.params()).containsOnly(entry("maxDepth", "5"), entry("stepSize", "0.1"));
        assertThat(churn.testWindow().seconds()).as("default test window: 14 days").isEqualTo(14 * 86_400L);
        assertThat(churn.gate()).containsExactly(
                new ModelDef.GateRule(ModelDef.Metric.AUC, ModelDef.Comparison.GE, Optional.empty(), 0.7));
    }

    @Test
    void minimalProjectGetsDefaults() throws IOException {
        Path tiny = dir.resolve("tiny");
        Files.createDirectories(tiny);
        Files.writeString(tiny.resolve("ingot.yaml"), "name: tiny\n");

        Project p = ProjectLoader.load(tiny, Map.of());

        ProjectSettings s = p.settings();
        assertThat(s.warehouse().toString()).isEqualTo(tiny.toAbsolutePath().normalize().resolve("warehouse").toString());
        assertThat(s.description()).isEmpty();
        assertThat(s.catalog()).isEqualTo(CatalogSettings.embedded());
        assertThat(s.tracking()).isEqualTo(TrackingSettings.local());
        assertThat(s.sparkConf()).isEmpty();
        assertThat(s.gpu()).isEqualTo(GpuPolicy.AUTO);
        assertThat(p.sources()).isEmpty();
        assertThat(p.featureViews()).isEmpty();
        assertThat(p.suites()).isEmpty();
        assertThat(p.models()).isEmpty();
    }

    @Test
    void warehouseUriIsKeptAsWrittenAndAbsolutePathIsNormalized() throws IOException {
        write("ingot.yaml", "name: retail\nwarehouse: s3a://bucket/ingot/wh\n");
        assertThat(ProjectLoader.load(dir, ENV).settings().warehouse().toString()).isEqualTo("s3a://bucket/ingot/wh");

        Path abs = dir.resolve("elsewhere/./wh").toAbsolutePath();
        write("ingot.yaml", "name: retail\nwarehouse: " + abs + "\n");
        assertThat(ProjectLoader.load(dir, ENV).settings().warehouse().toString()).isEqualTo(abs.normalize().toString());
    }

    @Test
    void aProjectLoadsTheSameFromAnyWorkingDirectory() {
        Path relative = Path.of("").toAbsolutePath().relativize(dir.toAbsolutePath());
        Project fromRelative = ProjectLoader.load(relative, ENV);
        assertThat(fromRelative.dir()).isEqualTo(dir.toAbsolutePath().normalize());
        assertThat(fromRelative.settings().warehouse()).isEqualTo(ProjectLoader.load(dir, ENV).settings().warehouse());
    }

    // ---- one broken thing, one problem ----

    /**
     * One broken input and the one problem it must give: the file and key path exactly, the value found quoted in the
     * problem, and what is expected named in the fix. The wording around them is free to change.
     *
     * @param name what is broken, for the test report
     * @param files files to write over the valid project (a null text deletes the file)
     * @param file the problem's file
     * @param keyPath the problem's key path
     * @param found fragments the problem must contain: the value found (quoted as the user wrote it), the choices
     * @param expected fragments the fix must contain: what is expected instead
     */
    private record Broken(String name, Map<String, String> files, String file, String keyPath, List<String> found,
                          List<String> expected) {
        Broken write(String rel, String text) {
            Map<String, String> f = new LinkedHashMap<>(files);
            f.put(rel, text);
            return new Broken(name, f, file, keyPath, found, expected);
        }

        Broken delete(String rel) {
            return write(rel, null);
        }

        Broken at(String inFile, String path) {
            return new Broken(name, files, inFile, path, found, expected);
        }

        Broken found(String... fragments) {
            return new Broken(name, files, file, keyPath, List.of(fragments), expected);
        }

        Broken fix(String... fragments) {
            return new Broken(name, files, file, keyPath, found, List.of(fragments));
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static Broken broken(String name) {
        return new Broken(name, Map.of(), "", "", List.of(), List.of());
    }

    private static final String FV = "feature_views/";

    static Stream<Broken> brokenInputs() {
        return Stream.of(
                // files and YAML
                broken("missing ingot.yaml").delete("ingot.yaml")
                        .at("ingot.yaml", "").found("missing").fix("name: <project name>"),
                broken("unclosed quote").write("checks/orders_quality.yaml",
                                "checks:\n  - kind: pattern\n    column: order_id\n    regex: \"^o-\n")
                        .at("checks/orders_quality.yaml", "").found("not valid YAML at line", "quoted scalar")
                        .fix("YAML syntax"),
                broken("top level not a mapping").write("models/churn.yaml", "- customer_spend\n- order_flags\n")
                        .at("models/churn.yaml", "").found("[customer_spend, order_flags]").fix("mapping"),
                broken("empty file").write("checks/orders_quality.yaml", "# nothing yet\n")
                        .at("checks/orders_quality.yaml", "").found("empty").fix("mapping"),
                broken("duplicate key").write("models/churn.yaml", CHURN + "label: churned_90d\n")
                        .at("models/churn.yaml", "label").found("'label'", "line 15").fix("one 'label:' line"),
                broken("duplicate nested key").write("ingot.yaml",
                                INGOT.replace("  user: hive\n", "  user: hive\n  user: metastore\n"))
                        .at("ingot.yaml", "catalog.user").found("'user'").fix("one 'user:' line"),
                broken("two YAML documents").write("sources/customers.yaml",
                                CUSTOMERS + "---\ntable: raw.customers_v2\nevent_time: updated_at\n")
                        .at("sources/customers.yaml", "").found("line 4").fix("one definition per file"),
                broken("key with no value").write("models/churn.yaml", CHURN.replace("label: churned", "label:"))
                        .at("models/churn.yaml", "label").found("no value").fix("label:", "column"),

                // types and names
                broken("list where a string is expected").write(FV + "customer_spend.yaml",
                                CUSTOMER_SPEND.replace("source: orders", "source: [orders, customers]"))
                        .at(FV + "customer_spend.yaml", "source").found("[orders, customers]", "not a string")
                        .fix("a name"),
                broken("string where a number is expected").write("checks/spend_checks.yaml",
                                SPEND_CHECKS.replace("max: 1000000", "max: lots"))
                        .at("checks/spend_checks.yaml", "checks[1].max").found("'lots'", "not a number").fix("a number"),
                broken("mapping where a list is expected").write(FV + "customer_spend.yaml",
                                CUSTOMER_SPEND.replaceAll("(?s)aggregations:.*(?=checks:)", "aggregations:\n  name: spend\n"))
                        // Not also "the model's spend_7d does not exist": the view has a problem of its own.
                        .at(FV + "customer_spend.yaml", "aggregations").found("{name: spend}", "not a list")
                        .fix("'- key: value' items"),
                broken("number out of range").write("checks/spend_checks.yaml", SPEND_CHECKS.replace(
                                "    column: customer_id\n  - kind: range", "    column: customer_id\n    min: 1.5\n  - kind: range"))
                        .at("checks/spend_checks.yaml", "checks[0].min").found("1.5", "out of range").fix("from 0 to 1"),
                broken("invalid name in a value").write(FV + "customer_spend.yaml",
                                CUSTOMER_SPEND.replace("source: orders", "source: Orders"))
                        .at(FV + "customer_spend.yaml", "source").found("'Orders'")
                        .fix("lower-case letters, digits and '_', starting with a letter"),
                broken("invalid column name in a list").write(FV + "order_flags.yml",
                                ORDER_FLAGS.replace("[customer_id, order_id]", "[customer_id, order-id]"))
                        .at(FV + "order_flags.yml", "entities[1]").found("'order-id'").fix("letters, digits and '_'"),
                broken("invalid file name").write(FV + "Spend-Trend.yaml", SPEND_TREND)
                        .at(FV + "Spend-Trend.yaml", "").found("'Spend-Trend'").fix("<name>.yaml", "lower-case letters"),
                broken("same name as .yaml and .yml").write(FV + "order_flags.yaml", ORDER_FLAGS)
                        .at(FV + "order_flags.yml", "").found("'order_flags'", FV + "order_flags.yaml")
                        .fix("order_flags.yaml", "order_flags.yml"),
                broken("name key disagrees with the file name").write(FV + "customer_spend.yaml",
                                "name: customer_spending\n" + CUSTOMER_SPEND)
                        .at(FV + "customer_spend.yaml", "name").found("'customer_spending'", "customer_spend.yaml")
                        .fix("customer_spending.yaml", "remove the 'name' key"),
                broken("unknown choice").write("ingot.yaml", INGOT.replace("gpu: on", "gpu: maybe"))
                        .at("ingot.yaml", "gpu").found("'maybe'", "auto, on, off").fix("auto, on, off"),

                // references
                broken("dangling source").write(FV + "customer_spend.yaml",
                                CUSTOMER_SPEND.replace("source: orders", "source: order"))
                        .at(FV + "customer_spend.yaml", "source")
                        .found("'order'", "customers, orders", "customer_spend, order_flags, spend_trend",
                                "did you mean 'orders'?")
                        .fix("sources/", "feature_views/"),
                broken("dangling check suite").write(FV + "customer_spend.yaml",
                                CUSTOMER_SPEND.replace("[spend_checks]", "[spend_checks, freshness]"))
                        .at(FV + "customer_spend.yaml", "checks[1]").found("'freshness'", "orders_quality, spend_checks")
                        .fix("checks/"),
                broken("cross-file problem in a .yml file").write(FV + "order_flags.yml",
                                ORDER_FLAGS + "checks: [order_checks]\n")
                        .at(FV + "order_flags.yml", "checks[0]").found("'order_checks'").fix("checks/"),
                broken("model reads an unknown view").write("models/churn.yaml",
                                CHURN.replace("- order_flags", "- order_flag"))
                        .at("models/churn.yaml", "features[1]")
                        .found("'order_flag'", "customer_spend, order_flags, spend_trend", "did you mean 'order_flags'?")
                        .fix("feature_views/"),
                broken("model reads an unknown feature").write("models/churn.yaml",
                                CHURN.replace("spend_7d,spend_30d", "spend_7d,spend_90d"))
                        .at("models/churn.yaml", "features[0]")
                        .found("'customer_spend'", "'spend_90d'", "spend_1d, spend_7d, spend_30d, order_count_7d",
                                "did you mean 'spend_30d'?")
                        .fix("its features"),
                broken("malformed feature reference").write("models/churn.yaml",
                                CHURN.replace("- order_flags", "- \"order_flags:\""))
                        .at("models/churn.yaml", "features[1]").found("'order_flags:'")
                        .fix("VIEW", "VIEW:feature1,feature2"),
                broken("view reads itself").write(FV + "spend_trend.yaml",
                                SPEND_TREND.replace("source: customer_spend", "source: spend_trend"))
                        .at(FV + "spend_trend.yaml", "source").found("'spend_trend'").fix("another feature view"),
                broken("view with the name of a source").write(FV + "orders.yaml", ORDER_FLAGS)
                        .at(FV + "orders.yaml", "").found("'orders'", "sources/orders.yaml").fix("rename"),
                broken("entity not a column of the source").write(FV + "customer_spend.yaml",
                                CUSTOMER_SPEND.replace("[customer_id]", "[client_id]"))
                        .at(FV + "customer_spend.yaml", "entities[0]")
                        .found("'client_id'", "sources/orders.yaml", "order_id, customer_id, amount, status, ts, amount_cents")
                        .fix("columns"),
                broken("aggregated column not a column of the source").write(FV + "customer_spend.yaml",
                                CUSTOMER_SPEND.replace("column: amount", "column: amount_usd"))
                        .at(FV + "customer_spend.yaml", "aggregations[0].column").found("'amount_usd'", "sources/orders.yaml")
                        .fix("transformation"),
                // The model and spend_trend that use the broken view only get the view's own problem.
                broken("reference to a broken definition").write(FV + "customer_spend.yaml",
                                CUSTOMER_SPEND.replace("function: sum", "function: total"))
                        .at(FV + "customer_spend.yaml", "aggregations[0].function")
                        .found("'total'", "count, sum, avg, min, max, stddev, approx_count_distinct, last")
                        .fix("count", "sum", "avg", "min", "max", "stddev", "approx_count_distinct", "last"),

                // feature views: time and SQL
                broken("window not a multiple of the cadence").write(FV + "customer_spend.yaml",
                                CUSTOMER_SPEND.replace("[1d, 7d, 30d]", "[1d, 36h, 7d, 30d]"))
                        .at(FV + "customer_spend.yaml", "aggregations[0].windows[1]").found("'36h'", "1d")
                        .fix("1d ticks", "'cadence'"),
                broken("unsupported cadence").write(FV + "order_flags.yml", ORDER_FLAGS.replace("cadence: 1h", "cadence: 2h"))
                        .at(FV + "order_flags.yml", "cadence").found("'2h'").fix("1h", "1d"),
                broken("bad duration").write(FV + "order_flags.yml", ORDER_FLAGS.replace("ttl: 2d", "ttl: 1 week"))
                        .at(FV + "order_flags.yml", "ttl").found("'1 week'").fix("m, h or d"),
                broken("bad window").write(FV + "customer_spend.yaml",
                                CUSTOMER_SPEND.replace("[1d, 7d, 30d]", "[1d, 7d, 30d, 1mo]"))
                        .at(FV + "customer_spend.yaml", "aggregations[0].windows[3]").found("'1mo'").fix("m, h or d"),
                broken("ttl shorter than the cadence").write(FV + "order_flags.yml", ORDER_FLAGS.replace("ttl: 2d", "ttl: 30m"))
                        .at(FV + "order_flags.yml", "ttl").found("'30m'", "1h").fix("at least 1h"),
                broken("two aggregations make the same feature").write(FV + "customer_spend.yaml",
                                CUSTOMER_SPEND.replace("checks: [spend_checks]", """
                                          - name: spend
                                            function: avg
                                            column: amount
                                            windows: [7d]
                                        checks: [spend_checks]"""))
                        .at(FV + "customer_spend.yaml", "aggregations[2].name").found("'spend_7d'")
                        .fix("another name", "merge the windows"),
                broken("aggregation without its column").write(FV + "customer_spend.yaml",
                                CUSTOMER_SPEND.replace("    column: amount\n", ""))
                        .at(FV + "customer_spend.yaml", "aggregations[0].column").found("sum").fix("column:"),
                broken("view without features").write(FV + "spend_trend.yaml",
                                "source: customer_spend\nentities: [customer_id]\n")
                        .at(FV + "spend_trend.yaml", "").found("'aggregations'", "'transformations'")
                        .fix("aggregations:", "transformations:"),
                broken("invalid SQL in a filter").write(FV + "customer_spend.yaml",
                                CUSTOMER_SPEND.replace("filter: status = 'complete'", "filter: status = = 'complete'"))
                        .at(FV + "customer_spend.yaml", "filter").found("'status = = 'complete''", "[PARSE_SYNTAX_ERROR]")
                        .fix("SQL predicate"),
                broken("SQL injection in a filter").write(FV + "customer_spend.yaml", CUSTOMER_SPEND.replace(
                                "filter: status = 'complete'", "filter: \"amount > 0; DROP TABLE features.x\""))
                        .at(FV + "customer_spend.yaml", "filter").found("'amount > 0; DROP TABLE features.x'")
                        .fix("SQL predicate"),
                broken("invalid SQL in a transformation").write(FV + "customer_spend.yaml",
                                CUSTOMER_SPEND.replace("expr: amount * 100", "expr: amount * 100 cents"))
                        .at(FV + "customer_spend.yaml", "transformations[0].expr").found("'amount * 100 cents'", "'cents'")
                        .fix("SQL expression"),
                broken("invalid SQL in a predicate check").write("checks/orders_quality.yaml",
                                ORDERS_QUALITY.replace("expr: amount >= 0", "expr: amount >="))
                        .at("checks/orders_quality.yaml", "checks[0].expr").found("'amount >='", "[PARSE_SYNTAX_ERROR]")
                        .fix("SQL predicate"),

                // sources
                broken("csv source without a schema").write("sources/orders.yaml", "path: data/orders\nformat: csv\nevent_time: ts\n")
                        .at("sources/orders.yaml", "schema").found("csv").fix("schema:", "column: type"),
                broken("schema type that is not a Spark type").write("sources/orders.yaml",
                                ORDERS.replace("amount: double", "amount: dbl"))
                        .at("sources/orders.yaml", "schema.amount").found("'dbl'").fix("string", "double", "decimal(10,2)"),
                // DataType.fromDDL would read this as struct<usd:double>.
                broken("schema type that is a table schema").write("sources/orders.yaml",
                                ORDERS.replace("amount: double", "amount: usd double"))
                        .at("sources/orders.yaml", "schema.amount").found("'usd double'").fix("double"),
                broken("event time not in the schema").write("sources/orders.yaml",
                                ORDERS.replace("event_time: ts", "event_time: created_at"))
                        .at("sources/orders.yaml", "event_time")
                        .found("'created_at'", "order_id, customer_id, amount, status, ts").fix("schema's columns"),
                broken("event time not a timestamp").write("sources/orders.yaml",
                                ORDERS.replace("event_time: ts", "event_time: order_id"))
                        .at("sources/orders.yaml", "event_time").found("'order_id'", "string").fix("timestamp"),
                broken("time zone that is not a zone id").write("sources/orders.yaml", ORDERS + "time_zone: Europe/Pariss\n")
                        .at("sources/orders.yaml", "time_zone").found("'Europe/Pariss'").fix("Europe/Paris"),
                broken("source with both table and path").write("sources/customers.yaml", CUSTOMERS + "path: data/customers\n")
                        .at("sources/customers.yaml", "").found("'raw.customers'", "'data/customers'")
                        .fix("'table: database.table'", "'path: <files>'"),
                broken("source with neither table nor path").write("sources/customers.yaml", "event_time: updated_at\n")
                        .at("sources/customers.yaml", "").found("'table'", "'path'").fix("exactly one"),
                broken("path source without a format").write("sources/orders.yaml", ORDERS.replace("format: csv\n", ""))
                        .at("sources/orders.yaml", "format").found("'path'").fix("delta", "parquet", "csv", "json"),
                broken("table source with a file format").write("sources/customers.yaml", CUSTOMERS + "format: parquet\n")
                        .at("sources/customers.yaml", "format").found("'parquet'").fix("remove 'format'"),
                broken("bad table name").write("sources/customers.yaml", CUSTOMERS.replace("raw.customers", "customers"))
                        .at("sources/customers.yaml", "table").found("'customers'").fix("database.table"),

                // checks
                broken("unknown check kind").write("checks/spend_checks.yaml",
                                SPEND_CHECKS.replace("kind: completeness", "kind: freshness"))
                        .at("checks/spend_checks.yaml", "checks[0].kind").found("'freshness'")
                        .fix("completeness", "uniqueness", "contained_in", "min", "max", "range", "pattern", "size",
                                "distinct_count", "quantile", "mean", "stddev", "predicate"),
                broken("range check missing a bound").write("checks/spend_checks.yaml",
                                SPEND_CHECKS.replace("    max: 1000000\n", ""))
                        .at("checks/spend_checks.yaml", "checks[1].max").found("missing").fix("max:", "a number"),
                broken("range check with min above max").write("checks/spend_checks.yaml",
                                SPEND_CHECKS.replace("min: 0\n", "min: 5000000\n"))
                        .at("checks/spend_checks.yaml", "checks[1].min").found("5000000", "1000000").fix("min <= max"),
                broken("size check without bounds").write("checks/orders_quality.yaml",
                                ORDERS_QUALITY.replace("  - kind: size\n    min: 1\n", "  - kind: size\n"))
                        .at("checks/orders_quality.yaml", "checks[3]").found("size").fix("'min'", "'max'"),
                broken("key that the check kind does not take").write("checks/spend_checks.yaml",
                                SPEND_CHECKS.replace("    severity: warning\n", "    severity: warning\n    regex: \"[0-9]+\"\n"))
                        .at("checks/spend_checks.yaml", "checks[1].regex").found("'regex'")
                        .fix("kind", "severity", "description", "column", "min", "max"),
                broken("invalid regex").write("checks/orders_quality.yaml",
                                ORDERS_QUALITY.replace("\"^o-[0-9]+$\"", "\"^o-[0-9+$\""))
                        .at("checks/orders_quality.yaml", "checks[1].regex").found("'^o-[0-9+$'").fix("pattern"),

                // ingot.yaml
                broken("jdbc metastore without url").write("ingot.yaml",
                                INGOT.replace("  url: jdbc:postgresql://db:5432/metastore\n", ""))
                        .at("ingot.yaml", "catalog.url").found("missing").fix("url:", "jdbc:postgresql://"),
                broken("jdbc url that is not jdbc").write("ingot.yaml", INGOT.replace("url: jdbc:postgresql", "url: postgresql"))
                        .at("ingot.yaml", "catalog.url").found("'postgresql://db:5432/metastore'").fix("jdbc:"),
                broken("mlflow tracking with a file uri").write("ingot.yaml",
                                INGOT.replace("uri: https://mlflow.example.com", "uri: file:///tmp/mlruns"))
                        .at("ingot.yaml", "tracking.uri").found("'file:///tmp/mlruns'").fix("http(s)://", "databricks"),
                broken("mlflow request timeout of 0").write("ingot.yaml",
                                INGOT.replace("request_timeout_seconds: 600", "request_timeout_seconds: 0"))
                        .at("ingot.yaml", "tracking.request_timeout_seconds").found("0", "out of range")
                        .fix("from 1"),
                broken("mlflow tracking without uri").write("ingot.yaml", INGOT.replace("  uri: https://mlflow.example.com\n", ""))
                        .at("ingot.yaml", "tracking.uri").found("missing").fix("uri:", "http://mlflow:5000"),
                broken("spark conf key that is not a Spark setting").write("ingot.yaml",
                                INGOT.replace("    spark.executor.memory: 2g\n", "    executor.memory: 2g\n"))
                        .at("ingot.yaml", "spark.conf.executor.memory").found("'executor.memory'").fix("'spark.'"),
                broken("spark conf value that is not a scalar").write("ingot.yaml",
                                INGOT.replace("spark.executor.memory: 2g", "spark.executor.memory: [2g, 4g]"))
                        .at("ingot.yaml", "spark.conf.spark.executor.memory").found("[2g, 4g]")
                        .fix("string, number or boolean"),
                broken("price per core-hour below zero").write("ingot.yaml", INGOT.replace("0.05", "-0.05"))
                        .at("ingot.yaml", "cost.price_per_core_hour").found("-0.05").fix("a number from 0"),
                broken("price per core-hour of zero").write("ingot.yaml", INGOT.replace("0.05", "0"))
                        .at("ingot.yaml", "cost.price_per_core_hour").found("0").fix("positive", "remove 'cost'"),
                broken("price per core-hour that is not a number").write("ingot.yaml", INGOT.replace("0.05", "cheap"))
                        .at("ingot.yaml", "cost.price_per_core_hour").found("cheap").fix("a number"),
                broken("cost without a price").write("ingot.yaml", INGOT.replace("  price_per_core_hour: 0.05\n", ""))
                        .at("ingot.yaml", "cost.price_per_core_hour").found("missing").fix("price_per_core_hour:"),
                broken("currency that is not three letters").write("ingot.yaml", INGOT.replace("currency: EUR", "currency: euro"))
                        .at("ingot.yaml", "cost.currency").found("'euro'", "three-letter").fix("ISO 4217", "USD"),
                broken("currency in lower case").write("ingot.yaml", INGOT.replace("currency: EUR", "currency: eur"))
                        .at("ingot.yaml", "cost.currency").found("'eur'", "upper case").fix("upper case"),
                broken("currency that ISO 4217 does not know").write("ingot.yaml", INGOT.replace("currency: EUR", "currency: ABC"))
                        .at("ingot.yaml", "cost.currency").found("'ABC'", "ISO 4217").fix("USD"),
                broken("unknown key under cost").write("ingot.yaml", INGOT.replace("currency: EUR", "curency: EUR"))
                        .at("ingot.yaml", "cost.curency").found("curency").fix("currency"),
                broken("dollar brace that is not env interpolation").write("ingot.yaml",
                                INGOT.replace("experiment: retail-${env:INGOT_TEST_TEAM}", "experiment: retail-${TEAM}"))
                        .at("ingot.yaml", "tracking.experiment").found("'retail-${TEAM}'").fix("${env:NAME}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenInputs")
    void oneBrokenThingGivesOneProblemWhereItIs(Broken b) throws IOException {
        for (Map.Entry<String, String> f : b.files().entrySet()) {
            if (f.getValue() == null) {
                Files.delete(dir.resolve(f.getKey()));
            } else {
                write(f.getKey(), f.getValue());
            }
        }
        assertThat(b.found()).as("every row says what the problem must quote").isNotEmpty();
        assertThat(b.expected()).as("every row says what the fix must name").isNotEmpty();
        ConfigProblem p = single();
        assertThat(p.file()).as("file of " + p).isEqualTo(b.file());
        assertThat(p.keyPath()).as("key path of " + p).isEqualTo(b.keyPath());
        assertThat(p.problem()).as("problem of " + p).isNotBlank().contains(b.found());
        assertThat(p.fix()).as("fix of " + p).isNotBlank().isNotEqualTo(p.problem()).contains(b.expected());
        assertOneLine(p);
    }

    // ---- files and YAML ----

    @Test
    void missingProjectDirectory() {
        Path missing = dir.resolve("no_such_project");
        ConfigProblem p = single(() -> ProjectLoader.load(missing, ENV));
        assertProblem(p, missing.toAbsolutePath().normalize().toString(), "",
                "'" + missing.toAbsolutePath().normalize() + "' does not exist", "pass --project with a directory");
    }

    @Test
    void projectDirectoryThatIsAFile() throws IOException {
        Path file = dir.resolve("ingot.yaml");
        ConfigProblem p = single(() -> ProjectLoader.load(file, ENV));
        assertProblem(p, file.toString(), "", "is a file, not a directory", "holds ingot.yaml");
    }

    @Test
    void yamlSyntaxErrorNamesLineAndText() throws IOException {
        write("sources/orders.yaml", """
                path: data/orders
                format: csv
                schema:
                  order_id: string
                 amount: double
                event_time: ts
                """);
        // The views that read 'orders' are not reported as dangling: the file exists, it is broken.
        ConfigProblem p = single();
        assertProblem(p, "sources/orders.yaml", "", "is not valid YAML at line 5, column 2 in 'amount: double'",
                "fix the YAML syntax");
        assertThat(p.problem()).as("one line, no snakeyaml drawing").doesNotContain("\n").doesNotContain("^");
    }

    @Test
    void unknownKeyWithDidYouMean() throws IOException {
        write("feature_views/customer_spend.yaml", CUSTOMER_SPEND.replace("entities:", "entites:"));
        List<ConfigProblem> all = problems();
        assertThat(all).hasSize(2);
        assertProblem(all.get(0), "feature_views/customer_spend.yaml", "entities", "is missing",
                "add 'entities: [entity key column, ...]'");
        assertProblem(all.get(1), "feature_views/customer_spend.yaml", "entites",
                "unknown key 'entites' (did you mean 'entities'?)", "remove it, or use one of: ");
        assertThat(all.get(1).fix()).contains("source", "entities", "aggregations", "cadence", "ttl", "checks");
    }

    @Test
    void unknownNestedKey() throws IOException {
        write("ingot.yaml", INGOT.replace("  driver:", "  drvier:"));
        List<ConfigProblem> all = problems();
        // The driver itself is not missing: a jdbc:postgresql: URL's is inferred.
        assertThat(all).extracting(ConfigProblem::keyPath).containsExactly("catalog.drvier");
        assertThat(all.get(0).problem()).isEqualTo("unknown key 'drvier' (did you mean 'driver'?)");
    }

    // ---- types and names ----

    @Test
    void nameKeyThatAgreesIsAccepted() throws IOException {
        write("feature_views/customer_spend.yaml", "name: customer_spend\n" + CUSTOMER_SPEND);
        assertThat(ProjectLoader.load(dir, ENV).featureViews()).containsKey("customer_spend");
    }

    // ---- references ----

    @Test
    void featureViewSourceCycle() throws IOException {
        write("feature_views/customer_spend.yaml", CUSTOMER_SPEND.replace("source: orders", "source: spend_trend")
                .replace("filter: status = 'complete'\n", "").replace("column: amount", "column: weekly_spend_7d"));
        List<ConfigProblem> all = problems();
        assertThat(all).hasSize(2);
        assertProblem(all.get(0), "feature_views/customer_spend.yaml", "source",
                "feature views read each other in a cycle: customer_spend -> spend_trend -> customer_spend",
                "make one of customer_spend, spend_trend read a source");
        assertProblem(all.get(1), "feature_views/spend_trend.yaml", "source",
                "feature views read each other in a cycle: spend_trend -> customer_spend -> spend_trend",
                "read a source");
    }

    // ---- sources ----

    @Test
    void complexSchemaTypesAreAccepted() throws IOException {
        write("sources/orders.yaml", ORDERS.replace("amount: double", "amount: decimal(10,2)\n  tags: array<string>"));
        assertThat(ProjectLoader.load(dir, ENV).sources().get("orders").schema())
                .containsEntry("amount", "decimal(10,2)").containsEntry("tags", "array<string>");
    }

    @Test
    void timeZoneOfLocalEventTimes() throws IOException {
        assertThat(ProjectLoader.load(dir, ENV).sources().get("orders").timeZone()).as("default").isEqualTo(ZoneOffset.UTC);
        write("sources/orders.yaml", ORDERS.replace("ts: timestamp", "ts: timestamp_ntz") + "time_zone: Europe/Paris\n");
        SourceDef orders = ProjectLoader.load(dir, ENV).sources().get("orders");
        assertThat(orders.timeZone()).isEqualTo(ZoneId.of("Europe/Paris"));
        assertThat(orders.schema()).containsEntry("ts", "timestamp_ntz");
    }

    @Test
    void binaryFileIsNotUtf8Text() throws IOException {
        Files.write(dir.resolve("sources/orders.yaml"), new byte[] {'a', ':', ' ', (byte) 0xC3, (byte) 0x28, (byte) 0xFF,
                (byte) 0xFE, 0, 1, (byte) 0x9F, '\n'});
        ConfigProblem p = single();
        assertProblem(p, "sources/orders.yaml", "", "is not UTF-8 text", "save it as UTF-8");
        assertThat(p.toString()).doesNotContain("CharConversionException").doesNotContain("YAML syntax");
    }

    // ---- checks ----

    @Test
    void anomalyAndDriftChecksTakeTheirRules() throws IOException {
        write("checks/orders_quality.yaml", ORDERS_QUALITY + """
                  - kind: anomaly
                    metric: size
                    strategy: relative_change
                    max_change: 0.3
                  - kind: anomaly
                    metric: completeness
                    column: amount
                    strategy: std-dev
                    sigmas: 3
                    severity: warning
                  - kind: drift
                    column: amount
                    reference: ml.churn_training
                    psi_max: 0.2
                    ks_max: 0.1
                  - kind: drift
                    column: amount
                    reference: previous
                    psi_max: 0.25
                    bins: 20
                """);
        List<CheckDef> checks = ProjectLoader.load(dir, ENV).suites().get("orders_quality").checks();
        assertThat(((CheckDef.Anomaly) checks.get(4)).rule()).isEqualTo(new CheckSuiteDef.AnomalyDef(CheckSuiteDef.Metric.SIZE,
                CheckSuiteDef.Strategy.RELATIVE_CHANGE, Optional.of(0.3), Optional.empty(), 1));
        assertThat(checks.get(4).columns()).isEmpty();
        assertThat(((CheckDef.Anomaly) checks.get(5)).rule()).as("std_dev looks at the last 10 runs by default")
                .isEqualTo(new CheckSuiteDef.AnomalyDef(CheckSuiteDef.Metric.COMPLETENESS, CheckSuiteDef.Strategy.STD_DEV,
                        Optional.empty(), Optional.of(3.0), 10));
        assertThat(checks.get(5).columns()).containsExactly("amount");
        assertThat(((CheckDef.Drift) checks.get(6)).rule()).isEqualTo(new CheckSuiteDef.DriftDef(
                Optional.of(new TableName("ml", "churn_training")), Optional.of(0.2), Optional.of(0.1), 10));
        assertThat(((CheckDef.Drift) checks.get(7)).rule()).isEqualTo(new CheckSuiteDef.DriftDef(Optional.empty(), Optional.of(0.25),
                Optional.empty(), 20));
    }

    @Test
    void anomalyAndDriftRulesAreCheckedStrictly() throws IOException {
        write("checks/orders_quality.yaml", ORDERS_QUALITY + """
                  - kind: anomaly
                    metric: mean
                    strategy: std_dev
                    max_change: 0.3
                  - kind: anomaly
                    metric: size
                    strategy: relative_change
                  - kind: drift
                    column: amount
                """);
        List<ConfigProblem> p = problems();
        assertThat(p).extracting(ConfigProblem::keyPath)
                .containsExactly("checks[4].column", "checks[4].max_change", "checks[4].sigmas", "checks[5].max_change", "checks[6]");
        assertProblem(p.get(1), "checks/orders_quality.yaml", "checks[4].max_change",
                "only the relative_change strategy takes max_change", "use 'sigmas'");
        assertProblem(p.get(4), "checks/orders_quality.yaml", "checks[6]", "a drift check needs a threshold",
                "add 'psi_max' (e.g. 0.2), 'ks_max' (e.g. 0.1) or both");
    }

    // ---- ingot.yaml ----

    @Test
    void jdbcKeysWithAnEmbeddedMetastore() throws IOException {
        write("ingot.yaml", INGOT.replace("metastore: jdbc", "metastore: embedded"));
        assertThat(problems()).extracting(ConfigProblem::keyPath)
                .containsExactly("catalog.url", "catalog.driver", "catalog.user", "catalog.password");
        assertProblem(problems().get(0), "ingot.yaml", "catalog.url",
                "only applies to 'metastore: jdbc' (metastore is embedded)", "remove it, or set 'metastore: jdbc'");
    }

    @Test
    void aJdbcDriverLeftOutIsTheUrlsWhenIngotKnowsItAndAProblemOtherwise() throws IOException {
        write("ingot.yaml", INGOT.replace("  driver: org.postgresql.Driver\n", ""));
        assertThat(ProjectLoader.load(dir, ENV).settings().catalog().jdbcDriver()).contains("org.postgresql.Driver");
        write("ingot.yaml", INGOT.replace("  driver: org.postgresql.Driver\n", "")
                .replace("jdbc:postgresql://db:5432/metastore", "jdbc:mysql://db:3306/metastore"));
        assertThat(ProjectLoader.load(dir, ENV).settings().catalog().jdbcDriver()).contains("com.mysql.cj.jdbc.Driver");

        write("ingot.yaml", INGOT.replace("  driver: org.postgresql.Driver\n", "")
                .replace("jdbc:postgresql://db:5432/metastore", "jdbc:db2://db:50000/metastore"));
        assertThat(problems()).hasSize(1);
        assertProblem(problems().get(0), "ingot.yaml", "catalog.driver",
                "missing, and the driver of 'jdbc:db2://db:50000/metastore' is not one Ingot knows",
                "write the JDBC driver's class (driver: com.example.jdbc.Driver) and put its jar on the classpath");
    }

    // ---- environment and secrets ----

    @Test
    void unsetEnvironmentVariableIsNamedAndSetSecretsNeverAppear() throws IOException {
        write("ingot.yaml", INGOT
                .replace("${env:INGOT_TEST_DB_PASSWORD}", "${env:INGOT_TEST_UNSET_PASSWORD}")
                .replace("uri: https://mlflow.example.com", "uri: \"ftp://mlflow:${env:INGOT_TEST_MLFLOW_TOKEN}@host\"")
                .replace("  user: hive\n", "  user: hive\n  driver_path: ${env:INGOT_TEST_DB_PASSWORD}\n"));
        InvalidConfigException e = loadFails();
        List<ConfigProblem> all = e.problems();
        assertThat(all).hasSize(3);
        assertProblem(all.get(0), "ingot.yaml", "catalog.password",
                "environment variable INGOT_TEST_UNSET_PASSWORD (from ${env:INGOT_TEST_UNSET_PASSWORD}) is not set",
                "export INGOT_TEST_UNSET_PASSWORD before running Ingot");
        assertProblem(all.get(1), "ingot.yaml", "catalog.driver_path", "unknown key 'driver_path'", "remove it");
        assertProblem(all.get(2), "ingot.yaml", "tracking.uri", "'ftp://mlflow:" + Secrets.MASK
                + "@host' is not an MLflow tracking URI", "write http(s)://host:port");

        List<String> printed = new java.util.ArrayList<>(List.of(e.getMessage(), e.toString()));
        all.forEach(p -> printed.addAll(List.of(p.toString(), p.problem(), p.fix(), p.keyPath(), p.file())));
        assertThat(printed).as("a set variable's value is never printed").noneMatch(t -> t.contains(MLFLOW_TOKEN));

        write("ingot.yaml", INGOT);
        Project ok = ProjectLoader.load(dir, ENV);
        assertThat(ok.settings().catalog().jdbcPassword()).as("the value itself is there for the code")
                .contains(DB_PASSWORD);
        for (String text : List.of(ok.toString(), ok.settings().toString(), ok.settings().catalog().toString(),
                ok.settings().tracking().toString())) {
            assertThat(text).doesNotContain(DB_PASSWORD).doesNotContain(MLFLOW_TOKEN);
        }
        assertThat(ok.settings().catalog().toString()).contains("jdbcPassword=Optional[" + Secrets.MASK + "]");
    }

    @Test
    void secretsInSparkConfSourceOptionsAndModelParamsAreRedactedInToString() throws IOException {
        String key = "aws-key-93c1d7-never-print";
        Map<String, String> env = Map.of("INGOT_TEST_DB_PASSWORD", DB_PASSWORD, "INGOT_TEST_MLFLOW_TOKEN", MLFLOW_TOKEN,
                "INGOT_TEST_TEAM", "ml", "INGOT_TEST_PARTITIONS", "16", "INGOT_TEST_AWS_KEY", key);
        write("ingot.yaml", INGOT.replace("    spark.executor.memory: 2g\n",
                "    spark.executor.memory: 2g\n    spark.hadoop.fs.s3a.secret.key: ${env:INGOT_TEST_AWS_KEY}\n"));
        write("sources/orders.yaml", ORDERS.replace("  header: true\n", "  header: true\n  token: ${env:INGOT_TEST_AWS_KEY}\n"));
        write("models/churn.yaml", CHURN.replace("    stepSize: 0.1\n", "    stepSize: 0.1\n    seed_key: ${env:INGOT_TEST_AWS_KEY}\n"));

        Project p = ProjectLoader.load(dir, env);

        assertThat(p.settings().sparkConf()).containsEntry("spark.hadoop.fs.s3a.secret.key", key);
        for (Object o : List.of(p, p.settings(), p.sources().get("orders"), p.models().get("churn"))) {
            assertThat(o.toString()).as(o.getClass().getSimpleName()).doesNotContain(key).contains(Secrets.MASK);
        }
    }

    // ---- secrets that only some commands use ----

    /** {@link #INGOT} with Airflow, the SQL server's password authentication and a signing key, each from a variable. */
    private static final String WITH_COMMAND_SECRETS = INGOT
            .replace("${env:INGOT_TEST_MLFLOW_TOKEN}", "${env:INGOT_TEST_LAZY_TOKEN}") + """
            airflow:
              url: http://airflow:8080
              username: admin
              password: ${env:INGOT_TEST_LAZY_AIRFLOW}
            sql_server:
              auth: password
              username: analyst
              password: ${env:INGOT_TEST_LAZY_SQL}
            signing:
              private_key: ${env:INGOT_TEST_LAZY_KEY}
            """;

    private static final List<ProjectSettings.SecretUse> ALL_USES = List.of(ProjectSettings.SecretUse.values());

    @Test
    void aProjectLoadsWithoutTheVariablesOfSecretsThatOnlySomeCommandsUse() throws IOException {
        write("ingot.yaml", WITH_COMMAND_SECRETS);
        ProjectSettings s = ProjectLoader.load(dir, ENV).settings();

        assertThat(s.secretProblems()).as("a command that uses none of them needs none of them").isEmpty();
        Map<ProjectSettings.SecretUse, String[]> expected = Map.of(
                ProjectSettings.SecretUse.AIRFLOW, new String[] {"airflow.password", "INGOT_TEST_LAZY_AIRFLOW"},
                ProjectSettings.SecretUse.SQL_SERVER, new String[] {"sql_server.password", "INGOT_TEST_LAZY_SQL"},
                ProjectSettings.SecretUse.SIGNING, new String[] {"signing.private_key", "INGOT_TEST_LAZY_KEY"},
                ProjectSettings.SecretUse.TRACKING, new String[] {"tracking.token", "INGOT_TEST_LAZY_TOKEN"});
        expected.forEach((use, where) -> {
            List<ConfigProblem> problems = s.secretProblems(use);
            assertThat(problems).as(use.name()).hasSize(1);
            assertProblem(problems.get(0), "ingot.yaml", where[0], "environment variable " + where[1] + " (from ${env:"
                    + where[1] + "}) is not set", "export " + where[1] + " before running Ingot");
        });
        assertThat(s.secretProblems(ALL_USES.toArray(ProjectSettings.SecretUse[]::new)))
                .as("all at once, each once").hasSize(4);

        InvalidConfigException e = loadFails(() -> s.airflow().orElseThrow().password().orElseThrow().resolve());
        assertThat(e.getMessage()).contains("ingot.yaml: airflow.password").contains("INGOT_TEST_LAZY_AIRFLOW");
        InvalidConfigException k = loadFails(() -> s.signing().orElseThrow().resolve());
        assertThat(k.getMessage()).contains("ingot.yaml: signing.private_key").contains("INGOT_TEST_LAZY_KEY");
        assertThat(s.signing().orElseThrow().publicKey()).isEmpty();
    }

    @Test
    void withTheVariablesSetEachSecretResolvesToItsValueAndIsNeverPrinted() throws Exception {
        java.security.KeyPair pair = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        String key = java.util.Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded());
        String airflow = "airflow-pw-5c0e1a-never-print";
        String sql = "sql-pw-88d2f4-never-print";
        String token = "token-a17b39-never-print";
        Map<String, String> env = new LinkedHashMap<>(ENV);
        env.putAll(Map.of("INGOT_TEST_LAZY_AIRFLOW", airflow, "INGOT_TEST_LAZY_SQL", sql,
                "INGOT_TEST_LAZY_KEY", key, "INGOT_TEST_LAZY_TOKEN", token));
        write("ingot.yaml", WITH_COMMAND_SECRETS);
        Project p = ProjectLoader.load(dir, env);
        ProjectSettings s = p.settings();

        assertThat(s.secretProblems(ALL_USES.toArray(ProjectSettings.SecretUse[]::new))).isEmpty();
        assertThat(s.airflow().orElseThrow().password().orElseThrow().resolve()).isEqualTo(airflow);
        assertThat(s.sqlServer().password().orElseThrow().resolve()).isEqualTo(sql);
        assertThat(s.tracking().token().orElseThrow().resolve()).isEqualTo(token);
        String signature = dev.ingot.core.ModelSignature.sign(s.signing().orElseThrow().resolve().privateKey()
                .orElseThrow(), "abc123");
        assertThat(dev.ingot.core.ModelSignature.verify(pair.getPublic(), "abc123", signature))
                .as("the key from the environment signs").isTrue();
        for (String text : List.of(p.toString(), s.toString(), s.airflow().orElseThrow().toString(),
                s.sqlServer().toString(), s.tracking().toString(), s.signing().orElseThrow().toString())) {
            assertThat(text).doesNotContain(airflow).doesNotContain(sql).doesNotContain(token).doesNotContain(key);
        }
        assertThat(s.airflow().orElseThrow().toString()).as("names the variable, not the value")
                .contains("${env:INGOT_TEST_LAZY_AIRFLOW}");
        assertThat(Secrets.redact("logged: " + airflow + " " + sql + " " + token + " " + key))
                .as("registered for masking").isEqualTo("logged: **** **** **** ****");

        env.put("INGOT_TEST_LAZY_KEY", "not-a-key-at-all-3e1f");
        env.put("INGOT_TEST_LAZY_SQL", "");
        ProjectSettings bad = ProjectLoader.load(dir, env).settings();
        List<ConfigProblem> signing = bad.secretProblems(ProjectSettings.SecretUse.SIGNING);
        assertThat(signing).hasSize(1);
        assertProblem(signing.get(0), "ingot.yaml", "signing.private_key", "is not a PKCS#8 Ed25519 private key",
                "openssl genpkey");
        assertThat(signing.get(0).toString()).doesNotContain("not-a-key-at-all-3e1f");
        List<ConfigProblem> empty = bad.secretProblems(ProjectSettings.SecretUse.SQL_SERVER);
        assertThat(empty).hasSize(1);
        assertProblem(empty.get(0), "ingot.yaml", "sql_server.password", "is empty", "export");
    }

    @Test
    void aMalformedSecretIsStillAFileErrorAtLoad() throws IOException {
        write("ingot.yaml", WITH_COMMAND_SECRETS.replace("${env:INGOT_TEST_LAZY_AIRFLOW}", "${INGOT_TEST_LAZY_AIRFLOW}")
                .replace("${env:INGOT_TEST_LAZY_SQL}", "${env:}"));
        List<ConfigProblem> all = problems();
        assertThat(all).hasSize(2);
        assertProblem(all.get(0), "ingot.yaml", "airflow.password", "has a '${' that is not ${env:NAME}", "${env:NAME}");
        assertProblem(all.get(1), "ingot.yaml", "sql_server.password", "has a '${' that is not ${env:NAME}",
                "${env:NAME}");
    }

    @Test
    void aSecretNamesWhereItIsWrittenAndNeverItsValue() {
        Secret env = Secret.of("ingot.yaml", "airflow.password", "${env:A_VAR}-${env:B_VAR}",
                Map.of("A_VAR", "first-secret-part", "B_VAR", "second-secret-part"));
        assertThat(env.resolve()).isEqualTo("first-secret-part-second-secret-part");
        assertThat(env.variables()).containsExactly("A_VAR", "B_VAR");
        assertThat(env.toString()).contains("airflow.password", "${env:A_VAR}", "${env:B_VAR}")
                .doesNotContain("first-secret-part").doesNotContain("second-secret-part");
        Secret literal = Secret.literal("plain-literal-secret-7e");
        assertThat(literal.resolve()).isEqualTo("plain-literal-secret-7e");
        assertThat(literal.toString()).doesNotContain("plain-literal-secret-7e").contains(Secrets.MASK);
        assertThat(Secret.of("ingot.yaml", "tracking.token", "${env:C_VAR}", Map.of()).problems()).hasSize(1);
    }

    // ---- models ----

    @Test
    void fullModelSpecLoadsWithEveryTrainingKey() throws IOException {
        write("models/churn.yaml", CHURN.replace("gate:\n  - auc >= 0.7\n", """
                test_window: 7d
                validation_window: 3d
                seed: 7
                metrics: [auc, log_loss, precision_at_k]
                precision_at_k: 25
                nulls:
                  impute: median
                  indicators: false
                fairness:
                  column: segment
                  max_gap:
                    tpr: 0.05
                    auc: 0.1
                gate:
                  - auc >= 0.70
                  - auc >= champion.auc - 0.005
                  - log_loss<champion.log_loss+0.01
                """));

        ModelDef m = ProjectLoader.load(dir, ENV).models().get("churn");

        assertThat(m.task()).isEqualTo(ModelDef.Task.CLASSIFICATION);
        assertThat(m.testWindow().text()).isEqualTo("7d");
        assertThat(m.validationWindow()).map(TimeSpan::seconds).contains(3 * 86_400L);
        assertThat(m.seed()).isEqualTo(7);
        assertThat(m.metrics()).containsExactly(ModelDef.Metric.AUC, ModelDef.Metric.LOG_LOSS,
                ModelDef.Metric.PRECISION_AT_K);
        assertThat(m.precisionAtK()).isEqualTo(25);
        assertThat(m.nulls()).isEqualTo(new ModelDef.Nulls(ModelDef.Imputation.MEDIAN, false));
        assertThat(m.fairness()).contains(new ModelDef.Fairness("segment",
                Map.of(ModelDef.FairnessMetric.TPR, 0.05, ModelDef.FairnessMetric.AUC, 0.1)));
        assertThat(m.gate()).containsExactly(
                new ModelDef.GateRule(ModelDef.Metric.AUC, ModelDef.Comparison.GE, Optional.empty(), 0.70),
                new ModelDef.GateRule(ModelDef.Metric.AUC, ModelDef.Comparison.GE, Optional.of(ModelDef.Metric.AUC), -0.005),
                new ModelDef.GateRule(ModelDef.Metric.LOG_LOSS, ModelDef.Comparison.LT,
                        Optional.of(ModelDef.Metric.LOG_LOSS), 0.01));
        assertThat(m.gate().get(1)).hasToString("auc >= champion.auc - 0.005");
    }

    @Test
    void modelDefaultsEveryMetricOfTheTaskMeanImputationWithIndicatorsAndSeed42() throws IOException {
        write("models/churn.yaml", CHURN.replace("gbt_classifier", "linear_regression").replace("gate:\n  - auc >= 0.7\n", ""));

        ModelDef m = ProjectLoader.load(dir, ENV).models().get("churn");

        assertThat(m.task()).isEqualTo(ModelDef.Task.REGRESSION);
        assertThat(m.metrics()).containsExactly(ModelDef.Metric.RMSE, ModelDef.Metric.MAE, ModelDef.Metric.R2);
        assertThat(m.nulls()).isEqualTo(ModelDef.Nulls.defaults());
        assertThat(m.seed()).isEqualTo(42);
        assertThat(m.precisionAtK()).isEqualTo(100);
        assertThat(m.validationWindow()).isEmpty();
        assertThat(m.fairness()).isEmpty();
        assertThat(m.gate()).isEmpty();
    }

    @Test
    void modelMadeElsewhereLoadsItsOnnxFileBindingOutputsAndKeys() throws IOException {
        write("onnx/churn.onnx", "bytes");
        write("models/churn_sk.yaml", """
                description: From the notebook
                onnx: onnx/churn.onnx
                inputs:
                  float_input: [total_spend, order_count]
                  segment: segment
                outputs:
                  label: output_label
                  probability: output_probability
                keys: [customer_id]
                """);

        Project p = ProjectLoader.load(dir, ENV);

        assertThat(p.models()).as("Ingot's training specs only").containsOnlyKeys("churn");
        OnnxModelDef m = p.onnxModels().get("churn_sk");
        assertThat(m).isEqualTo(OnnxModelDef.of("churn_sk", "onnx/churn.onnx").withDescription("From the notebook")
                .withInput("float_input", List.of("total_spend", "order_count")).withInput("segment", List.of("segment"))
                .withOutputs(Optional.of("output_label"), Optional.of("output_probability"), Optional.empty())
                .withKeys(List.of("customer_id")));
        assertThat(m.file()).isEqualTo("models/churn_sk.yaml");
    }

    @Test
    void modelMadeElsewhereRefusesTrainingKeysAMissingFileAndBadBindings() throws IOException {
        write("models/churn_sk.yaml", """
                onnx: onnx/missing.onnx
                algorithm:
                  type: gbt_classifier
                inputs:
                  float_input: []
                outputs:
                  label: l
                  prediction: p
                  score: s
                """);

        List<ConfigProblem> ps = problems();

        assertThat(ps).extracting(ConfigProblem::keyPath).containsExactly("algorithm", "onnx", "inputs.float_input",
                "outputs.prediction", "outputs.score");
        assertProblem(ps.get(0), "models/churn_sk.yaml", "algorithm", "trains a model, and this one is made elsewhere",
                "remove 'algorithm'");
        assertProblem(ps.get(1), "models/churn_sk.yaml", "onnx", "'onnx/missing.onnx' does not exist (looked for "
                + dir.toAbsolutePath().normalize().resolve("onnx/missing.onnx"), "relative to the project directory");
        assertProblem(ps.get(2), "models/churn_sk.yaml", "inputs.float_input", "is an empty list", "list at least one column");
        assertProblem(ps.get(3), "models/churn_sk.yaml", "outputs.prediction", "a classifier (label, probability) or a "
                + "regressor (prediction), not both", "keep either");
        assertProblem(ps.get(4), "models/churn_sk.yaml", "outputs.score", "unknown key 'score'", "label, probability, prediction");
    }

    @Test
    void trainingSpecRefusesTheKeysOfAModelMadeElsewhere() throws IOException {
        write("models/churn.yaml", CHURN + "inputs:\n  x: [a]\n");
        assertProblem(single(), "models/churn.yaml", "inputs", "belongs to a model made elsewhere", "add 'onnx:");
    }

    @Test
    void ambiguousAndUnknownAlgorithmsSayWhatToWrite() throws IOException {
        write("models/churn.yaml", CHURN.replace("type: gbt_classifier", "type: gbt"));
        assertProblem(single(), "models/churn.yaml", "algorithm.type", "'gbt' does not say whether it classifies or regresses",
                "write gbt_classifier or gbt_regressor");

        write("models/churn.yaml", CHURN.replace("type: gbt_classifier", "type: gbt_clasifier"));
        assertProblem(single(), "models/churn.yaml", "algorithm.type",
                "'gbt_clasifier' is not one of logistic_regression, linear_regression, decision_tree_classifier",
                "write one of logistic_regression");
        assertThat(single().problem()).contains("did you mean 'gbt_classifier'?");
    }

    @Test
    void badGateRulesAreReportedEachWithTheGrammar() throws IOException {
        write("models/churn.yaml", CHURN.replace("  - auc >= 0.7\n", """
                  - auc >= 0.7 and f1 > 0.5
                  - rmse <= 3
                  - auc >= champion.f1
                  - auc => 0.7
                  - accuracy > champion.accuracy * 2
                """));

        List<ConfigProblem> ps = problems();

        assertThat(ps).extracting(ConfigProblem::keyPath)
                .containsExactly("gate[0]", "gate[1]", "gate[2]", "gate[3]", "gate[4]");
        assertProblem(ps.get(0), "models/churn.yaml", "gate[0]", "'auc >= 0.7 and f1 > 0.5' is not a gate rule",
                "write '<metric> <op> <number>' or '<metric> <op> champion.<metric> [+|- <number>]'");
        assertProblem(ps.get(1), "models/churn.yaml", "gate[1]", "'rmse' is not a metric of classification models",
                "use one of: auc, pr_auc, log_loss, accuracy, f1, precision_at_k");
        assertProblem(ps.get(2), "models/churn.yaml", "gate[2]", "compares auc with the champion's f1",
                "auc >= champion.auc - 0.005");
        assertProblem(ps.get(3), "models/churn.yaml", "gate[3]", "'auc => 0.7' is not a gate rule", "op one of >=");
        assertProblem(ps.get(4), "models/churn.yaml", "gate[4]", "is not a gate rule", "champion.<metric>");
    }

    @Test
    void metricsFairnessNullsAndSeedAreCheckedAgainstTheTask() throws IOException {
        write("models/churn.yaml", CHURN.replace("gbt_classifier", "gbt_regressor").replace("gate:\n  - auc >= 0.7\n", """
                metrics: [rmse, auc]
                precision_at_k: 0
                nulls:
                  impute: zero
                fairness:
                  column: segment
                  max_gap:
                    tpr: 2
                """).replace("    stepSize: 0.1\n", "    stepSize: 0.1\n    seed: 3\n"));

        List<ConfigProblem> ps = problems();

        assertThat(ps).extracting(ConfigProblem::keyPath).containsExactly("algorithm.params.seed", "metrics[1]",
                "precision_at_k", "nulls.impute", "fairness.max_gap.tpr", "fairness");
        assertProblem(ps.get(0), "models/churn.yaml", "algorithm.params.seed", "not an algorithm param",
                "top-level 'seed:' key");
        assertProblem(ps.get(1), "models/churn.yaml", "metrics[1]", "'auc' is not a metric of regression models",
                "use one of: rmse, mae, r2");
        assertProblem(ps.get(2), "models/churn.yaml", "precision_at_k", "is 0, out of range", "a whole number from 1");
        assertProblem(ps.get(3), "models/churn.yaml", "nulls.impute", "'zero' is not one of mean, median, mode",
                "write one of mean, median, mode");
        assertProblem(ps.get(4), "models/churn.yaml", "fairness.max_gap.tpr", "is 2, out of range", "a number from 0 to 1");
        assertProblem(ps.get(5), "models/churn.yaml", "fairness", "this model is a regressor", "use a classifier");
    }

    // ---- all at once ----

    @Test
    void manyProblemsAcrossFilesAreReportedTogether() throws IOException {
        write("ingot.yaml", INGOT.replace("gpu: on", "gpu: always")                                      // 1
                .replace("    spark.executor.memory: 2g\n", "    executor.memory: 2g\n"));                // 2
        write("sources/orders.yaml", ORDERS.replace("amount: double", "amount: dbl")                     // 3
                .replace("event_time: ts", "event_time: created_at"));                                  // 4
        write("sources/customers.yaml", "event_time: updated_at\n");                                    // 5
        write("feature_views/customer_spend.yaml", CUSTOMER_SPEND.replace("entities:", "entites:")      // 6, 7
                .replace("[1d, 7d, 30d]", "[1d, 36h, 30d]"));                                           // 8
        write("feature_views/order_flags.yml", ORDER_FLAGS.replace("cadence: 1h", "cadence: 2h"));       // 9
        write("checks/spend_checks.yaml", SPEND_CHECKS.replace("kind: completeness", "kind: freshness")  // 10
                .replace("min: 0\n", "min: 5000000\n"));                                                // 11
        write("models/churn.yaml", CHURN.replace("- order_flags", "- order_flag")                        // 12
                .replace("type: gbt_classifier", "type: xgboost"));                                                // 13

        InvalidConfigException e = loadFails();

        assertThat(e.problems()).as(e.getMessage()).hasSize(13);
        assertThat(e.problems()).extracting(ConfigProblem::file).containsExactly(
                "ingot.yaml", "ingot.yaml",
                "sources/customers.yaml",
                "sources/orders.yaml", "sources/orders.yaml",
                "feature_views/customer_spend.yaml", "feature_views/customer_spend.yaml",
                "feature_views/customer_spend.yaml",
                "feature_views/order_flags.yml",
                "checks/spend_checks.yaml", "checks/spend_checks.yaml",
                "models/churn.yaml", "models/churn.yaml");
        assertThat(e.getMessage()).startsWith("Invalid project " + dir.toAbsolutePath().normalize() + ": 13 problems\n")
                .contains("  - ingot.yaml: gpu: 'always' is not one of auto, on, off. Fix: write one of auto, on, off")
                .contains("  - models/churn.yaml: features[1]: 'order_flag' is not a feature view");
        assertThat(e.getMessage().lines().count()).isEqualTo(14);
    }

    // ---- helpers ----

    private void write(String rel, String text) throws IOException {
        Path f = dir.resolve(rel);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
    }

    private interface Load {
        void run();
    }

    private static InvalidConfigException loadFails(Load load) {
        try {
            load.run();
        } catch (InvalidConfigException e) {
            assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
            assertThat(e.exitCode().code()).isEqualTo(2);
            assertThat(e.problems()).isNotEmpty();
            return e;
        }
        return fail("the load should have failed with InvalidConfigException");
    }

    private InvalidConfigException loadFails() {
        return loadFails(() -> ProjectLoader.load(dir, ENV));
    }

    private List<ConfigProblem> problems() {
        return loadFails().problems();
    }

    private static ConfigProblem single(Load load) {
        InvalidConfigException e = loadFails(load);
        assertThat(e.problems()).as("exactly one problem, got:\n" + e.getMessage()).hasSize(1);
        return e.problems().get(0);
    }

    private ConfigProblem single() {
        return single(() -> ProjectLoader.load(dir, ENV));
    }

    private static void assertProblem(ConfigProblem p, String file, String keyPath, String problem, String fix) {
        assertThat(p.file()).as("file of " + p).isEqualTo(file);
        assertThat(p.keyPath()).as("key path of " + p).isEqualTo(keyPath);
        assertThat(p.problem()).as("problem of " + p).contains(problem);
        assertThat(p.fix()).as("fix of " + p).contains(fix);
        assertOneLine(p);
    }

    private static void assertOneLine(ConfigProblem p) {
        String keyPath = p.keyPath();
        String file = p.file();
        assertThat(p.toString()).as("one line that says where, what and the fix")
                .startsWith(keyPath.isEmpty() ? file + ": " : file + ": " + keyPath + ": ")
                .contains(". Fix: ")
                .doesNotContain("\n");
    }
}
