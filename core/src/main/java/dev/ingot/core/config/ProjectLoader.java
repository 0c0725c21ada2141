package dev.ingot.core.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ingot.core.Errors;
import dev.ingot.core.Identifiers;
import dev.ingot.core.TableName;
import dev.ingot.core.config.internal.Node;
import dev.ingot.core.config.internal.Problems;
import dev.ingot.core.config.internal.SqlCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Loads a project directory into a {@link Project}, strictly: unknown keys, wrong types, missing files, dangling
 * references and invalid identifiers are all reported at once, each naming file, key path, value and the fix, in an
 * {@link dev.ingot.core.InvalidConfigException} (exit code 2). Nothing here starts Spark.
 */
public final class ProjectLoader {
    /** The project file. */
    public static final String PROJECT_FILE = "ingot.yaml";
    /** Folders of definitions, one YAML file per definition. */
    public static final String SOURCES = "sources";
    public static final String FEATURE_VIEWS = "feature_views";
    public static final String CHECKS = "checks";
    public static final String MODELS = "models";
    /** Default warehouse, relative to the project directory. */
    public static final String WAREHOUSE_DEFAULT = "warehouse";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Map<String, String> env;
    private final Problems problems = new Problems();

    private ProjectLoader(Map<String, String> env) {
        this.env = env;
    }

    /** Loads {@code dir}, interpolating {@code ${env:NAME}} from the process environment. */
    public static Project load(Path dir) {
        return load(dir, System.getenv());
    }

    /** Loads {@code dir}, interpolating {@code ${env:NAME}} from {@code env}. */
    public static Project load(Path dir, Map<String, String> env) {
        return new ProjectLoader(env).run(dir.toAbsolutePath().normalize());
    }

