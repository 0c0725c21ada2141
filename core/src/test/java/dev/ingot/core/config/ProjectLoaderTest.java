package dev.ingot.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.fail;

import dev.ingot.core.ConfigProblem;
import dev.ingot.core.ExitCode;
import dev.ingot.core.InvalidConfigException;
import dev.ingot.core.Secrets;
import dev.ingot.core.TableName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The project loader, on YAML written by each test into a temporary directory. Each bad-config test starts from a
 * valid project with every kind of file and breaks one thing, so that it can assert the one problem it expects:
 * file, key path, the bad value in the message and the fix. No Spark session is started.
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
            spark:
              conf:
                spark.sql.shuffle.partitions: ${env:INGOT_TEST_PARTITIONS}
                spark.executor.memory: 2g
                spark.sql.adaptive.enabled: true
            gpu: on
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
              type: gbt
              params:
                max_depth: 5
                step_size: 0.1
            gate:
              metric: auc
              min: 0.7
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
        assertThat(s.warehouse()).as("a relative warehouse is resolved against the project dir, normalized")
                .isEqualTo(dir.toAbsolutePath().normalize().resolve("data/warehouse").toString());
        assertThat(s.catalog().metastore()).isEqualTo(CatalogSettings.Metastore.JDBC);
        assertThat(s.catalog().jdbcUrl()).contains("jdbc:postgresql://db:5432/metastore");
        assertThat(s.catalog().jdbcDriver()).contains("org.postgresql.Driver");
        assertThat(s.catalog().jdbcUser()).contains("hive");
        assertThat(s.catalog().jdbcPassword()).as("interpolated from the environment").contains(DB_PASSWORD);
        assertThat(s.tracking().kind()).isEqualTo(TrackingSettings.Kind.MLFLOW);
        assertThat(s.tracking().uri()).contains("https://mlflow.example.com");
        assertThat(s.tracking().token()).contains(MLFLOW_TOKEN);
        assertThat(s.tracking().experiment()).as("interpolation inside a longer string").contains("retail-ml");
        assertThat(s.sparkConf()).containsOnly(entry("spark.sql.shuffle.partitions", "16"),
                entry("spark.executor.memory", "2g"), entry("spark.sql.adaptive.enabled", "true"));
        assertThat(s.gpu()).as("'on' is a word, not YAML 1.1's boolean true").isEqualTo(GpuPolicy.ON);

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
        assertThat(spendChecks.checks()).extracting(CheckSuiteDef.CheckDef::kind).containsExactly(
                CheckSuiteDef.Kind.COMPLETENESS, CheckSuiteDef.Kind.RANGE, CheckSuiteDef.Kind.UNIQUENESS);
        CheckSuiteDef.CheckDef completeness = spendChecks.checks().get(0);
        assertThat(completeness.severity()).as("default severity").isEqualTo(CheckSuiteDef.Severity.ERROR);
        assertThat(completeness.columns()).containsExactly("customer_id");
        assertThat(completeness.min()).isEmpty();
        CheckSuiteDef.CheckDef range = spendChecks.checks().get(1);
        assertThat(range.severity()).isEqualTo(CheckSuiteDef.Severity.WARNING);
        assertThat(range.min()).contains(0.0);
        assertThat(range.max()).contains(1_000_000.0);
        CheckSuiteDef quality = p.suites().get("orders_quality");
        assertThat(quality.table()).isEmpty();
        assertThat(quality.policy()).isEqualTo(CheckSuiteDef.Policy.QUARANTINE);
        assertThat(quality.checks().get(0).expr()).contains("amount >= 0");
        assertThat(quality.checks().get(0).min()).contains(0.99);
        assertThat(quality.checks().get(1).regex()).contains("^o-[0-9]+$");
        assertThat(quality.checks().get(2).values()).containsExactly("complete", "cancelled");
        assertThat(quality.checks().get(3).columns()).isEmpty();

        ModelDef churn = p.models().get("churn");
        assertThat(churn.spine()).isEqualTo(new TableName("ml", "churn_labels"));
        assertThat(churn.timestamp()).isEqualTo("as_of");
        assertThat(churn.label()).isEqualTo("churned");
        assertThat(churn.features()).containsExactly(
                new FeatureRef("customer_spend", List.of("spend_7d", "spend_30d")), new FeatureRef("order_flags", List.of()));
        assertThat(churn.algorithm()).isEqualTo(ModelDef.Algorithm.GBT);
        assertThat(churn.params()).containsOnly(entry("max_depth", "5"), entry("step_size", "0.1"));
        assertThat(churn.testWindow().seconds()).as("default test window: 14 days").isEqualTo(14 * 86_400L);
        assertThat(churn.gate()).contains(new ModelDef.Gate(ModelDef.Metric.AUC, 0.7));
    }

    @Test
    void minimalProjectGetsDefaults() throws IOException {
        Path tiny = dir.resolve("tiny");
        Files.createDirectories(tiny);
        Files.writeString(tiny.resolve("ingot.yaml"), "name: tiny\n");

        Project p = ProjectLoader.load(tiny, Map.of());

        ProjectSettings s = p.settings();
        assertThat(s.warehouse()).isEqualTo(tiny.toAbsolutePath().normalize().resolve("warehouse").toString());
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
        assertThat(ProjectLoader.load(dir, ENV).settings().warehouse()).isEqualTo("s3a://bucket/ingot/wh");

        Path abs = dir.resolve("elsewhere/./wh").toAbsolutePath();
        write("ingot.yaml", "name: retail\nwarehouse: " + abs + "\n");
        assertThat(ProjectLoader.load(dir, ENV).settings().warehouse()).isEqualTo(abs.normalize().toString());
    }

    @Test
    void aProjectLoadsTheSameFromAnyWorkingDirectory() {
        Path relative = Path.of("").toAbsolutePath().relativize(dir.toAbsolutePath());
        Project fromRelative = ProjectLoader.load(relative, ENV);
        assertThat(fromRelative.dir()).isEqualTo(dir.toAbsolutePath().normalize());
        assertThat(fromRelative.settings().warehouse()).isEqualTo(ProjectLoader.load(dir, ENV).settings().warehouse());
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
    void missingIngotYaml() throws IOException {
        Files.delete(dir.resolve("ingot.yaml"));
        assertProblem(single(), "ingot.yaml", "", "the file is missing from " + dir.toAbsolutePath().normalize(),
                "create it with at least 'name: <project name>'");
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
    void unclosedQuoteIsASyntaxError() throws IOException {
        write("checks/orders_quality.yaml", "checks:\n  - kind: pattern\n    column: order_id\n    regex: \"^o-\n");
        ConfigProblem p = single();
        assertProblem(p, "checks/orders_quality.yaml", "", "is not valid YAML at line", "fix the YAML syntax");
        assertThat(p.problem()).contains("quoted scalar");
    }

    @Test
    void topLevelNotAMapping() throws IOException {
        write("models/churn.yaml", "- customer_spend\n- order_flags\n");
        assertProblem(single(), "models/churn.yaml", "",
                "the document is a list [customer_spend, order_flags], not a mapping of keys",
                "write a YAML mapping (key: value lines) at the top level");
    }

    @Test
    void emptyFile() throws IOException {
        write("checks/orders_quality.yaml", "# nothing yet\n");
        assertProblem(single(), "checks/orders_quality.yaml", "", "the file is empty", "write a YAML mapping of keys");
    }

    @Test
    void duplicateYamlKeysNameTheKeyPath() throws IOException {
        write("models/churn.yaml", CHURN + "label: churned_90d\n");
        assertProblem(single(), "models/churn.yaml", "label",
                "the key 'label' appears twice in the same mapping (again at line 16)", "keep one 'label:' line");

        write("models/churn.yaml", CHURN);
        write("ingot.yaml", INGOT.replace("  user: hive\n", "  user: hive\n  user: metastore\n"));
        assertProblem(single(), "ingot.yaml", "catalog.user", "the key 'user' appears twice", "keep one 'user:' line");
    }

    @Test
    void moreThanOneYamlDocument() throws IOException {
        write("sources/customers.yaml", CUSTOMERS + "---\ntable: raw.customers_v2\nevent_time: updated_at\n");
        assertProblem(single(), "sources/customers.yaml", "", "holds more than one YAML document (another starts at line 4)",
                "keep one definition per file");
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
        assertThat(all).extracting(ConfigProblem::keyPath).containsExactly("catalog.driver", "catalog.drvier");
        assertThat(all.get(1).problem()).isEqualTo("unknown key 'drvier' (did you mean 'driver'?)");
    }

    @Test
    void keyWithNoValue() throws IOException {
        write("models/churn.yaml", CHURN.replace("label: churned", "label:"));
        assertProblem(single(), "models/churn.yaml", "label", "has no value", "add 'label: <a column name>'");
    }

    // ---- types and names ----

    @Test
    void listWhereAStringIsExpected() throws IOException {
        write("feature_views/customer_spend.yaml", CUSTOMER_SPEND.replace("source: orders", "source: [orders, customers]"));
        assertProblem(single(), "feature_views/customer_spend.yaml", "source",
                "is a list [orders, customers], not a string", "write a name: lower-case letters");
    }

    @Test
    void stringWhereANumberIsExpected() throws IOException {
        write("checks/spend_checks.yaml", SPEND_CHECKS.replace("max: 1000000", "max: lots"));
        assertProblem(single(), "checks/spend_checks.yaml", "checks[1].max", "is 'lots' (a string), not a number",
                "write a number");
    }

    @Test
    void mappingWhereAListIsExpected() throws IOException {
        write("feature_views/customer_spend.yaml", CUSTOMER_SPEND.replace("""
                aggregations:
                  - name: spend
                    function: sum
                    column: amount
                    windows: [1d, 7d, 30d]
                  - name: order_count
                    function: count
                    windows: [7d]
                """, """
                aggregations:
                  name: spend
                """));
        // Not also "the model's spend_7d does not exist": the view has a problem of its own.
        assertProblem(single(), "feature_views/customer_spend.yaml", "aggregations",
                "is a mapping {name: spend}, not a list", "('- key: value' items)");
    }

    @Test
    void outOfRangeNumber() throws IOException {
        write("checks/spend_checks.yaml", SPEND_CHECKS.replace("    column: customer_id\n  - kind: range",
                "    column: customer_id\n    min: 1.5\n  - kind: range"));
        assertProblem(single(), "checks/spend_checks.yaml", "checks[0].min", "is 1.5, out of range",
                "write a number from 0 to 1");
    }

    @Test
    void invalidNameInAValue() throws IOException {
        write("feature_views/customer_spend.yaml", CUSTOMER_SPEND.replace("source: orders", "source: Orders"));
        assertProblem(single(), "feature_views/customer_spend.yaml", "source", "'Orders' is not a valid name",
                "lower-case letters, digits and '_', starting with a letter");
    }

    @Test
    void invalidColumnNameInAList() throws IOException {
        write("feature_views/order_flags.yml", ORDER_FLAGS.replace("[customer_id, order_id]", "[customer_id, order-id]"));
        assertProblem(single(), "feature_views/order_flags.yml", "entities[1]", "'order-id' is not a valid column name",
                "letters, digits and '_'");
    }

    @Test
    void invalidFileName() throws IOException {
        write("feature_views/Spend-Trend.yaml", SPEND_TREND);
        assertProblem(single(), "feature_views/Spend-Trend.yaml", "",
                "the file name gives the definition the name 'Spend-Trend', which is not valid",
                "rename the file to <name>.yaml with lower-case letters");
    }

    @Test
    void sameNameAsYamlAndYml() throws IOException {
        write("feature_views/order_flags.yaml", ORDER_FLAGS);
        assertProblem(single(), "feature_views/order_flags.yml", "",
                "a definition named 'order_flags' is already in feature_views/order_flags.yaml",
                "keep one of order_flags.yaml and order_flags.yml");
    }

    @Test
    void nameKeyDisagreesWithFileName() throws IOException {
        write("feature_views/customer_spend.yaml", "name: customer_spending\n" + CUSTOMER_SPEND);
        assertProblem(single(), "feature_views/customer_spend.yaml", "name",
                "is 'customer_spending' but the file is customer_spend.yaml",
                "rename the file to customer_spending.yaml, or remove the 'name' key");
    }

    @Test
    void nameKeyThatAgreesIsAccepted() throws IOException {
        write("feature_views/customer_spend.yaml", "name: customer_spend\n" + CUSTOMER_SPEND);
        assertThat(ProjectLoader.load(dir, ENV).featureViews()).containsKey("customer_spend");
    }

    @Test
    void unknownChoiceListsTheChoices() throws IOException {
        write("ingot.yaml", INGOT.replace("gpu: on", "gpu: maybe"));
        assertProblem(single(), "ingot.yaml", "gpu", "'maybe' is not one of auto, on, off", "write one of auto, on, off");
    }

    // ---- references ----

    @Test
    void danglingSourceReference() throws IOException {
        write("feature_views/customer_spend.yaml", CUSTOMER_SPEND.replace("source: orders", "source: order"));
        assertProblem(single(), "feature_views/customer_spend.yaml", "source",
                "'order' is neither a source nor a feature view (sources: customers, orders; feature views: "
                        + "customer_spend, order_flags, spend_trend) (did you mean 'orders'?)",
                "name a file of sources/ or feature_views/");
    }

    @Test
    void danglingCheckSuiteReference() throws IOException {
        write("feature_views/customer_spend.yaml", CUSTOMER_SPEND.replace("[spend_checks]", "[spend_checks, freshness]"));
        assertProblem(single(), "feature_views/customer_spend.yaml", "checks[1]",
                "'freshness' is not a suite in checks/ (suites: orders_quality, spend_checks)",
                "name a file of checks/");
    }

    @Test
    void crossFileProblemsNameTheRealFileExtension() throws IOException {
        write("feature_views/order_flags.yml", ORDER_FLAGS + "checks: [order_checks]\n");
        assertProblem(single(), "feature_views/order_flags.yml", "checks[0]", "'order_checks' is not a suite",
                "name a file of checks/");
    }

    @Test
    void modelReferencesAnUnknownFeatureView() throws IOException {
        write("models/churn.yaml", CHURN.replace("- order_flags", "- order_flag"));
        assertProblem(single(), "models/churn.yaml", "features[1]",
                "'order_flag' is not a feature view (feature views: customer_spend, order_flags, spend_trend)"
                        + " (did you mean 'order_flags'?)",
                "name a file of feature_views/");
    }

    @Test
    void modelReferencesAnUnknownFeature() throws IOException {
        write("models/churn.yaml", CHURN.replace("spend_7d,spend_30d", "spend_7d,spend_90d"));
        assertProblem(single(), "models/churn.yaml", "features[0]",
                "feature view 'customer_spend' has no feature 'spend_90d' (features: spend_1d, spend_7d, spend_30d,"
                        + " order_count_7d) (did you mean 'spend_30d'?)",
                "name one of its features");
    }

    @Test
    void malformedFeatureReference() throws IOException {
        write("models/churn.yaml", CHURN.replace("- order_flags", "- \"order_flags:\""));
        assertProblem(single(), "models/churn.yaml", "features[1]", "'order_flags:' is not a feature reference",
                "write VIEW for all its features or VIEW:feature1,feature2");
    }

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

    @Test
    void viewThatReadsItself() throws IOException {
        write("feature_views/spend_trend.yaml", SPEND_TREND.replace("source: customer_spend", "source: spend_trend"));
        assertProblem(single(), "feature_views/spend_trend.yaml", "source", "'spend_trend' is this view itself",
                "name a source or another feature view");
    }

    @Test
    void viewWithTheNameOfASource() throws IOException {
        write("feature_views/orders.yaml", ORDER_FLAGS);
        assertProblem(single(), "feature_views/orders.yaml", "",
                "the feature view 'orders' has the same name as the source in sources/orders.yaml, so 'source: orders'"
                        + " would be ambiguous",
                "rename one of the two files");
    }

    @Test
    void entityThatIsNotAColumnOfTheSource() throws IOException {
        write("feature_views/customer_spend.yaml", CUSTOMER_SPEND.replace("[customer_id]", "[client_id]"));
        assertProblem(single(), "feature_views/customer_spend.yaml", "entities[0]",
                "'client_id' is not a column of sources/orders.yaml nor a transformation (columns: order_id,"
                        + " customer_id, amount, status, ts, amount_cents)",
                "name one of those columns");
    }

    @Test
    void aggregatedColumnThatIsNotAColumnOfTheSource() throws IOException {
        write("feature_views/customer_spend.yaml", CUSTOMER_SPEND.replace("column: amount", "column: amount_usd"));
        assertProblem(single(), "feature_views/customer_spend.yaml", "aggregations[0].column",
                "'amount_usd' is not a column of sources/orders.yaml", "add a transformation that makes it");
    }

    @Test
    void aReferenceToABrokenDefinitionIsNotReportedAgain() throws IOException {
        // customer_spend is broken; the model and spend_trend that use it only get the view's own problem.
        write("feature_views/customer_spend.yaml", CUSTOMER_SPEND.replace("function: sum", "function: total"));
        assertProblem(single(), "feature_views/customer_spend.yaml", "aggregations[0].function",
                "'total' is not one of count, sum, avg, min, max, stddev, approx_count_distinct, last",
                "write one of count, sum");
    }

    // ---- feature views: time and SQL ----

    @Test
    void windowThatIsNotAMultipleOfTheCadence() throws IOException {
        write("feature_views/customer_spend.yaml", CUSTOMER_SPEND.replace("[1d, 7d, 30d]", "[1d, 36h, 7d, 30d]"));
        assertProblem(single(), "feature_views/customer_spend.yaml", "aggregations[0].windows[1]",
                "'36h' is not a multiple of the view's cadence 1d",
                "use a window that is a whole number of 1d ticks, or change 'cadence'");
    }

    @Test
    void unsupportedCadence() throws IOException {
        write("feature_views/order_flags.yml", ORDER_FLAGS.replace("cadence: 1h", "cadence: 2h"));
        assertProblem(single(), "feature_views/order_flags.yml", "cadence", "'2h' is not a supported cadence",
                "write 1h (hourly ticks) or 1d (daily ticks)");
    }

    @Test
    void badDurationText() throws IOException {
        write("feature_views/order_flags.yml", ORDER_FLAGS.replace("ttl: 2d", "ttl: 1 week"));
        assertProblem(single(), "feature_views/order_flags.yml", "ttl", "'1 week' is not a duration",
                "write a whole number and a unit: m, h or d (e.g. 1h, 7d)");
    }

    @Test
    void badWindowText() throws IOException {
        write("feature_views/customer_spend.yaml", CUSTOMER_SPEND.replace("[1d, 7d, 30d]", "[1d, 7d, 30d, 1mo]"));
        assertProblem(single(), "feature_views/customer_spend.yaml", "aggregations[0].windows[3]",
                "'1mo' is not a window", "write a whole number and a unit: m, h or d (e.g. 7d)");
    }

    @Test
    void ttlShorterThanTheCadence() throws IOException {
        write("feature_views/order_flags.yml", ORDER_FLAGS.replace("ttl: 2d", "ttl: 30m"));
        assertProblem(single(), "feature_views/order_flags.yml", "ttl", "'30m' is shorter than the cadence 1h",
                "set a ttl of at least 1h");
    }

    @Test
    void duplicateFeatureNamesFromTwoAggregations() throws IOException {
        write("feature_views/customer_spend.yaml", CUSTOMER_SPEND.replace("checks: [spend_checks]", """
                  - name: spend
                    function: avg
                    column: amount
                    windows: [7d]
                checks: [spend_checks]"""));
        assertProblem(single(), "feature_views/customer_spend.yaml", "aggregations[2].name",
                "makes the feature 'spend_7d', which this view already has",
                "give the aggregation another name, or merge the windows into one list");
    }

    @Test
    void aggregationWithoutItsColumn() throws IOException {
        write("feature_views/customer_spend.yaml", CUSTOMER_SPEND.replace("    column: amount\n", ""));
        assertProblem(single(), "feature_views/customer_spend.yaml", "aggregations[0].column",
                "is missing: sum needs a column", "add 'column: <a column of the source or a transformation>'");
    }

    @Test
    void viewWithoutFeatures() throws IOException {
        write("feature_views/spend_trend.yaml", "source: customer_spend\nentities: [customer_id]\n");
        assertProblem(single(), "feature_views/spend_trend.yaml", "",
                "defines no features: it has neither 'aggregations' nor 'transformations'",
                "add 'aggregations:' (windowed features) or 'transformations:' (row-level features)");
    }

    @Test
    void invalidSqlInFilter() throws IOException {
        write("feature_views/customer_spend.yaml", CUSTOMER_SPEND.replace("filter: status = 'complete'",
                "filter: status = = 'complete'"));
        assertProblem(single(), "feature_views/customer_spend.yaml", "filter",
                "'status = = 'complete'' is not valid Spark SQL: [PARSE_SYNTAX_ERROR]",
                "write a SQL predicate such as amount > 0");
    }

    @Test
    void sqlInjectionInFilterIsRejected() throws IOException {
        write("feature_views/customer_spend.yaml", CUSTOMER_SPEND.replace("filter: status = 'complete'",
                "filter: \"amount > 0; DROP TABLE features.x\""));
        assertProblem(single(), "feature_views/customer_spend.yaml", "filter",
                "'amount > 0; DROP TABLE features.x' is not valid Spark SQL", "write a SQL predicate");
    }

    @Test
    void invalidSqlInTransformation() throws IOException {
        write("feature_views/customer_spend.yaml", CUSTOMER_SPEND.replace("expr: amount * 100", "expr: amount * 100 cents"));
        assertProblem(single(), "feature_views/customer_spend.yaml", "transformations[0].expr",
                "'amount * 100 cents' is not valid Spark SQL: it ends in the alias 'cents'",
                "write a SQL expression such as amount * 100");
    }

    @Test
    void invalidSqlInPredicateCheck() throws IOException {
        write("checks/orders_quality.yaml", ORDERS_QUALITY.replace("expr: amount >= 0", "expr: amount >="));
        assertProblem(single(), "checks/orders_quality.yaml", "checks[0].expr",
                "'amount >=' is not valid Spark SQL: [PARSE_SYNTAX_ERROR] Syntax error at or near end of input",
                "write a SQL predicate such as amount >= 0");
    }

    // ---- sources ----

    @Test
    void csvSourceWithoutSchema() throws IOException {
        write("sources/orders.yaml", "path: data/orders\nformat: csv\nevent_time: ts\n");
        assertProblem(single(), "sources/orders.yaml", "schema", "is missing: csv files need a declared schema",
                "add 'schema:' with one 'column: type' line per column");
    }

    @Test
    void schemaTypeThatIsNotASparkType() throws IOException {
        write("sources/orders.yaml", ORDERS.replace("amount: double", "amount: dbl"));
        assertProblem(single(), "sources/orders.yaml", "schema.amount", "'dbl' is not a Spark SQL type",
                "write a type such as string, bigint, double, timestamp, date, decimal(10,2)");
    }

    @Test
    void schemaTypeThatIsATableSchemaIsNotAType() throws IOException {
        // DataType.fromDDL would read this as struct<usd:double>.
        write("sources/orders.yaml", ORDERS.replace("amount: double", "amount: usd double"));
        assertProblem(single(), "sources/orders.yaml", "schema.amount", "'usd double' is not a Spark SQL type",
                "write a type such as");
    }

    @Test
    void complexSchemaTypesAreAccepted() throws IOException {
        write("sources/orders.yaml", ORDERS.replace("amount: double", "amount: decimal(10,2)\n  tags: array<string>"));
        assertThat(ProjectLoader.load(dir, ENV).sources().get("orders").schema())
                .containsEntry("amount", "decimal(10,2)").containsEntry("tags", "array<string>");
    }

    @Test
    void eventTimeNotInTheSchema() throws IOException {
        write("sources/orders.yaml", ORDERS.replace("event_time: ts", "event_time: created_at"));
        assertProblem(single(), "sources/orders.yaml", "event_time",
                "'created_at' is not in the schema (columns: order_id, customer_id, amount, status, ts)",
                "name one of the schema's columns");
    }

    @Test
    void eventTimeThatIsNotATimestamp() throws IOException {
        write("sources/orders.yaml", ORDERS.replace("event_time: ts", "event_time: order_id"));
        assertProblem(single(), "sources/orders.yaml", "event_time", "'order_id' has type string, not timestamp",
                "declare it as timestamp (UTC)");
    }

    @Test
    void sourceWithBothTableAndPath() throws IOException {
        write("sources/customers.yaml", CUSTOMERS + "path: data/customers\n");
        assertProblem(single(), "sources/customers.yaml", "",
                "has both table 'raw.customers' and path 'data/customers'",
                "give exactly one: 'table: database.table' or 'path: <files>' with 'format'");
    }

    @Test
    void sourceWithNeitherTableNorPath() throws IOException {
        write("sources/customers.yaml", "event_time: updated_at\n");
        assertProblem(single(), "sources/customers.yaml", "", "has neither 'table' nor 'path'", "give exactly one");
    }

    @Test
    void pathSourceWithoutFormat() throws IOException {
        write("sources/orders.yaml", ORDERS.replace("format: csv\n", ""));
        assertProblem(single(), "sources/orders.yaml", "format", "is missing (required with 'path')",
                "add 'format: delta', parquet, csv or json");
    }

    @Test
    void tableSourceWithAFileFormat() throws IOException {
        write("sources/customers.yaml", CUSTOMERS + "format: parquet\n");
        assertProblem(single(), "sources/customers.yaml", "format",
                "'parquet' does not apply to a table source: its format comes from the catalog", "remove 'format'");
    }

    @Test
    void badTableName() throws IOException {
        write("sources/customers.yaml", CUSTOMERS.replace("raw.customers", "customers"));
        assertProblem(single(), "sources/customers.yaml", "table", "'customers' is not a table name",
                "write database.table");
    }

    // ---- checks ----

    @Test
    void unknownCheckKindListsTheKnownKinds() throws IOException {
        write("checks/spend_checks.yaml", SPEND_CHECKS.replace("kind: completeness", "kind: freshness"));
        ConfigProblem p = single();
        assertProblem(p, "checks/spend_checks.yaml", "checks[0].kind",
                "'freshness' is not one of completeness, uniqueness, contained_in, min, max, range, pattern, size,"
                        + " distinct_count, quantile, mean, stddev, predicate",
                "write one of completeness, uniqueness");
    }

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
        List<CheckSuiteDef.CheckDef> checks = ProjectLoader.load(dir, ENV).suites().get("orders_quality").checks();
        assertThat(checks.get(4).anomaly()).contains(new CheckSuiteDef.AnomalyDef(CheckSuiteDef.Metric.SIZE,
                CheckSuiteDef.Strategy.RELATIVE_CHANGE, Optional.of(0.3), Optional.empty(), 1));
        assertThat(checks.get(4).columns()).isEmpty();
        assertThat(checks.get(5).anomaly()).as("std_dev looks at the last 10 runs by default")
                .contains(new CheckSuiteDef.AnomalyDef(CheckSuiteDef.Metric.COMPLETENESS, CheckSuiteDef.Strategy.STD_DEV,
                        Optional.empty(), Optional.of(3.0), 10));
        assertThat(checks.get(5).columns()).containsExactly("amount");
        assertThat(checks.get(6).drift()).contains(new CheckSuiteDef.DriftDef(
                Optional.of(new TableName("ml", "churn_training")), Optional.of(0.2), Optional.of(0.1), 10));
        assertThat(checks.get(7).drift()).contains(new CheckSuiteDef.DriftDef(Optional.empty(), Optional.of(0.25),
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

    @Test
    void rangeCheckMissingABound() throws IOException {
        write("checks/spend_checks.yaml", SPEND_CHECKS.replace("    max: 1000000\n", ""));
        assertProblem(single(), "checks/spend_checks.yaml", "checks[1].max", "is missing", "add 'max: <a number>'");
    }

    @Test
    void rangeCheckWithMinAboveMax() throws IOException {
        write("checks/spend_checks.yaml", SPEND_CHECKS.replace("min: 0\n", "min: 5000000\n"));
        assertProblem(single(), "checks/spend_checks.yaml", "checks[1].min", "min 5000000 is greater than max 1000000",
                "swap them");
    }

    @Test
    void sizeCheckWithoutBounds() throws IOException {
        write("checks/orders_quality.yaml", ORDERS_QUALITY.replace("  - kind: size\n    min: 1\n", "  - kind: size\n"));
        assertProblem(single(), "checks/orders_quality.yaml", "checks[3]", "a size check needs a bound",
                "add 'min', 'max' or both");
    }

    @Test
    void keyThatTheCheckKindDoesNotTake() throws IOException {
        write("checks/spend_checks.yaml", SPEND_CHECKS.replace("    severity: warning\n",
                "    severity: warning\n    regex: \"[0-9]+\"\n"));
        assertProblem(single(), "checks/spend_checks.yaml", "checks[1].regex", "unknown key 'regex'",
                "remove it, or use one of: kind, severity, description, column, min, max");
    }

    @Test
    void invalidRegex() throws IOException {
        write("checks/orders_quality.yaml", ORDERS_QUALITY.replace("\"^o-[0-9]+$\"", "\"^o-[0-9+$\""));
        assertProblem(single(), "checks/orders_quality.yaml", "checks[1].regex",
                "'^o-[0-9+$' is not a valid regular expression", "fix the pattern");
    }

    // ---- ingot.yaml ----

    @Test
    void jdbcMetastoreWithoutUrl() throws IOException {
        write("ingot.yaml", INGOT.replace("  url: jdbc:postgresql://db:5432/metastore\n", ""));
        assertProblem(single(), "ingot.yaml", "catalog.url", "is missing",
                "add 'url: <a JDBC URL, e.g. jdbc:postgresql://db:5432/metastore>'");
    }

    @Test
    void jdbcUrlThatIsNotJdbc() throws IOException {
        write("ingot.yaml", INGOT.replace("url: jdbc:postgresql", "url: postgresql"));
        assertProblem(single(), "ingot.yaml", "catalog.url", "'postgresql://db:5432/metastore' is not a JDBC URL",
                "write jdbc:<driver>://host:port/database");
    }

    @Test
    void jdbcKeysWithAnEmbeddedMetastore() throws IOException {
        write("ingot.yaml", INGOT.replace("metastore: jdbc", "metastore: embedded"));
        assertThat(problems()).extracting(ConfigProblem::keyPath)
                .containsExactly("catalog.url", "catalog.driver", "catalog.user", "catalog.password");
        assertProblem(problems().get(0), "ingot.yaml", "catalog.url",
                "only applies to 'metastore: jdbc' (metastore is embedded)", "remove it, or set 'metastore: jdbc'");
    }

    @Test
    void mlflowTrackingWithAFileUri() throws IOException {
        write("ingot.yaml", INGOT.replace("uri: https://mlflow.example.com", "uri: file:///tmp/mlruns"));
        assertProblem(single(), "ingot.yaml", "tracking.uri", "'file:///tmp/mlruns' is not an MLflow tracking URI",
                "write http(s)://host:port or 'databricks' (file stores are deprecated and refused)");
    }

    @Test
    void mlflowTrackingWithoutUri() throws IOException {
        write("ingot.yaml", INGOT.replace("  uri: https://mlflow.example.com\n", ""));
        assertProblem(single(), "ingot.yaml", "tracking.uri", "is missing", "http://mlflow:5000");
    }

    @Test
    void sparkConfKeyThatIsNotASparkSetting() throws IOException {
        write("ingot.yaml", INGOT.replace("    spark.executor.memory: 2g\n", "    executor.memory: 2g\n"));
        assertProblem(single(), "ingot.yaml", "spark.conf.executor.memory", "'executor.memory' is not a Spark setting",
                "Spark settings start with 'spark.'");
    }

    @Test
    void sparkConfValueThatIsNotAScalar() throws IOException {
        write("ingot.yaml", INGOT.replace("spark.executor.memory: 2g", "spark.executor.memory: [2g, 4g]"));
        assertProblem(single(), "ingot.yaml", "spark.conf.spark.executor.memory", "is a list [2g, 4g], not a single value",
                "write a string, number or boolean");
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
        write("models/churn.yaml", CHURN.replace("    step_size: 0.1\n", "    step_size: 0.1\n    seed_key: ${env:INGOT_TEST_AWS_KEY}\n"));

        Project p = ProjectLoader.load(dir, env);

        assertThat(p.settings().sparkConf()).containsEntry("spark.hadoop.fs.s3a.secret.key", key);
        for (Object o : List.of(p, p.settings(), p.sources().get("orders"), p.models().get("churn"))) {
            assertThat(o.toString()).as(o.getClass().getSimpleName()).doesNotContain(key).contains(Secrets.MASK);
        }
    }

    @Test
    void dollarBraceThatIsNotEnvInterpolation() throws IOException {
        write("ingot.yaml", INGOT.replace("experiment: retail-${env:INGOT_TEST_TEAM}", "experiment: retail-${TEAM}"));
        assertProblem(single(), "ingot.yaml", "tracking.experiment", "'retail-${TEAM}' has a '${' that is not ${env:NAME}",
                "write ${env:NAME} to read the environment variable NAME");
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
                .replace("type: gbt", "type: xgboost"));                                                // 13

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
        assertThat(p.toString()).as("one line that says where, what and the fix")
                .startsWith(keyPath.isEmpty() ? file + ": " : file + ": " + keyPath + ": ")
                .contains(". Fix: ")
                .doesNotContain("\n");
    }
}
