package dev.ingot.core.config;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.ingot.core.CorePrice;
import dev.ingot.core.Errors;
import dev.ingot.core.Identifiers;
import dev.ingot.core.IngotException;
import dev.ingot.core.ModelSignature;
import dev.ingot.core.Location;
import dev.ingot.core.TableName;
import dev.ingot.core.config.internal.Node;
import dev.ingot.core.config.internal.Problems;
import dev.ingot.core.config.internal.SqlCheck;
import java.io.CharConversionException;
import java.net.URI;
import java.net.URISyntaxException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.security.PublicKey;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.MarkedYAMLException;

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
    /** The currency of {@code cost.price_per_core_hour} when {@code cost.currency} is not given. */
    public static final String CURRENCY_DEFAULT = "USD";

    // YAML 1.1 reads on/off/yes/no as booleans, so 'gpu: on' would arrive as 'true'; only true/false are booleans.
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(YAMLParser.Feature.PARSE_BOOLEAN_LIKE_WORDS_AS_STRINGS)
            // on by default in 'new YAMLFactory()', but a builder starts with every parser feature off
            .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL)
            .loaderOptions(loaderOptions()).build())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    /**
     * The largest definition file read: definitions are a few KB. SnakeYAML's scanner slows down with the size of a
     * scalar (a 4 MB line took 8 s to refuse, a 50 MB one never ended), so a bigger file is refused before parsing.
     */
    static final long MAX_FILE_BYTES = 1L << 20;
    /** The deepest nesting of mappings and lists read (definitions need four or five levels). */
    static final int MAX_DEPTH = 32;

    private static LoaderOptions loaderOptions() {
        LoaderOptions o = new LoaderOptions();
        o.setCodePointLimit((int) MAX_FILE_BYTES);  // a second guard behind the size check
        o.setNestingDepthLimit(MAX_DEPTH);
        o.setMaxAliasesForCollections(0);
        o.setAllowDuplicateKeys(false);
        return o;
    }

    private final Map<String, String> env;
    private Path dir;
    private final Problems problems = new Problems();
    /** Per folder, every definition whose file exists (valid or not), by name, with its file relative to the project. */
    private final Map<String, Map<String, String>> files = new LinkedHashMap<>();
    /** Files with problems of their own: references into them are not checked further. */
    private final Set<String> broken = new HashSet<>();
    /** References found while reading, checked when every file is read; also of definitions that did not load. */
    private final List<ViewRefs> viewRefs = new ArrayList<>();
    private final List<ModelRef> modelRefs = new ArrayList<>();

    private record ViewRefs(String file, String name, Optional<String> source, List<String> checks) {}

    private record ModelRef(String file, String keyPath, FeatureRef ref) {}

    private ProjectLoader(Map<String, String> env) {
        this.env = env;
    }

    /** Loads {@code dir}, interpolating {@code ${env:NAME}} from the process environment. */
    public static Project load(Path dir) {
        return load(dir, System.getenv());
    }

    /** Loads {@code dir}, interpolating {@code ${env:NAME}} from {@code env}. */
    public static Project load(Path dir, Map<String, String> env) {
        Errors.required(dir, "the project directory (--project)");
        return new ProjectLoader(Errors.required(env, "the environment of a project")).run(dir.toAbsolutePath().normalize());
    }

    private Project run(Path dir) {
        this.dir = dir;
        if (!Files.isDirectory(dir)) {
            throw Errors.invalidConfig(dir.toString(), "", Files.exists(dir) ? "the project directory '" + dir
                            + "' is a file, not a directory" : "the project directory '" + dir + "' does not exist",
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
        Map<String, OnnxModelDef> onnxModels = new LinkedHashMap<>();
        readFolder(dir, SOURCES, (name, n) -> source(name, n).ifPresent(s -> sources.put(name, s)));
        readFolder(dir, FEATURE_VIEWS, (name, n) -> featureView(name, n).ifPresent(v -> views.put(name, v)));
        readFolder(dir, CHECKS, (name, n) -> suite(name, n).ifPresent(s -> suites.put(name, s)));
        readFolder(dir, MODELS, (name, n) -> {
            if (n.has("onnx")) {
                onnxModel(dir, name, n).ifPresent(m -> onnxModels.put(name, m));
            } else {
                model(name, n).ifPresent(m -> models.put(name, m));
            }
        });
        crossCheck(sources, views);
        if (!problems.isEmpty() || settings == null) {
            throw Errors.invalidProject(dir, problems.all());
        }
        return new Project(dir, settings, sources, views, suites, models, onnxModels);
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
        List<Path> list;
        try (Stream<Path> s = Files.list(d)) {
            list = s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            problems.add(folder, "", "cannot list the folder: " + e.getMessage(), "check its permissions");
            return;
        }
        Map<String, String> seen = files.computeIfAbsent(folder, k -> new LinkedHashMap<>());
        for (Path f : list) {
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
            if (seen.putIfAbsent(name, rel) != null) {
                problems.add(rel, "", "a definition named '" + name + "' is already in " + seen.get(name),
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
                int before = problems.size();
                reader.read(name, n);
                n.finish();
                if (problems.size() > before) {
                    broken.add(rel);
                }
            });
        }
    }

    private Optional<Node> parse(String rel, Path file) {
        JsonNode json;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                problems.add(rel, "", "is " + String.format(Locale.ROOT, "%.1f", size / 1048576.0) + " MB, more than"
                                + " the 1 MB a definition file may hold",
                        "keep definitions small (data belongs in a source's 'path' or 'table', not in YAML), or check"
                                + " that this is the file you meant");
                return Optional.empty();
            }
        } catch (IOException e) {
            problems.add(rel, "", "cannot be read: " + e.getMessage(), "check that the file exists and is readable");
            return Optional.empty();
        }
        try (JsonParser parser = new GuardedParser((YAMLParser) YAML.getFactory().createParser(file.toFile()))) {
            json = YAML.readTree(parser);
            if (json != null && parser.nextToken() != null) {
                problems.add(rel, "", "holds more than one YAML document (another starts at line "
                        + parser.getTokenLocation().getLineNr() + ")",
                        "keep one definition per file: remove the '---' and what follows, or move it to its own file");
                return Optional.empty();
            }
        } catch (JsonProcessingException e) {
            yamlError(rel, file, e);
            return Optional.empty();
        } catch (IOException e) {
            problems.add(rel, "", "cannot be read: " + e.getMessage(), "check that the file exists and is readable");
            return Optional.empty();
        }
        Node n = Node.root(rel, json, problems, env);
        return n.keys().isEmpty() && (json == null || !json.isObject()) ? Optional.empty() : Optional.of(n);
    }

    /** YAML that is refused although it parses: a thing a definition never needs, which a hostile file uses. */
    private static final class RefusedYaml extends JsonParseException {
        private final String keyPath;
        private final String problem;
        private final String fix;

        RefusedYaml(JsonParser p, String problem, String fix) {
            super(p, problem);
            // On the start of a mapping or list, the context is already the new one: name the key that holds it.
            JsonStreamContext ctx = p.getParsingContext();
            this.keyPath = keyPath(p.currentToken() != null && p.currentToken().isStructStart() && ctx.getParent() != null
                    ? ctx.getParent() : ctx);
            this.problem = problem;
            this.fix = fix;
        }
    }

    /**
     * Refuses anchors and aliases, and nesting deeper than {@link #MAX_DEPTH}. Jackson does not expand aliases: it
     * reads {@code *name} as the text "name", so an alias would silently become a wrong value (and a "billion laughs"
     * file would load as nonsense rather than fail).
     */
    private static final class GuardedParser extends JsonParserDelegate {
        private final YAMLParser yaml;

        GuardedParser(YAMLParser yaml) {
            super(yaml);
            this.yaml = yaml;
        }

        @Override
        public JsonToken nextToken() throws IOException {
            JsonToken t = super.nextToken();
            if (yaml.isCurrentAlias() || yaml.getCurrentAnchor() != null) {
                String what = yaml.isCurrentAlias() ? "the alias *" + yaml.getText() : "the anchor &" + yaml.getCurrentAnchor();
                throw new RefusedYaml(this, "uses " + what + " (YAML anchors and aliases are not read in definitions)",
                        "write the value out in full instead of the anchors (&name) and aliases (*name)");
            }
            if (yaml.getParsingContext().getNestingDepth() > MAX_DEPTH) {
                throw new RefusedYaml(this, "nests mappings and lists more than " + MAX_DEPTH + " levels deep",
                        "flatten it: no definition nests more than a few levels");
            }
            return t;
        }
    }

    /** One line per syntax error: where, what the parser expected, and the line as written. */
    private void yamlError(String rel, Path file, JsonProcessingException e) {
        if (e instanceof RefusedYaml r) {
            problems.add(rel, r.keyPath, r.problem, r.fix);
            return;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CharConversionException || t instanceof CharacterCodingException) {
                // A binary file, or text in another encoding: its bytes are not characters, let alone YAML.
                int slash = rel.indexOf('/');
                problems.add(rel, "", "is not UTF-8 text (" + t.getMessage() + ")", "save it as UTF-8 text"
                        + (slash < 0 ? "" : ", or move it out of " + rel.substring(0, slash) + "/ if it is not a definition"));
                return;
            }
        }
        if (e.getOriginalMessage().startsWith("Duplicate field") && e.getProcessor() instanceof JsonParser p) {
            String key = p.getParsingContext().getCurrentName();
            problems.add(rel, keyPath(p.getParsingContext()), "the key '" + key + "' appears twice in the same mapping"
                    + (e.getLocation() == null ? "" : " (again at line " + e.getLocation().getLineNr() + ")"),
                    "keep one '" + key + ":' line");
            return;
        }
        int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
        int column = e.getLocation() == null ? -1 : e.getLocation().getColumnNr();
        String what = e.getOriginalMessage().strip();
        if (e.getCause() instanceof MarkedYAMLException m) {
            // snakeyaml's own message spans several lines with a drawing of the spot; keep its words only.
            what = m.getProblem();
            if (m.getContext() != null) {
                what += " (" + m.getContext() + (m.getContextMark() == null ? ""
                        : " that starts at line " + (m.getContextMark().getLine() + 1)) + ")";
            }
            if (m.getProblemMark() != null) {
                line = m.getProblemMark().getLine() + 1;
                column = m.getProblemMark().getColumn() + 1;
            }
        }
        String text = "";
        try {
            List<String> lines = Files.readAllLines(file);
            if (line >= 1 && line <= lines.size() && !lines.get(line - 1).isBlank()) {
                text = " in '" + lines.get(line - 1).strip() + "'";
            }
        } catch (IOException | RuntimeException ignored) {
            // the line is a courtesy; the position is enough
        }
        problems.add(rel, "", "is not valid YAML" + (line < 1 ? "" : " at line " + line + ", column " + column) + text
                + ": " + what.replace('\n', ' '), "fix the YAML syntax (indentation, quotes, ':' after keys)");
    }

    private static String keyPath(JsonStreamContext ctx) {
        List<String> parts = new ArrayList<>();
        for (JsonStreamContext c = ctx; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                parts.add(0, "[" + Math.max(0, c.getCurrentIndex()) + "]");
            } else if (c.getCurrentName() != null) {
                parts.add(0, "." + c.getCurrentName());
            }
        }
        String path = String.join("", parts);
        return path.startsWith(".") ? path.substring(1) : path;
    }

    // ---- ingot.yaml ----

    private ProjectSettings settings(Node n, Path dir) {
        Optional<String> name = n.name("name", true);
        String description = n.string("description", false, "text").orElse("");
        String warehouseText = n.string("warehouse", false, "a path or URI").orElse(WAREHOUSE_DEFAULT);
        Location warehouse = location(n, "warehouse", warehouseText).orElse(Location.of(dir.resolve(WAREHOUSE_DEFAULT)));
        CatalogSettings catalog = n.object("catalog", false).map(this::catalog).orElse(CatalogSettings.embedded());
        TrackingSettings tracking = n.object("tracking", false).map(this::tracking).orElse(TrackingSettings.local());
        Map<String, String> conf = new LinkedHashMap<>();
        n.object("spark", false).ifPresent(s -> {
            Map<String, String> c = s.scalarMap("conf");
            c.forEach((k, v) -> {
                if (!k.startsWith("spark.")) {
                    s.problem("conf." + k, "'" + k + "' is not a Spark setting",
                            "Spark settings start with 'spark.' (e.g. spark.sql.shuffle.partitions)");
                } else {
                    conf.put(k, v);
                }
            });
            s.finish();
        });
        GpuPolicy gpu = n.choice("gpu", GpuPolicy.class, false).orElse(GpuPolicy.AUTO);
        Optional<CorePrice> price = n.object("cost", false).flatMap(this::price);
        Optional<SigningSettings> signing = n.object("signing", false).flatMap(g -> signing(g, dir));
        Optional<AirflowSettings> airflow = n.object("airflow", false).flatMap(this::airflow);
        SqlServerSettings sqlServer = n.object("sql_server", false).flatMap(this::sqlServer)
                .orElse(SqlServerSettings.defaults());
        n.finish();
        return new ProjectSettings(name.orElse("invalid"), description, warehouse, catalog,
                tracking, conf, gpu, price, signing, airflow, sqlServer);
    }

    /** {@code sql_server}: empty (and a problem) when password authentication lacks its user or password. */
    private Optional<SqlServerSettings> sqlServer(Node n) {
        String host = n.string("host", false, "an address such as 127.0.0.1").orElse(SqlServerSettings.HOST_DEFAULT);
        long port = n.integer("port", false, 1, 65_535).orElse((long) SqlServerSettings.PORT_DEFAULT);
        Optional<SqlServerSettings.Auth> chosen = n.choice("auth", SqlServerSettings.Auth.class, false);
        SqlServerSettings.Auth auth = chosen.orElse(SqlServerSettings.Auth.NONE);
        Optional<String> username = n.string("username", false, "a user name");
        // Resolved by 'ingot sql-server' only (SqlServerSettings.secretProblems), not here.
        Optional<Secret> password = n.secret("password", "${env:INGOT_SQL_PASSWORD}");
        n.finish();
        if (chosen.isEmpty() && n.has("auth")) {
            return Optional.empty();  // reported by the read; the rules below depend on it
        }
        boolean ok = true;
        if (host.isBlank()) {
            n.problem("host", "is empty", "write the address to listen on, e.g. 127.0.0.1 (this machine only)");
            ok = false;
        }
        if (auth == SqlServerSettings.Auth.PASSWORD && username.isEmpty()) {
            n.problem("username", "is missing while 'auth: password' asks clients for a user name and password",
                    "add 'username: <the user clients log in as>'");
            ok = false;
        }
        if (auth == SqlServerSettings.Auth.PASSWORD) {
            if (!n.has("password")) {
                n.problem("password", "is missing while 'auth: password' asks clients for a password",
                        "add 'password: ${env:INGOT_SQL_PASSWORD}' and export INGOT_SQL_PASSWORD, or write 'auth: none'");
            }
            // Text that is not a secret at all was reported by the read itself.
            ok &= password.isPresent();
        }
        if (auth == SqlServerSettings.Auth.NONE && (username.isPresent() || password.isPresent())) {
            n.problem(password.isPresent() ? "password" : "username", "is set while 'auth' is none, so it would be"
                    + " ignored", "add 'auth: password' to require it, or remove it");
            ok = false;
        }
        return ok ? Optional.of(new SqlServerSettings(host.strip(), (int) port, auth, username, password))
                : Optional.empty();
    }

    private Optional<AirflowSettings> airflow(Node n) {
        Optional<String> url = n.string("url", true, "the Airflow web server's root, e.g. http://airflow:8080");
        Optional<String> username = n.string("username", true, "a user name");
        // Resolved by 'ingot airflow' only (AirflowSettings.secretProblems), not here: workers need not have it.
        Optional<Secret> password = n.secret("password", "${env:INGOT_AIRFLOW_PASSWORD}");
        String versionText = n.string("version", false, "auto, 2 or 3").orElse("auto");
        long connect = n.integer("connect_timeout_seconds", false, 1, 3600).orElse((long) AirflowSettings.CONNECT_TIMEOUT_DEFAULT);
        long request = n.integer("request_timeout_seconds", false, 1, 3600).orElse((long) AirflowSettings.REQUEST_TIMEOUT_DEFAULT);
        n.finish();
        AirflowSettings.ApiVersion version = switch (versionText) {
            case "auto" -> AirflowSettings.ApiVersion.AUTO;
            case "2" -> AirflowSettings.ApiVersion.AIRFLOW_2;
            case "3" -> AirflowSettings.ApiVersion.AIRFLOW_3;
            default -> {
                n.problem("version", "'" + versionText + "' is not an Airflow API version",
                        "write auto (ask the server), 2 (/api/v1) or 3 (/api/v2)");
                yield null;
            }
        };
        Optional<URI> uri = url.flatMap(u -> {
            try {
                URI parsed = new URI(u.endsWith("/") ? u.substring(0, u.length() - 1) : u);
                if (("http".equals(parsed.getScheme()) || "https".equals(parsed.getScheme())) && parsed.getHost() != null
                        && (parsed.getPath() == null || !parsed.getPath().contains("/api/"))) {
                    return Optional.of(parsed);
                }
            } catch (URISyntaxException e) {
                // reported below
            }
            n.problem("url", "'" + u + "' is not the root URL of an Airflow web server",
                    "write http(s)://host:port, without /api/v1 or /api/v2 (e.g. http://airflow:8080)");
            return Optional.empty();
        });
        if (uri.isEmpty() || username.isEmpty() || version == null) {
            return Optional.empty();
        }
        return Optional.of(new AirflowSettings(uri.get(), username.get(), password, version,
                Duration.ofSeconds(connect), Duration.ofSeconds(request)));
    }

    /**
     * The signing keys; a key's text is never put in a message (the private one is a secret, both are noise). A private
     * key from {@code ${env:NAME}} is resolved and parsed by the commands that sign only
     * ({@link SigningSettings#secretProblems()}); one written in the file or read from {@code private_key_file} is
     * checked now, as the file error it is.
     */
    private Optional<SigningSettings> signing(Node n, Path dir) {
        Optional<Secret> priv = privateKey(n, dir);
        Optional<String> pub = keyText(n, "public_key", dir);
        n.finish();
        if (priv.isPresent() && priv.get().variables().isEmpty()
                && SigningSettings.parse(priv.get()).isEmpty()) {
            problems.add(SigningSettings.notAKey(priv.get()));
            priv = Optional.empty();
        }
        Optional<PublicKey> publicKey = pub.flatMap(t -> {
            Optional<PublicKey> k = ModelSignature.parsePublicKey(t);
            if (k.isEmpty()) {
                n.problem("public_key", "is not an X.509 Ed25519 public key (base64 or PEM)",
                        "give the key made by 'openssl pkey -pubout' from the private key");
            }
            return k;
        });
        if (priv.isEmpty() && publicKey.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new SigningSettings(priv, publicKey));
    }

    /** {@code private_key} (a secret, not resolved), or the content of {@code private_key_file}; not both. */
    private Optional<Secret> privateKey(Node n, Path dir) {
        Optional<Secret> text = n.secret("private_key", "${env:NAME} holding the key");
        Optional<String> file = fileText(n, "private_key", dir, text.isPresent());
        return text.isPresent() ? text : file.map(content -> Secret.literal(n.file(), n.at("private_key_file"), content));
    }

    /** {@code key}, or the content of {@code key_file} (relative to the project); not both. */
    private Optional<String> keyText(Node n, String key, Path dir) {
        Optional<String> text = n.string(key, false, "${env:NAME} holding the key");
        Optional<String> file = fileText(n, key, dir, text.isPresent());
        return text.isPresent() ? text : file;
    }

    /** The content of {@code key_file}, relative to the project; a problem when {@code key} is given too. */
    private static Optional<String> fileText(Node n, String key, Path dir, boolean keyGiven) {
        Optional<String> file = n.string(key + "_file", false, "the path of a file holding the key");
        if (keyGiven && file.isPresent()) {
            n.problem(key + "_file", "is given with '" + key + "'", "keep one of '" + key + "' and '" + key + "_file'");
            return Optional.empty();
        }
        return keyGiven ? Optional.empty() : file.flatMap(f -> {
            Path path = dir.resolve(f);
            try {
                String content = Files.readString(path);
                return content.isBlank() ? Optional.empty() : Optional.of(content);
            } catch (IOException | RuntimeException e) {
                n.problem(key + "_file", "cannot be read (" + path.toAbsolutePath().normalize() + ")",
                        "give the path of a readable file holding the key, relative to the project directory");
                return Optional.empty();
            }
        });
    }

    private Optional<CorePrice> price(Node n) {
        Optional<Double> perCoreHour = n.number("price_per_core_hour", true, 0, Double.MAX_VALUE);
        String currency = n.string("currency", false, "an ISO 4217 code such as USD").orElse(CURRENCY_DEFAULT);
        n.finish();
        Optional<String> bad = CorePrice.currencyProblem(currency);
        bad.ifPresent(p -> n.problem("currency", p, "write an ISO 4217 code in upper case, such as USD or EUR"));
        if (perCoreHour.isPresent() && perCoreHour.get() == 0) {
            n.problem("price_per_core_hour", "is 0, not a price", "write the price of one core-hour, a positive number"
                    + " such as 0.05, or remove 'cost'");
            return Optional.empty();
        }
        return bad.isPresent() ? Optional.empty() : perCoreHour.map(p -> new CorePrice(p, currency));
    }

    /**
     * A location in a file (the warehouse, a source's files): relative paths are taken from the project directory, so
     * a project means the same wherever it is run from; see {@link Location} for the rules.
     */
    private Optional<Location> location(Node n, String key, String text) {
        Optional<String> problem = Location.problem(text);
        if (problem.isPresent()) {
            n.problem(key, "'" + text + "' is not a path or URI: " + problem.get(),
                    "write a directory (relative to the project, or absolute) or a URI such as s3a://bucket/dir");
            return Optional.empty();
        }
        return Optional.of(Location.parse(text, dir));
    }

    private CatalogSettings catalog(Node n) {
        CatalogSettings.Metastore kind = n.choice("metastore", CatalogSettings.Metastore.class, false)
                .orElse(CatalogSettings.Metastore.EMBEDDED);
        boolean jdbc = kind == CatalogSettings.Metastore.JDBC;
        Optional<String> url = n.string("url", jdbc, "a JDBC URL, e.g. jdbc:postgresql://db:5432/metastore");
        Optional<String> driver = n.string("driver", false, "a JDBC driver class, e.g. org.postgresql.Driver");
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
        if (jdbc && driver.isEmpty() && url.filter(u -> u.startsWith("jdbc:")).isPresent()) {
            driver = CatalogSettings.driverOf(url.get());
            if (driver.isEmpty()) {
                n.problem("driver", "missing, and the driver of '" + dev.ingot.core.Secrets.redact(url.get())
                                + "' is not one Ingot knows",
                        "write the JDBC driver's class (driver: com.example.jdbc.Driver) and put its jar on the classpath");
            }
        }
        n.finish();
        return new CatalogSettings(kind, url, driver, user, password);
    }

    private TrackingSettings tracking(Node n) {
        TrackingSettings.Kind kind = n.choice("type", TrackingSettings.Kind.class, false).orElse(TrackingSettings.Kind.LOCAL);
        boolean mlflow = kind == TrackingSettings.Kind.MLFLOW;
        Optional<String> uri = n.string("uri", mlflow, "the MLflow server, e.g. http://mlflow:5000");
        // Resolved by the commands that talk to MLflow only (TrackingSettings.secretProblems), not here.
        Optional<Secret> token = n.secret("token", "${env:MLFLOW_TRACKING_TOKEN}");
        Optional<String> experiment = n.string("experiment", false, "an experiment name");
        Optional<Long> connect = n.integer("connect_timeout_seconds", false, 1, 3600);
        Optional<Long> request = n.integer("request_timeout_seconds", false, 1, 86_400);
        uri.ifPresent(u -> {
            if (!(u.startsWith("http://") || u.startsWith("https://") || u.equals("databricks"))) {
                n.problem("uri", "'" + u + "' is not an MLflow tracking URI",
                        "write http(s)://host:port or 'databricks' (file stores are deprecated and refused)");
            }
        });
        if (!mlflow) {
            for (String k : List.of("uri", "token", "experiment", "connect_timeout_seconds", "request_timeout_seconds")) {
                if (n.has(k)) {
                    n.problem(k, "only applies to 'type: mlflow'", "remove it, or set 'type: mlflow'");
                }
            }
        }
        n.finish();
        return new TrackingSettings(kind, uri, token, experiment,
                Duration.ofSeconds(connect.orElse((long) TrackingSettings.CONNECT_TIMEOUT_DEFAULT)),
                Duration.ofSeconds(request.orElse((long) TrackingSettings.REQUEST_TIMEOUT_DEFAULT)));
    }

    // ---- sources ----

    private Optional<SourceDef> source(String name, Node n) {
        String description = n.string("description", false, "text").orElse("");
        Optional<String> tableText = n.string("table", false, "database.table");
        Optional<String> pathText = n.string("path", false, "a path or URI");
        Optional<String> path = pathText.flatMap(p -> location(n, "path", p).map(Location::toString));
        Optional<SourceDef.Format> format = n.choice("format", SourceDef.Format.class, false);
        Map<String, String> options = n.scalarMap("options");
        Map<String, String> schema = n.scalarMap("schema");
        Optional<String> eventTime = n.column("event_time", true);
        Optional<String> zoneText = n.string("time_zone", false, "a time zone id such as UTC or Europe/Paris");
        Optional<TableName> table = tableText.flatMap(t -> table(n, "table", t));
        boolean ok = true;
        ZoneId zone = ZoneOffset.UTC;
        if (zoneText.isPresent()) {
            try {
                zone = ZoneId.of(zoneText.get());
            } catch (DateTimeException e) {
                n.problem("time_zone", "'" + zoneText.get() + "' is not a time zone id",
                        "write a region such as Europe/Paris or America/New_York, UTC, or an offset such as +02:00");
                ok = false;
            }
        }
        if (tableText.isPresent() == pathText.isPresent()) {
            n.problem(null, tableText.isPresent() ? "has both table '" + tableText.get() + "' and path '" + pathText.get() + "'"
                            : "has neither 'table' nor 'path'",
                    "give exactly one: 'table: database.table' or 'path: <files>' with 'format'");
            ok = false;
        } else if (pathText.isPresent() && !n.has("format")) {
            n.problem("format", "is missing (required with 'path')", "add 'format: delta', parquet, csv or json");
            ok = false;
        } else if (tableText.isPresent() && format.isPresent() && format.get() != SourceDef.Format.DELTA) {
            n.problem("format", "'" + format.get().name().toLowerCase() + "' does not apply to a table source: its format"
                    + " comes from the catalog", "remove 'format', or read the files with 'path' instead of 'table'");
            ok = false;
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
            } else if (!isTimestamp(type)) {
                n.problem("event_time", "'" + eventTime.get() + "' has type " + type + ", not timestamp",
                        "declare it as timestamp (UTC), or timestamp_ntz for local times in the source's 'time_zone'");
                ok = false;
            }
        }
        if (!ok || eventTime.isEmpty() || (table.isEmpty() && path.isEmpty())) {
            return Optional.empty();
        }
        return Optional.of(new SourceDef(name, description, table, path, f, options, schema,
                eventTime.get(), zone, n.file()));
    }

    /** An event-time type: a timestamp, or a timestamp without time zone (local times in the source's zone). */
    private static boolean isTimestamp(String sqlType) {
        String t = sqlType.trim().toLowerCase(Locale.ROOT);
        return t.equals("timestamp") || t.equals("timestamp_ltz") || t.equals("timestamp_ntz");
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
        int before = problems.size();
        String description = n.string("description", false, "text").orElse("");
        Optional<String> source = n.name("source", true);
        List<String> entities = n.names("entities", true, "entity key column", true);
        Optional<String> eventTime = n.column("event_time", false);
        Optional<String> filterText = n.string("filter", false, "a Spark SQL predicate");
        filterText.flatMap(SqlCheck::expression).ifPresent(p -> n.problem("filter", "'" + filterText.get() + "' is not valid Spark SQL: " + p,
                "write a SQL predicate such as amount > 0"));
        // What is wrong is reported; the view is still built without it, so that its columns are checked too.
        Optional<String> filter = filterText.filter(f -> SqlCheck.expression(f).isEmpty());
        Set<String> columnsSoFar = new LinkedHashSet<>(entities);
        List<FeatureViewDef.Transformation> transformations = new ArrayList<>();
        for (Node t : n.objects("transformations", false, "transformations (name, expr, description)")) {
            int tBefore = problems.size();
            Optional<String> tn = t.column("name", true);
            Optional<String> expr = t.string("expr", true, "a Spark SQL expression");
            String td = t.string("description", false, "text").orElse("");
            expr.flatMap(SqlCheck::expression).ifPresent(p -> t.problem("expr", "'" + expr.get() + "' is not valid Spark SQL: " + p,
                    "write a SQL expression such as amount * 100"));
            if (tn.isPresent() && !columnsSoFar.add(tn.get())) {
                t.problem("name", "'" + tn.get() + "' is already a column of this view", "give it another name");
            }
            t.finish();
            if (problems.size() == tBefore && tn.isPresent() && expr.isPresent()) {
                build(t, tBefore, () -> new FeatureViewDef.Transformation(tn.get(), expr.get(), td))
                        .ifPresent(transformations::add);
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
                int aBefore = problems.size();
                List<TimeSpan> ws = windows;
                Optional<FeatureViewDef.Aggregation> agg = build(a, aBefore,
                        () -> new FeatureViewDef.Aggregation(an.get(), fn.get(), column, ws, ad));
                for (String f : agg.map(FeatureViewDef.Aggregation::featureNames).orElse(List.of())) {
                    if (!featureNames.add(f) || columnsSoFar.contains(f)) {
                        a.problem("name", "makes the feature '" + f + "', which this view already has",
                                "give the aggregation another name, or merge the windows into one list");
                    }
                }
                if (problems.size() == aBefore) {
                    agg.ifPresent(aggregations::add);
                }
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
        viewRefs.add(new ViewRefs(n.file(), name, source, checks));
        if (!n.has("aggregations") && !n.has("transformations")) {
            n.problem(null, "defines no features: it has neither 'aggregations' nor 'transformations'",
                    "add 'aggregations:' (windowed features) or 'transformations:' (row-level features)");
            return Optional.empty();
        }
        if (source.isEmpty() || entities.isEmpty()) {
            return Optional.empty();
        }
        return build(n, before, () -> new FeatureViewDef(name, description, source.get(), entities, eventTime, filter,
                transformations, aggregations, cadence, ttl, checks, n.file()));
    }

    // ---- checks ----

    private Optional<CheckSuiteDef> suite(String name, Node n) {
        String description = n.string("description", false, "text").orElse("");
        Optional<TableName> table = n.string("table", false, "database.table").flatMap(t -> table(n, "table", t));
        CheckSuiteDef.Policy policy = n.choice("policy", CheckSuiteDef.Policy.class, false).orElse(CheckSuiteDef.Policy.STRICT);
        int before = problems.size();
        List<CheckDef> checks = new ArrayList<>();
        for (Node c : n.objects("checks", true, "checks (kind, column, severity, ...)")) {
            check(c).ifPresent(checks::add);
        }
        return build(n, before, () -> new CheckSuiteDef(name, description, table, policy, checks, n.file()));
    }

    /** A check, when it has no problems: the record is built only from values the loader has checked. */
    private Optional<CheckDef> check(Node c) {
        int before = problems.size();
        Optional<CheckSuiteDef.Kind> kind = c.choice("kind", CheckSuiteDef.Kind.class, true);
        CheckSuiteDef.Severity severity = c.choice("severity", CheckSuiteDef.Severity.class, false).orElse(CheckSuiteDef.Severity.ERROR);
        String description = c.string("description", false, "text").orElse("");
        if (kind.isEmpty()) {
            c.keys().forEach(c::has); // the kind is wrong: don't also report its keys as unknown
            c.finish();
            return Optional.empty();
        }
        CheckSuiteDef.Kind k = kind.get();
        if (k == CheckSuiteDef.Kind.ANOMALY) {
            return anomaly(c, before, severity, description);
        }
        if (k == CheckSuiteDef.Kind.DRIFT) {
            return drift(c, before, severity, description);
        }
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
            c.problem("min", "min " + fmt(min.get()) + " is greater than max " + fmt(max.get()),
                    "swap them, so that min <= max");
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
                c.problem("regex", "'" + r + "' is not a valid regular expression: " + e.getDescription(), "fix the pattern");
            }
        });
        Optional<Double> quantile = keys.contains("quantile") ? c.number("quantile", true, 0, 1) : Optional.empty();
        Optional<String> expr = keys.contains("expr") ? c.string("expr", true, "a Spark SQL predicate") : Optional.empty();
        expr.flatMap(SqlCheck::expression).ifPresent(p -> c.problem("expr", "'" + expr.get() + "' is not valid Spark SQL: " + p,
                "write a SQL predicate such as amount >= 0"));
        c.finish();
        if (problems.size() > before) {
            return Optional.empty();
        }
        // Every value a kind needs is present here: a missing one is a problem reported above.
        String column = columns.isEmpty() ? null : columns.get(0);
        List<String> cols = columns;
        Optional<Double> minBound = min;
        Optional<Double> maxBound = max;
        return build(c, before, () -> switch (k) {
            case COMPLETENESS -> new CheckDef.Completeness(column, minBound, severity, description);
            case UNIQUENESS -> new CheckDef.Uniqueness(cols, minBound, severity, description);
            case CONTAINED_IN -> new CheckDef.ContainedIn(column, values, severity, description);
            case MIN -> new CheckDef.Min(column, minBound.orElseThrow(), severity, description);
            case MAX -> new CheckDef.Max(column, maxBound.orElseThrow(), severity, description);
            case RANGE -> new CheckDef.Range(column, minBound.orElseThrow(), maxBound.orElseThrow(), severity, description);
            case PATTERN -> new CheckDef.Pattern(column, regex.orElseThrow(), minBound, severity, description);
            case SIZE -> new CheckDef.Size(minBound, maxBound, severity, description);
            case DISTINCT_COUNT -> new CheckDef.DistinctCount(column, minBound, maxBound, severity, description);
            case QUANTILE -> new CheckDef.Quantile(column, quantile.orElseThrow(), minBound, maxBound, severity, description);
            case MEAN -> new CheckDef.Mean(column, minBound, maxBound, severity, description);
            case STDDEV -> new CheckDef.StdDev(column, minBound, maxBound, severity, description);
            case PREDICATE -> new CheckDef.Predicate(expr.orElseThrow(), minBound, severity, description);
            case ANOMALY, DRIFT -> throw new IllegalStateException("read by anomaly() and drift()");
        });
    }

    private Optional<CheckDef> anomaly(Node c, int before, CheckSuiteDef.Severity severity, String description) {
        Optional<CheckSuiteDef.Metric> metric = c.choice("metric", CheckSuiteDef.Metric.class, true);
        boolean needsColumn = metric.map(CheckSuiteDef.Metric::needsColumn).orElse(false);
        List<String> columns = List.of();
        if (needsColumn || c.has("column")) {
            columns = c.column("column", needsColumn).map(List::of).orElse(List.of());
        }
        if (metric.isPresent() && !needsColumn && !columns.isEmpty()) {
            c.problem("column", "the size metric is of the whole table, not of a column", "remove 'column'");
        }
        Optional<CheckSuiteDef.Strategy> strategy = c.choice("strategy", CheckSuiteDef.Strategy.class, true);
        boolean relative = strategy.orElse(null) == CheckSuiteDef.Strategy.RELATIVE_CHANGE;
        boolean stdDev = strategy.orElse(null) == CheckSuiteDef.Strategy.STD_DEV;
        Optional<Double> maxChange = Optional.empty();
        Optional<Double> sigmas = Optional.empty();
        if (relative || c.has("max_change")) {
            maxChange = c.number("max_change", relative, 0, Double.MAX_VALUE);
            if (!relative && maxChange.isPresent() && strategy.isPresent()) {
                c.problem("max_change", "only the relative_change strategy takes max_change", "remove it, or use 'sigmas'");
            }
        }
        if (stdDev || c.has("sigmas")) {
            sigmas = c.number("sigmas", stdDev, 0, Double.MAX_VALUE);
            if (!stdDev && sigmas.isPresent() && strategy.isPresent()) {
                c.problem("sigmas", "only the std_dev strategy takes sigmas", "remove it, or use 'max_change'");
            }
        }
        long window = c.integer("window", false, 1, 1000).orElse(relative ? 1L : 10L);
        c.finish();
        if (problems.size() > before || metric.isEmpty() || strategy.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> column = columns.stream().findFirst();
        Optional<Double> change = maxChange;
        Optional<Double> sig = sigmas;
        return build(c, before, () -> new CheckDef.Anomaly(column,
                new CheckSuiteDef.AnomalyDef(metric.get(), strategy.get(), change, sig, (int) window), severity, description));
    }

    private Optional<CheckDef> drift(Node c, int before, CheckSuiteDef.Severity severity, String description) {
        List<String> columns = c.column("column", true).map(List::of).orElse(List.of());
        Optional<TableName> reference = Optional.empty();
        Optional<String> ref = c.string("reference", false, "'previous' or database.table");
        if (ref.isPresent() && !ref.get().equals("previous")) {
            reference = table(c, "reference", ref.get());
        }
        Optional<Double> psiMax = c.number("psi_max", false, 0, Double.MAX_VALUE);
        Optional<Double> ksMax = c.number("ks_max", false, 0, 1);
        if (!c.has("psi_max") && !c.has("ks_max")) {
            c.problem(null, "a drift check needs a threshold", "add 'psi_max' (e.g. 0.2), 'ks_max' (e.g. 0.1) or both");
        }
        long bins = c.integer("bins", false, 2, 100).orElse(10L);
        c.finish();
        if (problems.size() > before || columns.isEmpty()) {
            return Optional.empty();
        }
        Optional<TableName> ref2 = reference;
        return build(c, before, () -> new CheckDef.Drift(columns.get(0),
                new CheckSuiteDef.DriftDef(ref2, psiMax, ksMax, (int) bins), severity, description));
    }

    /**
     * Builds a record from values the loader has checked. The records check themselves too (for values built in
     * Java); should one still object, its problem is reported here, once, instead of escaping the load.
     */
    private <T> Optional<T> build(Node n, int before, Supplier<T> make) {
        try {
            return Optional.of(make.get());
        } catch (IngotException e) {
            if (problems.size() == before) {
                n.problem(null, e.getMessage(), "change the definition as the message says (see docs/configuration.md)");
            }
            return Optional.empty();
        }
    }

    // ---- models ----

    private Optional<ModelDef> model(String name, Node n) {
        for (String k : ONNX_ONLY) {
            if (n.has(k)) {
                n.problem(k, "belongs to a model made elsewhere, and this spec has no 'onnx:' file",
                        "remove '" + k + "', or add 'onnx: <path of the .onnx file>' (then the training keys go)");
            }
        }
        String description = n.string("description", false, "text").orElse("");
        Optional<TableName> spine = n.string("spine", true, "database.table").flatMap(t -> table(n, "spine", t));
        Optional<String> timestamp = n.column("timestamp", true);
        Optional<String> label = n.column("label", true);
        List<FeatureRef> features = new ArrayList<>();
        List<String> refs = n.strings("features", true, "feature view, or view:feature1,feature2");
        for (int i = 0; i < refs.size(); i++) {
            try {
                FeatureRef ref = FeatureRef.parse(refs.get(i), "features[" + i + "]");
                features.add(ref);
                modelRefs.add(new ModelRef(n.file(), n.at("features[" + i + "]"), ref));
            } catch (dev.ingot.core.IngotException e) {
                n.problem("features[" + i + "]", "'" + refs.get(i) + "' is not a feature reference",
                        "write VIEW for all its features or VIEW:feature1,feature2");
            }
        }
        Optional<ModelDef.Algorithm> algorithm = Optional.empty();
        Map<String, String> params = Map.of();
        Optional<Node> alg = n.object("algorithm", true);
        if (alg.isPresent()) {
            algorithm = algorithm(alg.get());
            params = alg.get().scalarMap("params");
            if (params.containsKey("seed")) {
                alg.get().problem("params.seed", "the seed is not an algorithm param in Ingot",
                        "set it with the top-level 'seed:' key, which every random choice of training uses");
            }
            alg.get().finish();
        }
        Optional<ModelDef.Task> task = algorithm.map(ModelDef.Algorithm::task);
        TimeSpan testWindow = n.duration("test_window", false).orElse(ModelDef.TEST_WINDOW_DEFAULT);
        Optional<TimeSpan> validationWindow = n.duration("validation_window", false);
        long seed = n.integer("seed", false, 0, Long.MAX_VALUE).orElse(ModelDef.SEED_DEFAULT);
        List<ModelDef.Metric> metrics = metrics(n, task);
        int precisionAtK = n.integer("precision_at_k", false, 1, 1_000_000_000).orElse(
                (long) ModelDef.PRECISION_AT_K_DEFAULT).intValue();
        ModelDef.Nulls nulls = n.object("nulls", false).map(this::nulls).orElse(ModelDef.Nulls.defaults());
        Optional<ModelDef.Fairness> fairness = n.object("fairness", false).flatMap(f -> fairness(f, task));
        List<ModelDef.GateRule> gate = gate(n, task);
        if (spine.isEmpty() || timestamp.isEmpty() || label.isEmpty() || algorithm.isEmpty() || features.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new ModelDef(name, description, spine.get(), timestamp.get(), label.get(), features,
                algorithm.get(), params, testWindow, validationWindow, seed, metrics, precisionAtK, nulls, fairness,
                gate, n.file()));
    }

    /** The keys of a model made elsewhere, besides {@code onnx}. */
    private static final List<String> ONNX_ONLY = List.of("inputs", "outputs", "keys");
    /** The keys of a spec Ingot trains, which a model made elsewhere may not have. */
    private static final List<String> TRAINING_ONLY = List.of("spine", "timestamp", "label", "features", "algorithm",
            "test_window", "validation_window", "seed", "metrics", "precision_at_k", "nulls", "fairness", "gate");

    private Optional<OnnxModelDef> onnxModel(Path dir, String name, Node n) {
        for (String k : TRAINING_ONLY) {
            if (n.has(k)) {
                n.problem(k, "trains a model, and this one is made elsewhere ('onnx:' names its file)",
                        "remove '" + k + "' (or 'onnx', to have Ingot train the model from this spec)");
            }
        }
        String description = n.string("description", false, "text").orElse("");
        Optional<String> onnx = n.string("onnx", true, "the path of the .onnx file");
        onnx.ifPresent(o -> {
            Path f = dir.resolve(o);
            if (!o.toLowerCase(Locale.ROOT).endsWith(".onnx")) {
                n.problem("onnx", "'" + o + "' does not end in .onnx", "give the path of the model's .onnx file");
            } else if (!Files.isRegularFile(f)) {
                n.problem("onnx", "'" + o + "' does not exist (looked for " + f.toAbsolutePath().normalize() + ")",
                        "give the path of the .onnx file, relative to the project directory");
            }
        });
        Map<String, List<String>> inputs = new LinkedHashMap<>();
        n.object("inputs", false).ifPresent(in -> {
            for (String input : in.keys()) {
                List<String> cols = in.names(input, true, "column", true);
                if (!cols.isEmpty()) {
                    inputs.put(input, cols);
                }
            }
            in.finish();
        });
        Optional<String> label = Optional.empty();
        Optional<String> probability = Optional.empty();
        Optional<String> prediction = Optional.empty();
        Optional<Node> out = n.object("outputs", false);
        if (out.isPresent()) {
            label = out.get().string("label", false, "the name of an output of the model");
            probability = out.get().string("probability", false, "the name of an output of the model");
            prediction = out.get().string("prediction", false, "the name of an output of the model");
            if (prediction.isPresent() && (label.isPresent() || probability.isPresent())) {
                out.get().problem("prediction", "a model is a classifier (label, probability) or a regressor "
                        + "(prediction), not both", "keep either 'prediction' or 'label' and 'probability'");
            }
            out.get().finish();
        }
        List<String> keys = n.names("keys", false, "column", true);
        if (onnx.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> l = label;
        Optional<String> p = probability;
        Optional<String> pr = prediction;
        return build(n, problems.size(), () -> new OnnxModelDef(name, description, onnx.get(), inputs, l, p, pr, keys,
                n.file()));
    }

    private static final Map<String, String> AMBIGUOUS_ALGORITHMS = Map.of(
            "gbt", "gbt_classifier or gbt_regressor",
            "random_forest", "random_forest_classifier or random_forest_regressor",
            "decision_tree", "decision_tree_classifier or decision_tree_regressor");

    private static Optional<ModelDef.Algorithm> algorithm(Node alg) {
        List<String> allowed = Arrays.stream(ModelDef.Algorithm.values()).map(ModelDef.Algorithm::key).toList();
        Optional<String> type = alg.string("type", true, "one of " + String.join(", ", allowed));
        if (type.isEmpty()) {
            return Optional.empty();
        }
        String norm = type.get().trim().toLowerCase(Locale.ROOT).replace('-', '_');
        if (AMBIGUOUS_ALGORITHMS.containsKey(norm)) {
            alg.problem("type", "'" + type.get() + "' does not say whether it classifies or regresses",
                    "write " + AMBIGUOUS_ALGORITHMS.get(norm));
            return Optional.empty();
        }
        Optional<ModelDef.Algorithm> a = Arrays.stream(ModelDef.Algorithm.values()).filter(x -> x.key().equals(norm))
                .findFirst();
        if (a.isEmpty()) {
            alg.problem("type", "'" + type.get() + "' is not one of " + String.join(", ", allowed)
                    + Node.suggest(norm, allowed), "write one of " + String.join(", ", allowed));
        }
        return a;
    }

    private static List<ModelDef.Metric> metrics(Node n, Optional<ModelDef.Task> task) {
        if (!n.has("metrics")) {
            return task.map(ModelDef.Metric::of).orElse(List.of());
        }
        List<String> allowed = task.map(t -> ModelDef.Metric.of(t).stream().map(ModelDef.Metric::key).toList())
                .orElse(Arrays.stream(ModelDef.Metric.values()).map(ModelDef.Metric::key).toList());
        List<String> keys = n.names("metrics", true, "metric", false);
        List<ModelDef.Metric> out = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            Optional<ModelDef.Metric> m = ModelDef.Metric.byKey(keys.get(i));
            if (m.isEmpty() || !allowed.contains(keys.get(i))) {
                n.problem("metrics[" + i + "]", "'" + keys.get(i) + "' is not a metric of "
                                + task.map(t -> t.name().toLowerCase(Locale.ROOT) + " models").orElse("Ingot")
                                + Node.suggest(keys.get(i), allowed), "use one of: " + String.join(", ", allowed));
            } else {
                out.add(m.get());
            }
        }
        return out;
    }

    private ModelDef.Nulls nulls(Node n) {
        ModelDef.Imputation strategy = n.choice("impute", ModelDef.Imputation.class, false)
                .orElse(ModelDef.Imputation.MEAN);
        boolean indicators = n.bool("indicators", true);
        n.finish();
        return new ModelDef.Nulls(strategy, indicators);
    }

    private Optional<ModelDef.Fairness> fairness(Node n, Optional<ModelDef.Task> task) {
        Optional<String> column = n.column("column", true);
        Map<ModelDef.FairnessMetric, Double> maxGap = new LinkedHashMap<>();
        n.object("max_gap", false).ifPresent(g -> {
            for (ModelDef.FairnessMetric m : ModelDef.FairnessMetric.values()) {
                g.number(m.key(), false, 0, 1).ifPresent(d -> maxGap.put(m, d));
            }
            g.finish();
        });
        n.finish();
        if (task.isPresent() && task.get() != ModelDef.Task.CLASSIFICATION) {
            n.problem(null, "compares classification metrics (tpr, positive_rate, auc) between groups, and this model"
                    + " is a regressor", "remove 'fairness', or use a classifier");
            return Optional.empty();
        }
        return column.map(c -> new ModelDef.Fairness(c, maxGap));
    }

    private static List<ModelDef.GateRule> gate(Node n, Optional<ModelDef.Task> task) {
        List<String> texts = n.strings("gate", false, "rules such as 'auc >= 0.70'");
        List<ModelDef.GateRule> out = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String key = "gate[" + i + "]";
            ModelDef.GateRule rule;
            try {
                rule = ModelDef.GateRule.parse(texts.get(i));
            } catch (IllegalArgumentException e) {
                n.problem(key, e.getMessage(), "write " + ModelDef.GateRule.grammar());
                continue;
            }
            if (task.isPresent() && rule.metric().task() != task.get()) {
                n.problem(key, "'" + rule.metric().key() + "' is not a metric of " + task.get().name()
                        .toLowerCase(Locale.ROOT) + " models", "use one of: " + String.join(", ",
                        ModelDef.Metric.of(task.get()).stream().map(ModelDef.Metric::key).toList()));
            } else if (rule.champion().isPresent() && rule.champion().get() != rule.metric()) {
                n.problem(key, "'" + texts.get(i) + "' compares " + rule.metric().key() + " with the champion's "
                        + rule.champion().get().key(), "compare a metric with the same metric of the champion, e.g. "
                        + rule.metric().key() + " >= champion." + rule.metric().key() + " - 0.005");
            } else {
                out.add(rule);
            }
        }
        return out;
    }

    // ---- references across files ----

    /**
     * References between definitions, checked once every file is read: also those of definitions that did not load,
     * so that one load reports everything. A reference to a definition whose file exists but has problems of its own
     * is not checked further: those problems are reported, and "does not exist" would send the user to the wrong place.
     */
    private void crossCheck(Map<String, SourceDef> sources, Map<String, FeatureViewDef> views) {
        Map<String, String> sourceFiles = files.getOrDefault(SOURCES, Map.of());
        Map<String, String> viewFiles = files.getOrDefault(FEATURE_VIEWS, Map.of());
        Map<String, String> suiteFiles = files.getOrDefault(CHECKS, Map.of());
        Map<String, String> viewSources = new LinkedHashMap<>();
        viewRefs.forEach(r -> r.source().ifPresent(s -> viewSources.put(r.name(), s)));
        for (ViewRefs r : viewRefs) {
            if (sourceFiles.containsKey(r.name())) {
                // 'source:' names a source or a feature view: one name space, or a reference would be ambiguous.
                problems.add(r.file(), "", "the feature view '" + r.name() + "' has the same name as the source in "
                        + sourceFiles.get(r.name()) + ", so 'source: " + r.name() + "' would be ambiguous",
                        "rename one of the two files (e.g. " + FEATURE_VIEWS + "/" + r.name() + "_features.yaml)");
            } else if (r.source().isPresent()) {
                String source = r.source().get();
                if (!sourceFiles.containsKey(source) && !viewFiles.containsKey(source)) {
                    problems.add(r.file(), "source", "'" + source + "' is neither a source nor a feature view (sources: "
                                    + names(sourceFiles.keySet()) + "; feature views: " + names(viewFiles.keySet()) + ")"
                                    + Node.suggest(source, concat(sourceFiles.keySet(), viewFiles.keySet())),
                            "name a file of sources/ or feature_views/ without its extension");
                } else if (source.equals(r.name())) {
                    problems.add(r.file(), "source", "'" + source + "' is this view itself",
                            "name a source or another feature view");
                } else if (viewFiles.containsKey(source)) {
                    cycle(r.name(), viewSources).ifPresent(c -> problems.add(r.file(), "source",
                            "feature views read each other in a cycle: " + String.join(" -> ", c),
                            "make one of " + names(new LinkedHashSet<>(c)) + " read a source"));
                }
            }
            for (int i = 0; i < r.checks().size(); i++) {
                String suite = r.checks().get(i);
                if (!suiteFiles.containsKey(suite)) {
                    problems.add(r.file(), "checks[" + i + "]", "'" + suite + "' is not a suite in checks/ (suites: "
                                    + names(suiteFiles.keySet()) + ")" + Node.suggest(suite, suiteFiles.keySet()),
                            "name a file of checks/ without its extension");
                }
            }
        }
        for (FeatureViewDef v : views.values()) {
            SourceDef src = sources.get(v.source());
            if (src != null && !src.schema().isEmpty() && !sourceFiles.containsKey(v.name())) {
                columns(viewFiles.get(v.name()), v, src, sourceFiles.get(src.name()));
            }
        }
        for (ModelRef r : modelRefs) {
            FeatureRef ref = r.ref();
            if (!viewFiles.containsKey(ref.view())) {
                problems.add(r.file(), r.keyPath(), "'" + ref.view() + "' is not a feature view (feature views: "
                                + names(viewFiles.keySet()) + ")" + Node.suggest(ref.view(), viewFiles.keySet()),
                        "name a file of feature_views/ without its extension");
                continue;
            }
            FeatureViewDef v = views.get(ref.view());
            if (v == null || broken.contains(viewFiles.get(ref.view()))) {
                continue; // its file has problems of its own
            }
            for (String f : ref.features()) {
                if (!v.featureNames().contains(f)) {
                    problems.add(r.file(), r.keyPath(), "feature view '" + v.name() + "' has no feature '" + f
                                    + "' (features: " + names(v.featureNames()) + ")" + Node.suggest(f, v.featureNames()),
                            "name one of its features");
                }
            }
        }
    }

    /** The columns a view uses exist in its source (or its transformations) with the right types. */
    private void columns(String file, FeatureViewDef v, SourceDef src, String srcFile) {
        Set<String> cols = new LinkedHashSet<>(src.schema().keySet());
        v.transformations().forEach(t -> cols.add(t.name()));
        for (int i = 0; i < v.entities().size(); i++) {
            if (!cols.contains(v.entities().get(i))) {
                problems.add(file, "entities[" + i + "]", "'" + v.entities().get(i) + "' is not a column of "
                        + srcFile + " nor a transformation (columns: " + names(cols) + ")", "name one of those columns");
            }
        }
        for (int i = 0; i < v.aggregations().size(); i++) {
            Optional<String> c = v.aggregations().get(i).column();
            if (c.isPresent() && !cols.contains(c.get())) {
                problems.add(file, "aggregations[" + i + "].column", "'" + c.get() + "' is not a column of "
                                + srcFile + " nor a transformation (columns: " + names(cols) + ")",
                        "name one of those columns, or add a transformation that makes it");
            }
        }
        v.eventTime().ifPresent(et -> {
            String type = src.schema().get(et);
            if (type == null) {
                problems.add(file, "event_time", "'" + et + "' is not a column of " + srcFile
                        + " (columns: " + names(src.schema().keySet()) + ")", "name one of its columns");
            } else if (!isTimestamp(type)) {
                problems.add(file, "event_time", "'" + et + "' has type " + type + " in " + srcFile
                        + ", not timestamp", "use a timestamp (or timestamp_ntz) column");
            }
        });
    }

    /** The views from {@code start} back to {@code start}, when following 'source' leads back to it. */
    private static Optional<List<String>> cycle(String start, Map<String, String> viewSources) {
        List<String> path = new ArrayList<>(List.of(start));
        Set<String> seen = new HashSet<>(path);
        String cur = viewSources.get(start);
        while (viewSources.containsKey(cur)) {
            path.add(cur);
            if (cur.equals(start)) {
                return Optional.of(path);
            }
            if (!seen.add(cur)) {
                return Optional.empty(); // a cycle further on, which its own views report
            }
            cur = viewSources.get(cur);
        }
        return Optional.empty();
    }

    private static List<String> concat(Iterable<String> a, Iterable<String> b) {
        List<String> out = new ArrayList<>();
        a.forEach(out::add);
        b.forEach(out::add);
        return out;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    private static String names(Iterable<String> names) {
        List<String> l = new ArrayList<>();
        names.forEach(l::add);
        return l.isEmpty() ? "(none)" : String.join(", ", l);
    }
}