    private Project run(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw Errors.invalidConfig(dir.toString(), "", "the project directory does not exist",
                    "pass --project with a directory that holds " + PROJECT_FILE + " (e.g. examples/retail)");
        }
        Path projectFile = dir.resolve(PROJECT_FILE);
        ProjectSettings settings = null;
        if (!Files.isRegularFile(projectFile)) {
            problems.add(PROJECT_FILE, "", "the file is missing from " + dir,
                    "create it with at least 'name: <project name>'");
        } else {
            settings = parse(PROJECT_FILE, projectFile).map(n -> settings(n, dir)).orElse(null);
        }
        Map<String, SourceDef> sources = new LinkedHashMap<>();
        Map<String, FeatureViewDef> views = new LinkedHashMap<>();
        Map<String, CheckSuiteDef> suites = new LinkedHashMap<>();
        Map<String, ModelDef> models = new LinkedHashMap<>();
        readFolder(dir, SOURCES, (name, n) -> source(name, n).ifPresent(s -> sources.put(name, s)));
        readFolder(dir, FEATURE_VIEWS, (name, n) -> featureView(name, n).ifPresent(v -> views.put(name, v)));
        readFolder(dir, CHECKS, (name, n) -> suite(name, n).ifPresent(s -> suites.put(name, s)));
        readFolder(dir, MODELS, (name, n) -> model(name, n).ifPresent(m -> models.put(name, m)));
        crossCheck(sources, views, suites, models);
        if (!problems.isEmpty() || settings == null) {
            throw Errors.invalidProject(dir, problems.all());
        }
        return new Project(dir, settings, sources, views, suites, models);
    }

    // ---- files ----

    private interface Reader {
        void read(String name, Node node);
    }

    private void readFolder(Path dir, String folder, Reader reader) {
        Path d = dir.resolve(folder);
        if (!Files.isDirectory(d)) {
            return;
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(d)) {
            files = s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            problems.add(folder, "", "cannot list the folder: " + e.getMessage(), "check its permissions");
            return;
        }
        Set<String> seen = new HashSet<>();
        for (Path f : files) {
            String fileName = f.getFileName().toString();
            String rel = folder + "/" + fileName;
            if (!fileName.endsWith(".yaml") && !fileName.endsWith(".yml")) {
                continue;
            }
            String name = fileName.substring(0, fileName.lastIndexOf('.'));
            Optional<String> bad = Identifiers.checkName(name);
            if (bad.isPresent()) {
                problems.add(rel, "", "the file name gives the definition the name '" + name + "', which is not valid",
                        "rename the file to <name>.yaml with " + Identifiers.nameRule());
                continue;
            }
            if (!seen.add(name)) {
                problems.add(rel, "", "a definition named '" + name + "' is already in " + folder + "/",
                        "keep one of " + name + ".yaml and " + name + ".yml");
                continue;
            }
            parse(rel, f).ifPresent(n -> {
                n.name("name", false).ifPresent(declared -> {
                    if (!declared.equals(name)) {
                        n.problem("name", "is '" + declared + "' but the file is " + fileName,
                                "rename the file to " + declared + ".yaml, or remove the 'name' key");
                    }
                });
                reader.read(name, n);
                n.finish();
            });
        }
    }

    private Optional<Node> parse(String rel, Path file) {
        JsonNode json;
        try {
            json = YAML.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : "line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr();
            problems.add(rel, "", "is not valid YAML" + (where.isEmpty() ? "" : " at " + where) + ": "
                    + e.getOriginalMessage(), "fix the YAML syntax (indentation, quotes, ':' after keys)");
            return Optional.empty();
        } catch (IOException e) {
            problems.add(rel, "", "cannot be read: " + e.getMessage(), "check that the file exists and is readable");
            return Optional.empty();
        }
        Node n = Node.root(rel, json, problems, env);
        return n.keys().isEmpty() && (json == null || !json.isObject()) ? Optional.empty() : Optional.of(n);
    }

    // ---- ingot.yaml ----

    private ProjectSettings settings(Node n, Path dir) {
        Optional<String> name = n.name("name", true);
        String description = n.string("description", false, "text").orElse("");
        String warehouse = n.string("warehouse", false, "a path or URI").orElse(WAREHOUSE_DEFAULT);
        CatalogSettings catalog = n.object("catalog", false).map(this::catalog).orElse(CatalogSettings.embedded());
        TrackingSettings tracking = n.object("tracking", false).map(this::tracking).orElse(TrackingSettings.local());
        Map<String, String> conf = new LinkedHashMap<>();
        n.object("spark", false).ifPresent(s -> {
            Map<String, String> c = s.scalarMap("conf");
            c.forEach((k, v) -> {
                if (!k.startsWith("spark.")) {
                    s.problem("conf." + k, "is not a Spark setting", "Spark settings start with 'spark.' (e.g. spark.sql.shuffle.partitions)");
                } else {
                    conf.put(k, v);
                }
            });
            s.finish();
        });
        GpuPolicy gpu = n.choice("gpu", GpuPolicy.class, false).orElse(GpuPolicy.AUTO);
        n.finish();
        return new ProjectSettings(name.orElse("invalid"), description, resolveWarehouse(dir, warehouse), catalog,
                tracking, conf, gpu);
    }

    /** Relative paths are taken from the project directory, so a project means the same wherever it is run from. */
    static String resolveWarehouse(Path dir, String warehouse) {
        if (warehouse.matches("[A-Za-z][A-Za-z0-9+.-]*://.*") || warehouse.startsWith("file:")) {
            return warehouse;
        }
        return dir.resolve(warehouse).toAbsolutePath().normalize().toString();
    }

    private CatalogSettings catalog(Node n) {
        CatalogSettings.Metastore kind = n.choice("metastore", CatalogSettings.Metastore.class, false)
                .orElse(CatalogSettings.Metastore.EMBEDDED);
        boolean jdbc = kind == CatalogSettings.Metastore.JDBC;
        Optional<String> url = n.string("url", jdbc, "a JDBC URL, e.g. jdbc:postgresql://db:5432/metastore");
        Optional<String> driver = n.string("driver", jdbc, "a JDBC driver class, e.g. org.postgresql.Driver");
        Optional<String> user = n.string("user", false, "a user name");
        Optional<String> password = n.string("password", false, "${env:NAME}");
        if (!jdbc) {
            for (String k : List.of("url", "driver", "user", "password")) {
                if (n.has(k)) {
                    n.problem(k, "only applies to 'metastore: jdbc' (metastore is " + kind.name().toLowerCase() + ")",
                            "remove it, or set 'metastore: jdbc'");
                }
            }
        }
        url.ifPresent(u -> {
            if (!u.startsWith("jdbc:")) {
                n.problem("url", "'" + u + "' is not a JDBC URL", "write jdbc:<driver>://host:port/database");
            }
        });
        n.finish();
        return new CatalogSettings(kind, url, driver, user, password);
    }

    private TrackingSettings tracking(Node n) {
        TrackingSettings.Kind kind = n.choice("type", TrackingSettings.Kind.class, false).orElse(TrackingSettings.Kind.LOCAL);
        boolean mlflow = kind == TrackingSettings.Kind.MLFLOW;
        Optional<String> uri = n.string("uri", mlflow, "the MLflow server, e.g. http://mlflow:5000");
        Optional<String> token = n.string("token", false, "${env:MLFLOW_TRACKING_TOKEN}");
        Optional<String> experiment = n.string("experiment", false, "an experiment name");
        uri.ifPresent(u -> {
            if (!(u.startsWith("http://") || u.startsWith("https://") || u.equals("databricks"))) {
                n.problem("uri", "'" + u + "' is not an MLflow tracking URI",
                        "write http(s)://host:port or 'databricks' (file stores are deprecated and refused)");
            }
        });
        if (!mlflow) {
            for (String k : List.of("uri", "token", "experiment")) {
                if (n.has(k)) {
                    n.problem(k, "only applies to 'type: mlflow'", "remove it, or set 'type: mlflow'");
                }
            }
        }
        n.finish();
        return new TrackingSettings(kind, uri, token, experiment);
    }

    // ---- sources ----

    private Optional<SourceDef> source(String name, Node n) {
        String description = n.string("description", false, "text").orElse("");
        Optional<String> tableText = n.string("table", false, "database.table");
        Optional<String> path = n.string("path", false, "a path or URI");
        Optional<SourceDef.Format> format = n.choice("format", SourceDef.Format.class, false);
        Map<String, String> options = n.scalarMap("options");
        Map<String, String> schema = n.scalarMap("schema");
        Optional<String> eventTime = n.column("event_time", true);
        Optional<TableName> table = tableText.flatMap(t -> table(n, "table", t));
        boolean ok = true;
        if (tableText.isPresent() == path.isPresent()) {
            n.problem(null, tableText.isPresent() ? "has both 'table' and 'path'" : "has neither 'table' nor 'path'",
                    "give exactly one: 'table: database.table' or 'path: <files>' with 'format'");
            ok = false;
        }
        if (path.isPresent() && format.isEmpty() && !n.has("format")) {
            n.problem("format", "is missing (required with 'path')", "add 'format: delta', parquet, csv or json");
            ok = false;
        }
        if (tableText.isPresent() && format.isPresent() && format.get() != SourceDef.Format.DELTA) {
            n.problem("format", "a table source's format comes from the catalog", "remove 'format' or use a 'path'");
        }
        SourceDef.Format f = format.orElse(SourceDef.Format.DELTA);
        if ((f == SourceDef.Format.CSV || f == SourceDef.Format.JSON) && schema.isEmpty()) {
            n.problem("schema", "is missing: " + f.name().toLowerCase() + " files need a declared schema",
                    "add 'schema:' with one 'column: type' line per column (e.g. amount: double)");
            ok = false;
        }
        for (Map.Entry<String, String> e : schema.entrySet()) {
            if (Identifiers.checkColumn(e.getKey()).isPresent()) {
                n.problem("schema." + e.getKey(), "is not a valid column name", "use " + Identifiers.columnRule());
                ok = false;
            }
            Optional<String> typeProblem = SqlCheck.dataType(e.getValue());
            if (typeProblem.isPresent()) {
                n.problem("schema." + e.getKey(), "'" + e.getValue() + "' is not a Spark SQL type",
                        "write a type such as string, bigint, double, timestamp, date, decimal(10,2)");
                ok = false;
            }
        }
        if (eventTime.isPresent() && !schema.isEmpty()) {
            String type = schema.get(eventTime.get());
            if (type == null) {
                n.problem("event_time", "'" + eventTime.get() + "' is not in the schema (columns: "
                        + String.join(", ", schema.keySet()) + ")", "name one of the schema's columns");
                ok = false;
            } else if (!type.trim().equalsIgnoreCase("timestamp")) {
                n.problem("event_time", "'" + eventTime.get() + "' has type " + type + ", not timestamp",
                        "declare it as timestamp (UTC)");
                ok = false;
            }
        }
        if (!ok || eventTime.isEmpty() || (table.isEmpty() && path.isEmpty())) {
            return Optional.empty();
        }
        return Optional.of(new SourceDef(name, description, table, path, f, options, schema, eventTime.get()));
    }

    private Optional<TableName> table(Node n, String key, String text) {
        int dot = text.indexOf('.');
        if (dot <= 0 || dot != text.lastIndexOf('.') || Identifiers.checkName(text.substring(0, dot)).isPresent()
                || Identifiers.checkName(text.substring(dot + 1)).isPresent()) {
            n.problem(key, "'" + text + "' is not a table name", "write database.table with " + Identifiers.nameRule());
            return Optional.empty();
        }
        return Optional.of(new TableName(text.substring(0, dot), text.substring(dot + 1)));
    }

    // ---- feature views ----

    private Optional<FeatureViewDef> featureView(String name, Node n) {
        String description = n.string("description", false, "text").orElse("");
        Optional<String> source = n.name("source", true);
        List<String> entities = n.names("entities", true, "entity key column", true);
        Optional<String> eventTime = n.column("event_time", false);
        Optional<String> filter = n.string("filter", false, "a Spark SQL predicate");
        filter.flatMap(SqlCheck::expression).ifPresent(p -> n.problem("filter", "is not valid Spark SQL: " + p,
                "write a SQL predicate such as amount > 0"));
        Set<String> columnsSoFar = new LinkedHashSet<>(entities);
        List<FeatureViewDef.Transformation> transformations = new ArrayList<>();
        for (Node t : n.objects("transformations", false, "transformations (name, expr, description)")) {
            Optional<String> tn = t.column("name", true);
            Optional<String> expr = t.string("expr", true, "a Spark SQL expression");
            String td = t.string("description", false, "text").orElse("");
            expr.flatMap(SqlCheck::expression).ifPresent(p -> t.problem("expr", "is not valid Spark SQL: " + p,
                    "write a SQL expression such as amount * 100"));
            if (tn.isPresent() && !columnsSoFar.add(tn.get())) {
                t.problem("name", "'" + tn.get() + "' is already a column of this view", "give it another name");
            }
            t.finish();
            if (tn.isPresent() && expr.isPresent()) {
                transformations.add(new FeatureViewDef.Transformation(tn.get(), expr.get(), td));
            }
        }
        TimeSpan cadence = n.duration("cadence", false).orElse(TimeSpan.day());
        if (cadence.seconds() != 3600 && cadence.seconds() != 86400) {
            n.problem("cadence", "'" + cadence + "' is not a supported cadence", "write 1h (hourly ticks) or 1d (daily ticks)");
        }
        List<FeatureViewDef.Aggregation> aggregations = new ArrayList<>();
        Set<String> featureNames = new HashSet<>();
        for (Node a : n.objects("aggregations", false, "aggregations (name, function, column, windows)")) {
            Optional<String> an = a.name("name", true);
            Optional<FeatureViewDef.Function> fn = a.choice("function", FeatureViewDef.Function.class, true);
            Optional<String> column = a.column("column", false);
            String ad = a.string("description", false, "text").orElse("");
            List<TimeSpan> windows = new ArrayList<>();
            List<String> windowTexts = a.strings("windows", true, "window such as 1h, 1d or 7d");
            for (int i = 0; i < windowTexts.size(); i++) {
                String w = windowTexts.get(i);
                Optional<TimeSpan> ts = TimeSpan.parse(w);
                if (ts.isEmpty()) {
                    a.problem("windows[" + i + "]", "'" + w + "' is not a window", "write a whole number and a unit: m, h or d (e.g. 7d)");
                } else if (!ts.get().isMultipleOf(cadence)) {
                    a.problem("windows[" + i + "]", "'" + w + "' is not a multiple of the view's cadence " + cadence,
                            "use a window that is a whole number of " + cadence + " ticks, or change 'cadence'");
                } else if (windows.stream().anyMatch(x -> x.seconds() == ts.get().seconds())) {
                    a.problem("windows[" + i + "]", "'" + w + "' is listed twice", "list each window once");
                } else {
                    windows.add(ts.get());
                }
            }
            fn.ifPresent(f -> {
                if (f.needsColumn() && !a.has("column")) {
                    a.problem("column", "is missing: " + f.name().toLowerCase() + " needs a column", "add 'column: <a column of the source or a transformation>'");
                }
            });
            a.finish();
            if (an.isPresent() && fn.isPresent() && !windows.isEmpty() && (column.isPresent() || !fn.get().needsColumn())) {
                FeatureViewDef.Aggregation agg = new FeatureViewDef.Aggregation(an.get(), fn.get(), column, windows, ad);
                for (String f : agg.featureNames()) {
                    if (!featureNames.add(f) || columnsSoFar.contains(f)) {
                        a.problem("name", "makes the feature '" + f + "', which this view already has",
                                "give the aggregation another name, or merge the windows into one list");
                    }
                }
                aggregations.add(agg);
            }
        }
        TimeSpan ttl = n.duration("ttl", false).orElseGet(() -> {
            TimeSpan longest = aggregations.stream().flatMap(x -> x.windows().stream()).max(TimeSpan::compareTo).orElse(cadence);
            return longest.compareTo(cadence) > 0 ? longest : cadence;
        });
        if (ttl.compareTo(cadence) < 0) {
            n.problem("ttl", "'" + ttl + "' is shorter than the cadence " + cadence + ", so every value would expire before the next tick",
                    "set a ttl of at least " + cadence);
        }
        List<String> checks = n.names("checks", false, "quality suite name", false);
        if (source.isEmpty() || entities.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new FeatureViewDef(name, description, source.get(), entities, eventTime, filter,
                transformations, aggregations, cadence, ttl, checks));
    }

    // ---- checks ----

    private Optional<CheckSuiteDef> suite(String name, Node n) {
        String description = n.string("description", false, "text").orElse("");
        Optional<TableName> table = n.string("table", false, "database.table").flatMap(t -> table(n, "table", t));
        CheckSuiteDef.Policy policy = n.choice("policy", CheckSuiteDef.Policy.class, false).orElse(CheckSuiteDef.Policy.STRICT);
        List<CheckSuiteDef.CheckDef> checks = new ArrayList<>();
        for (Node c : n.objects("checks", true, "checks (kind, column, severity, ...)")) {
            check(c).ifPresent(checks::add);
        }
        return Optional.of(new CheckSuiteDef(name, description, table, policy, checks));
    }

    private Optional<CheckSuiteDef.CheckDef> check(Node c) {
        Optional<CheckSuiteDef.Kind> kind = c.choice("kind", CheckSuiteDef.Kind.class, true);
        CheckSuiteDef.Severity severity = c.choice("severity", CheckSuiteDef.Severity.class, false).orElse(CheckSuiteDef.Severity.ERROR);
        String description = c.string("description", false, "text").orElse("");
        if (kind.isEmpty()) {
            c.keys().forEach(c::has); // the kind is wrong: don't also report its keys as unknown
            c.finish();
            return Optional.empty();
        }
        CheckSuiteDef.Kind k = kind.get();
        List<String> keys = k.keys();
        boolean fraction = k == CheckSuiteDef.Kind.COMPLETENESS || k == CheckSuiteDef.Kind.UNIQUENESS
                || k == CheckSuiteDef.Kind.PATTERN || k == CheckSuiteDef.Kind.PREDICATE;
        List<String> columns = List.of();
        if (keys.contains("column")) {
            columns = c.column("column", true).map(List::of).orElse(List.of());
        } else if (keys.contains("columns")) {
            columns = c.names("columns", true, "column", true);
        }
        Optional<Double> min = Optional.empty();
        Optional<Double> max = Optional.empty();
        double lo = fraction ? 0 : -Double.MAX_VALUE;
        double hi = fraction ? 1 : Double.MAX_VALUE;
        boolean bothBounds = k == CheckSuiteDef.Kind.RANGE;
        if (keys.contains("min")) {
            min = c.number("min", k == CheckSuiteDef.Kind.MIN || bothBounds, lo, hi);
        }
        if (keys.contains("max")) {
            max = c.number("max", k == CheckSuiteDef.Kind.MAX || bothBounds, lo, hi);
        }
        if (min.isPresent() && max.isPresent() && min.get() > max.get()) {
            c.problem("min", "min " + min.get() + " is greater than max " + max.get(), "swap them");
        }
        if ((k == CheckSuiteDef.Kind.SIZE || k == CheckSuiteDef.Kind.DISTINCT_COUNT || k == CheckSuiteDef.Kind.QUANTILE
                || k == CheckSuiteDef.Kind.MEAN || k == CheckSuiteDef.Kind.STDDEV) && !c.has("min") && !c.has("max")) {
            c.problem(null, "a " + k.name().toLowerCase() + " check needs a bound", "add 'min', 'max' or both");
        }
        List<String> values = keys.contains("values") ? c.strings("values", true, "allowed value") : List.of();
        Optional<String> regex = keys.contains("regex") ? c.string("regex", true, "a Java regular expression") : Optional.empty();
        regex.ifPresent(r -> {
            try {
                java.util.regex.Pattern.compile(r);
            } catch (java.util.regex.PatternSyntaxException e) {
                c.problem("regex", "is not a valid regular expression: " + e.getDescription(), "fix the pattern");
            }
        });
        Optional<Double> quantile = keys.contains("quantile") ? c.number("quantile", true, 0, 1) : Optional.empty();
        Optional<String> expr = keys.contains("expr") ? c.string("expr", true, "a Spark SQL predicate") : Optional.empty();
        expr.flatMap(SqlCheck::expression).ifPresent(p -> c.problem("expr", "is not valid Spark SQL: " + p,
                "write a SQL predicate such as amount >= 0"));
        c.finish();
        return Optional.of(new CheckSuiteDef.CheckDef(k, columns, severity, description, min, max, values, regex, quantile, expr));
    }

    // ---- models ----

    private Optional<ModelDef> model(String name, Node n) {
        String description = n.string("description", false, "text").orElse("");
        Optional<TableName> spine = n.string("spine", true, "database.table").flatMap(t -> table(n, "spine", t));
        Optional<String> timestamp = n.column("timestamp", true);
        Optional<String> label = n.column("label", true);
        List<FeatureRef> features = new ArrayList<>();
        List<String> refs = n.strings("features", true, "feature view, or view:feature1,feature2");
        for (int i = 0; i < refs.size(); i++) {
            try {
                features.add(FeatureRef.parse(refs.get(i), "features[" + i + "]"));
            } catch (dev.ingot.core.IngotException e) {
                n.problem("features[" + i + "]", "'" + refs.get(i) + "' is not a feature reference",
                        "write VIEW for all its features or VIEW:feature1,feature2");
            }
        }
        Optional<ModelDef.Algorithm> algorithm = Optional.empty();
        Map<String, String> params = Map.of();
        Optional<Node> alg = n.object("algorithm", true);
        if (alg.isPresent()) {
            algorithm = alg.get().choice("type", ModelDef.Algorithm.class, true);
            params = alg.get().scalarMap("params");
            alg.get().finish();
        }
        TimeSpan testWindow = n.duration("test_window", false).orElse(new TimeSpan(14 * 86400, "14d"));
        Optional<ModelDef.Gate> gate = Optional.empty();
        Optional<Node> g = n.object("gate", false);
        if (g.isPresent()) {
            Optional<ModelDef.Metric> metric = g.get().choice("metric", ModelDef.Metric.class, true);
            Optional<Double> min = g.get().number("min", true, -1e12, 1e12);
            g.get().finish();
            if (metric.isPresent() && min.isPresent()) {
                gate = Optional.of(new ModelDef.Gate(metric.get(), min.get()));
            }
        }
        if (spine.isEmpty() || timestamp.isEmpty() || label.isEmpty() || algorithm.isEmpty() || features.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new ModelDef(name, description, spine.get(), timestamp.get(), label.get(), features,
                algorithm.get(), params, testWindow, gate));
    }

    // ---- references across files ----

    private void crossCheck(Map<String, SourceDef> sources, Map<String, FeatureViewDef> views,
                            Map<String, CheckSuiteDef> suites, Map<String, ModelDef> models) {
        for (FeatureViewDef v : views.values()) {
            String file = FEATURE_VIEWS + "/" + v.name() + ".yaml";
            if (!sources.containsKey(v.source()) && !views.containsKey(v.source())) {
                problems.add(file, "source", "'" + v.source() + "' is neither a source nor a feature view (sources: "
                        + names(sources.keySet()) + "; feature views: " + names(views.keySet()) + ")",
                        "name a file of sources/ or feature_views/ without its .yaml");
            } else if (v.source().equals(v.name())) {
                problems.add(file, "source", "the view reads itself", "name a source or another feature view");
            } else if (views.containsKey(v.source()) && cycle(v.name(), views)) {
                problems.add(file, "source", "feature views read each other in a cycle", "break the cycle");
            }
            SourceDef src = sources.get(v.source());
            if (src != null && !src.schema().isEmpty()) {
                Set<String> cols = new LinkedHashSet<>(src.schema().keySet());
                v.transformations().forEach(t -> cols.add(t.name()));
                for (int i = 0; i < v.entities().size(); i++) {
                    if (!cols.contains(v.entities().get(i))) {
                        problems.add(file, "entities[" + i + "]", "'" + v.entities().get(i) + "' is not a column of source '"
                                + src.name() + "' (columns: " + names(cols) + ")", "name one of its columns");
                    }
                }
                for (int i = 0; i < v.aggregations().size(); i++) {
                    Optional<String> c = v.aggregations().get(i).column();
                    if (c.isPresent() && !cols.contains(c.get())) {
                        problems.add(file, "aggregations[" + i + "].column", "'" + c.get() + "' is not a column of source '"
                                + src.name() + "' nor a transformation (columns: " + names(cols) + ")",
                                "name one of those columns, or add a transformation that makes it");
                    }
                }
                v.eventTime().ifPresent(et -> {
                    String type = src.schema().get(et);
                    if (type == null) {
                        problems.add(file, "event_time", "'" + et + "' is not a column of source '" + src.name()
                                + "' (columns: " + names(src.schema().keySet()) + ")", "name one of its columns");
                    } else if (!type.trim().equalsIgnoreCase("timestamp")) {
                        problems.add(file, "event_time", "'" + et + "' has type " + type + ", not timestamp",
                                "use a timestamp column (UTC)");
                    }
                });
            }
            for (int i = 0; i < v.checks().size(); i++) {
                if (!suites.containsKey(v.checks().get(i))) {
                    problems.add(file, "checks[" + i + "]", "'" + v.checks().get(i) + "' is not a suite in checks/ (suites: "
                            + names(suites.keySet()) + ")", "name a file of checks/ without its .yaml");
                }
            }
        }
        for (ModelDef m : models.values()) {
            String file = MODELS + "/" + m.name() + ".yaml";
            for (int i = 0; i < m.features().size(); i++) {
                FeatureRef ref = m.features().get(i);
                FeatureViewDef v = views.get(ref.view());
                if (v == null) {
                    problems.add(file, "features[" + i + "]", "'" + ref.view() + "' is not a feature view (feature views: "
                            + names(views.keySet()) + ")", "name a file of feature_views/ without its .yaml");
                    continue;
                }
                for (String f : ref.features()) {
                    if (!v.featureNames().contains(f)) {
                        problems.add(file, "features[" + i + "]", "feature view '" + v.name() + "' has no feature '" + f
                                + "' (features: " + names(v.featureNames()) + ")", "name one of its features");
                    }
                }
            }
        }
    }

    private static boolean cycle(String start, Map<String, FeatureViewDef> views) {
        Set<String> seen = new HashSet<>();
        String cur = start;
        while (views.containsKey(cur)) {
            if (!seen.add(cur)) {
                return true;
            }
            cur = views.get(cur).source();
        }
        return false;
    }

    private static String names(Iterable<String> names) {
        List<String> l = new ArrayList<>();
        names.forEach(l::add);
        return l.isEmpty() ? "(none)" : String.join(", ", l);
    }
}
