package dev.ingot.core.config.internal;

import dev.ingot.core.config.AirflowSettings;
import dev.ingot.core.config.CatalogSettings;
import dev.ingot.core.config.CheckSuiteDef;
import dev.ingot.core.config.FeatureViewDef;
import dev.ingot.core.config.GpuPolicy;
import dev.ingot.core.config.ModelDef;
import dev.ingot.core.config.ProjectLoader;
import dev.ingot.core.config.SourceDef;
import dev.ingot.core.config.SqlServerSettings;
import dev.ingot.core.config.TrackingSettings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The one description of the keys of a project's files: for each kind of file and key path, its type, whether it is
 * required, its default and what it means (Delta Kernel's {@code TableConfig} is the model). {@link Node} takes from it
 * which keys a mapping may have (the unknown-key check and its "did you mean"), and refuses to read a key that is not
 * declared here, so a new key cannot be added without its documentation; {@link ConfigDoc} writes the reference tables
 * of {@code docs/configuration.md} from it. The loader's parse code still does the validation that needs more than
 * the key's type (cross-key rules, SQL, references).
 *
 * <p>A key path is dotted; the items of a list of mappings are {@code key[]} ({@code aggregations[].windows}). The
 * keys of a check ({@code checks[]}) depend on its kind: they are all declared here, but a check may have only those
 * the loader asks for (see {@link #dependsOnKind}). A mapping whose keys are not declared here (a model's {@code fairness.max_gap},
 * whose keys are the fairness metrics) keeps the older rule: its known keys are the ones the loader asks for.
 */
public final class ConfigKeys {
    private ConfigKeys() {}

    /** The kinds of file in a project. */
    public enum FileKind {
        PROJECT(ProjectLoader.PROJECT_FILE),
        SOURCES(ProjectLoader.SOURCES + "/*.yaml"),
        FEATURE_VIEWS(ProjectLoader.FEATURE_VIEWS + "/*.yaml"),
        CHECKS(ProjectLoader.CHECKS + "/*.yaml"),
        MODELS(ProjectLoader.MODELS + "/*.yaml");

        private final String pattern;

        FileKind(String pattern) {
            this.pattern = pattern;
        }

        /** How the docs name the file: {@code ingot.yaml}, {@code sources/*.yaml}. */
        public String pattern() {
            return pattern;
        }

        /** The kind of a file given relative to the project directory, or empty for a file of no kind. */
        public static Optional<FileKind> of(String rel) {
            return Arrays.stream(values()).filter(k -> k == PROJECT ? rel.equals(ProjectLoader.PROJECT_FILE)
                    : rel.startsWith(k.pattern.substring(0, k.pattern.indexOf('*')))).findFirst();
        }
    }

    /** What a getter of {@link Node} reads a key as. */
    public enum Shape { SCALAR, LIST, MAPPING, LIST_OF_MAPPINGS, MAP }

    /**
     * A key's type.
     *
     * @param shape how it is read
     * @param doc how the docs name it
     * @param choices for a choice, its enum (whose constants, lower-case, are the values)
     * @param below for a mapping or a list of mappings: whether its keys have a table of their own in the docs
     *     (otherwise they are listed under it, as {@code spark.conf})
     */
    public record Type(Shape shape, String doc, Optional<Class<? extends Enum<?>>> choices, boolean below) {
        /** The same type, named otherwise in the docs (e.g. a duration that may only be {@code 1h} or {@code 1d}). */
        public Type described(String text) {
            return new Type(shape, text, choices, below);
        }
    }

    public static final Type TEXT = scalar("text");
    public static final Type NAME = scalar("name");
    public static final Type COLUMN = scalar("column");
    public static final Type TABLE = scalar("`database.table`");
    public static final Type PATH = scalar("path or URI");
    public static final Type DURATION = scalar("duration");
    public static final Type SQL_PREDICATE = scalar("Spark SQL predicate");
    public static final Type SQL_EXPRESSION = scalar("Spark SQL expression");
    public static final Type NUMBER = scalar("number");
    public static final Type BOOLEAN = scalar("`true` or `false`");
    public static final Type LIST = new Type(Shape.LIST, "list", Optional.empty(), false);
    public static final Type NAMES = new Type(Shape.LIST, "list of names", Optional.empty(), false);
    public static final Type COLUMNS = new Type(Shape.LIST, "list of columns", Optional.empty(), false);
    public static final Type DURATIONS = new Type(Shape.LIST, "list of durations", Optional.empty(), false);
    public static final Type VALUES = new Type(Shape.MAP, "mapping of text to value", Optional.empty(), false);
    /** A mapping whose keys are listed under it, dotted. */
    public static final Type MAPPING = new Type(Shape.MAPPING, "mapping", Optional.empty(), false);
    /** A mapping whose keys have a table of their own. */
    public static final Type MAPPING_BELOW = new Type(Shape.MAPPING, "mapping, below", Optional.empty(), true);
    /** A list of mappings whose keys have a table of their own. */
    public static final Type LIST_BELOW = new Type(Shape.LIST_OF_MAPPINGS, "list, below", Optional.empty(), true);

    private static Type scalar(String doc) {
        return new Type(Shape.SCALAR, doc, Optional.empty(), false);
    }

    /** One of an enum's constants, written in lower case; the docs list them all. */
    public static Type choice(Class<? extends Enum<?>> e) {
        String doc = Arrays.stream(e.getEnumConstants()).map(c -> "`" + c.name().toLowerCase(Locale.ROOT) + "`")
                .collect(Collectors.joining(", "));
        return new Type(Shape.SCALAR, doc, Optional.of(e), false);
    }

    /**
     * One key.
     *
     * @param file the kind of file it is in
     * @param path its dotted path, {@code key[]} for the items of a list of mappings
     * @param type its type
     * @param requirement empty when optional; else when it is required, as the docs say it: {@code required},
     *     {@code required with `jdbc`}
     * @param dflt its default, as the docs say it (empty when none)
     * @param doc what it means, one line of Markdown
     * @param group the table of the docs it is in, when its mapping has several ({@code anomaly}); else empty
     */
    public record Key(FileKind file, String path, Type type, String requirement, String dflt, String doc,
                      String group) {
        /** The last part of the path: what is written in the file. */
        public String name() {
            String p = path.substring(path.lastIndexOf('.') + 1);
            return p.endsWith("[]") ? p.substring(0, p.length() - 2) : p;
        }

        /** The path of the mapping the key is in: {@code ""} at the top, {@code aggregations[]}, {@code catalog}. */
        public String parent() {
            int dot = path.lastIndexOf('.');
            return dot < 0 ? "" : path.substring(0, dot);
        }

        Key required(String when) {
            return new Key(file, path, type, when, dflt, doc, group);
        }

        Key required() {
            return required("required");
        }

        Key dflt(String text) {
            return new Key(file, path, type, requirement, text, doc, group);
        }

        Key doc(String text) {
            return new Key(file, path, type, requirement, dflt, text, group);
        }

        Key group(String name) {
            return new Key(file, path, type, requirement, dflt, doc, name);
        }
    }

    private static Key key(FileKind file, String path, Type type) {
        return new Key(file, path, type, "", "", "", "");
    }

    private static final String FREE_TEXT = "free text";
    private static final String EMPTY = "`\"\"`";
    /** The doc of a secret that only some commands resolve (ProjectSettings.SecretUse); %s: those commands. */
    private static final String ONLY_USERS = "Read only by %s: its variable need not be set where other commands run";

    private static final List<Key> KEYS = declare();

    private static List<Key> declare() {
        List<Key> k = new ArrayList<>();
        FileKind p = FileKind.PROJECT;
        k.add(key(p, "name", NAME).required().doc("the project's name (also the default MLflow experiment)"));
        k.add(key(p, "description", TEXT).dflt(EMPTY).doc(FREE_TEXT));
        k.add(key(p, "warehouse", PATH).dflt("`" + ProjectLoader.WAREHOUSE_DEFAULT + "` (under the project dir)")
                .doc("where Delta tables live (`spark.sql.warehouse.dir`)"));
        k.add(key(p, "catalog", MAPPING_BELOW).dflt("`metastore: embedded`")
                .doc("the Hive metastore behind Ingot's databases, below"));
        k.add(key(p, "tracking", MAPPING_BELOW).dflt("`type: local`")
                .doc("where training runs and model versions are recorded, below"));
        k.add(key(p, "spark", MAPPING).dflt("none").doc("Spark settings; takes only `conf`"));
        k.add(key(p, "spark.conf", VALUES.described("mapping of `spark.*` key to value")).dflt("none")
                .doc("Spark settings for every session, unless spark-submit already set them"));
        k.add(key(p, "gpu", choice(GpuPolicy.class)).dflt("`auto`").doc("GPUs (Spark RAPIDS, ONNX Runtime's CUDA"
                + " provider): `auto` uses them when there are GPUs, the RAPIDS jar and ORT's GPU build, else runs on CPUs"
                + " saying what is missing; `on` requires them (exit 2 before any work otherwise); `off` never uses them."
                + " `--gpu` overrides it; settings in [gpu.md](gpu.md)"));

        k.add(key(p, "catalog.metastore", choice(CatalogSettings.Metastore.class)).dflt("`embedded`")
                .doc("`embedded`: a Derby database in `<warehouse>/metastore_db`, one process at a time (a second one"
                        + " waits, see below); needs a local"
                        + " warehouse. `jdbc`: a shared metastore database that many processes use at once (a job"
                        + " while `sql` or a notebook is open; PostgreSQL, see [sql.md](sql.md#shared-metastore));"
                        + " its tables are created on first use. `cluster`: whatever the cluster configured"
                        + " (Glue, a metastore service, Unity); Ingot sets nothing"));
        k.add(key(p, "catalog.url", TEXT).required("required with `jdbc`")
                .doc("JDBC URL, must start with `jdbc:` (`jdbc:postgresql://db:5432/metastore`); the database must"
                        + " exist. Checked before any work: an unreachable database, a refused login or a missing"
                        + " database is exit 2 (`spark.ingot.catalog.connectTimeoutSeconds`, default "
                        + dev.ingot.core.IngotSessions.CATALOG_CONNECT_TIMEOUT_DEFAULT + ", bounds the wait)"));
        k.add(key(p, "catalog.driver", TEXT).dflt("from the URL")
                .doc("JDBC driver class; inferred for `jdbc:postgresql:` (`org.postgresql.Driver`, shipped with"
                        + " Ingot), `jdbc:mysql:`, `jdbc:mariadb:`, `jdbc:derby:`, `jdbc:sqlserver:`, `jdbc:oracle:`"
                        + " (their jars are not shipped: add them to the distribution's `jars/`)"));
        k.add(key(p, "catalog.user", TEXT).doc("user name"));
        k.add(key(p, "catalog.password", TEXT).doc("write it as `${env:NAME}`; never printed. Nearly every command"
                + " opens the catalog, so it is read when the project loads: its variable must be set wherever Ingot"
                + " runs"));

        k.add(key(p, "tracking.type", choice(TrackingSettings.Kind.class)).dflt("`local`")
                .doc("`local`: Delta tables in the `ml` database (`ml.runs`, `ml.metrics`, `ml.model_versions`, ...)"
                        + " and artifacts under `<warehouse>/_artifacts`. `mlflow`: an MLflow tracking server and model"
                        + " registry. See [Tracking backends](training.md#tracking-backends)"));
        k.add(key(p, "tracking.uri", TEXT).required("required with `mlflow`")
                .doc("`http://...` or `https://...`: the server's root URL. MLflow's file store (`file:`, `./mlruns`)"
                        + " is deprecated and refused; `databricks` loads but cannot be used yet (write the workspace's"
                        + " `https://` URL with a token)"));
        k.add(key(p, "tracking.token", TEXT).doc("bearer token; write it as `${env:NAME}`. Without it:"
                + " `MLFLOW_TRACKING_TOKEN`, else `MLFLOW_TRACKING_USERNAME`/`MLFLOW_TRACKING_PASSWORD` from the"
                + " environment. " + ONLY_USERS.formatted("the commands that talk to MLflow (`train`, `models ...`,"
                + " `score` of a registry version, `gpu-report`)")));
        k.add(key(p, "tracking.experiment", TEXT).dflt("the project's name").doc("MLflow experiment"));
        k.add(key(p, "tracking.connect_timeout_seconds", NUMBER.described("whole number of seconds, 1 to 3600"))
                .dflt("`" + TrackingSettings.CONNECT_TIMEOUT_DEFAULT + "`")
                .doc("MLflow: how long to wait for a connection"));
        k.add(key(p, "tracking.request_timeout_seconds", NUMBER.described("whole number of seconds, 1 to 86400"))
                .dflt("`" + TrackingSettings.REQUEST_TIMEOUT_DEFAULT + "`")
                .doc("MLflow: how long to wait for one answer, an artifact upload included; a server that does not"
                        + " answer in time is a failure (exit 3); that request is not sent again, since it may still be"
                        + " running on the server"));
        k.add(key(p, "cost", MAPPING_BELOW).dflt("none")
                .doc("what compute costs, so that runs record their cost in money as well as CPU seconds, below"));
        k.add(key(p, "cost.price_per_core_hour", NUMBER.described("positive number")).required("required with `cost`")
                .doc("the price of one core-hour (3,600 executor CPU seconds), e.g. `0.05`. `train` records"
                        + " `ingot.cost.amount` = executor CPU seconds / 3600 x this price"));
        k.add(key(p, "cost.currency", TEXT.described("ISO 4217 code")).dflt("`" + ProjectLoader.CURRENCY_DEFAULT + "`")
                .doc("the price's currency, three upper-case letters (`USD`, `EUR`, `GBP`)"));
        k.add(key(p, "signing", MAPPING_BELOW).dflt("none")
                .doc("Ed25519 keys that sign each model version's ONNX SHA-256 (`train`, `models register`) and that"
                        + " `score` verifies it with, below"));
        k.add(key(p, "signing.private_key", TEXT.described("`${env:NAME}`")).dflt("none")
                .doc("a PKCS#8 Ed25519 private key, base64 or PEM (`openssl genpkey -algorithm ed25519`); a secret:"
                        + " take it from the environment, e.g. `${env:INGOT_SIGNING_KEY}`. New versions get the tag"
                        + " `ingot.onnx_signature`. " + ONLY_USERS.formatted("`train` and `models register`")));
        k.add(key(p, "signing.private_key_file", TEXT.described("path")).dflt("none")
                .doc("a file holding the private key instead (relative to the project), e.g. a mounted secret"));
        k.add(key(p, "signing.public_key", TEXT.described("base64 or PEM")).dflt("none")
                .doc("the X.509 Ed25519 public key (`openssl pkey -pubout`). When set, `score` refuses (exit 2, nothing"
                        + " written) a registry version whose signature is missing or does not verify"));
        k.add(key(p, "signing.public_key_file", TEXT.described("path")).dflt("none")
                .doc("a file holding the public key instead (relative to the project)"));
        k.add(key(p, "airflow", MAPPING_BELOW).dflt("none")
                .doc("the Airflow whose REST API `ingot airflow trigger` and `ingot airflow status` call, below"));
        k.add(key(p, "airflow.url", TEXT.described("http(s) URL")).required("required with `airflow`")
                .doc("the Airflow web server's root (`http://airflow:8080`), without `/api/...`"));
        k.add(key(p, "airflow.username", TEXT).required("required with `airflow`").doc("the user that logs in"));
        k.add(key(p, "airflow.password", TEXT.described("`${env:NAME}`")).dflt("none")
                .doc("the user's password; a secret: take it from the environment, e.g."
                        + " `${env:INGOT_AIRFLOW_PASSWORD}`. It is never printed. "
                        + ONLY_USERS.formatted("`ingot airflow ...`") + " (the DAGs' tasks do not need it)"));
        k.add(key(p, "airflow.version", TEXT.described("`auto`, `2` or `3`")).dflt("`auto`")
                .doc("which REST API to speak: `3` is `/api/v2` with a token from `POST /auth/token`, `2` is"
                        + " `/api/v1` with basic authentication; `auto` asks the server (`GET /api/v2/version`)"));
        k.add(key(p, "airflow.connect_timeout_seconds", NUMBER.described("whole number of seconds"))
                .dflt("`" + AirflowSettings.CONNECT_TIMEOUT_DEFAULT + "`").doc("how long to wait for a connection"));
        k.add(key(p, "airflow.request_timeout_seconds", NUMBER.described("whole number of seconds"))
                .dflt("`" + AirflowSettings.REQUEST_TIMEOUT_DEFAULT + "`").doc("how long to wait for one answer"));

        k.add(key(p, "sql_server", MAPPING_BELOW).dflt("none")
                .doc("how `ingot sql-server` serves the warehouse over JDBC (Spark's Thrift server, Hive protocol),"
                        + " below; see [sql.md](sql.md#the-jdbc-server-ingot-sql-server)"));
        k.add(key(p, "sql_server.host", TEXT.described("address")).dflt("`" + SqlServerSettings.HOST_DEFAULT + "`")
                .doc("the address to listen on; the default lets only this machine connect. `0.0.0.0` listens on every"
                        + " interface: set `auth: password` with it"));
        k.add(key(p, "sql_server.port", NUMBER.described("TCP port")).dflt("`" + SqlServerSettings.PORT_DEFAULT + "`")
                .doc("the port to listen on; `--port` overrides it"));
        k.add(key(p, "sql_server.auth", choice(SqlServerSettings.Auth.class)).dflt("`none`")
                .doc("`none`: any user name, no password. `password`: clients must give `username` and `password`"
                        + " (Hive's CUSTOM authentication, compared in constant time)"));
        k.add(key(p, "sql_server.username", TEXT).required("required with `password`")
                .doc("the user name clients log in as"));
        k.add(key(p, "sql_server.password", TEXT.described("`${env:NAME}`")).required("required with `password`")
                .doc("the password; a secret: take it from the environment, e.g. `${env:INGOT_SQL_PASSWORD}`. It is"
                        + " never printed or logged. " + ONLY_USERS.formatted("`ingot sql-server`")));

        FileKind s = FileKind.SOURCES;
        k.add(definitionName(s));
        k.add(key(s, "description", TEXT).dflt(EMPTY).doc(FREE_TEXT));
        k.add(key(s, "table", TABLE).doc("a catalog table"));
        k.add(key(s, "path", PATH).doc("files (a relative path is resolved against the project dir)"));
        k.add(key(s, "format", choice(SourceDef.Format.class)).dflt("`delta`").doc("the files' format; **required"
                + " with `path`**; a table's format comes from the catalog, so with `table` only `delta` is accepted"));
        k.add(key(s, "options", VALUES).dflt("none").doc("Spark reader options (`header: true`, `sep: \";\"`)"));
        k.add(key(s, "schema", VALUES.described("mapping of column to Spark SQL type, in order")).dflt("none")
                .doc("**required for `csv` and `json`**; checked against the data otherwise. Types are Spark SQL types:"
                        + " `string`, `int`, `bigint`, `double`, `boolean`, `date`, `timestamp`, `decimal(10,2)`,"
                        + " `array<string>`, `map<string,int>`, `struct<a:int,b:string>`"));
        k.add(key(s, "event_time", COLUMN).required().doc("each row's event time: a `timestamp` (an instant), or a"
                + " `timestamp_ntz` (a local date-time, as pandas writes naive datetimes to parquet) read in `time_zone`."
                + " When `schema` is given, it must be one of its columns, of type `timestamp` or `timestamp_ntz`"));
        k.add(key(s, "time_zone", TEXT.described("time zone id (`Europe/Paris`, `UTC`, `+02:00`)")).dflt("`UTC`")
                .doc("the zone of `timestamp_ntz` event times: each is converted to the UTC instant it denotes there"
                        + " when the source is read ([features](features.md#event-times-and-time-zones)). Timestamps"
                        + " with a zone are instants already and are not changed"));

        FileKind v = FileKind.FEATURE_VIEWS;
        k.add(definitionName(v));
        k.add(key(v, "description", TEXT).dflt(EMPTY).doc(FREE_TEXT));
        k.add(key(v, "source", NAME).required().doc("a file of `sources/` or of `feature_views/` (without its"
                + " extension); not the view itself; views must not read each other in a cycle"));
        k.add(key(v, "entities", COLUMNS).required().doc("the entity key columns; with a source that has a schema,"
                + " each must be one of its columns (a transformation cannot make an entity key: its name may not be"
                + " an entity's)"));
        k.add(key(v, "event_time", COLUMN).dflt("the source's `event_time`").doc("another event-time column, when it"
                + " differs; with a schema, a `timestamp` (or `timestamp_ntz`) column of the source"));
        k.add(key(v, "filter", SQL_PREDICATE).dflt("none").doc("rows must pass it (`status = 'complete'`)"));
        k.add(key(v, "transformations", LIST_BELOW).dflt("none")
                .doc("row-level columns computed before aggregation, in order"));
        k.add(key(v, "aggregations", LIST_BELOW).dflt("none").doc("windowed aggregations"));
        k.add(key(v, "cadence", DURATION.described("`1h` or `1d`")).dflt("`1d`")
                .doc("how often features are evaluated (the tick)"));
        k.add(key(v, "ttl", DURATION).dflt("the longest window, or the cadence when that is longer (or there are no"
                + " windows)").doc("how long a value stays valid in point-in-time joins; at least the cadence"));
        k.add(key(v, "checks", NAMES).dflt("none")
                .doc("suites of `checks/` the new rows must pass before they are published"));

        k.add(key(v, "transformations[].name", COLUMN).required()
                .doc("the new column; not an entity or an earlier transformation"));
        k.add(key(v, "transformations[].expr", SQL_EXPRESSION).required().doc("may use the source's columns and"
                + " earlier transformations; no `AS` alias (the name is `name`)"));
        k.add(key(v, "transformations[].description", TEXT).dflt(EMPTY).doc(FREE_TEXT));

        k.add(key(v, "aggregations[].name", NAME).required().doc("the features' name prefix"));
        k.add(key(v, "aggregations[].function", choice(FeatureViewDef.Function.class)).required()
                .doc("the aggregate"));
        k.add(key(v, "aggregations[].column", COLUMN).required("required except for `count`").doc("a column of the"
                + " source or a transformation; `count` without a column counts rows"));
        k.add(key(v, "aggregations[].windows", DURATIONS).required()
                .doc("each a whole multiple of the cadence, each listed once"));
        k.add(key(v, "aggregations[].description", TEXT).dflt(EMPTY).doc("what the features mean"));

        checks(k);
        models(k);
        return List.copyOf(k);
    }

    private static void checks(List<Key> k) {
        FileKind c = FileKind.CHECKS;
        k.add(definitionName(c));
        k.add(key(c, "description", TEXT).dflt(EMPTY).doc(FREE_TEXT));
        k.add(key(c, "table", TABLE).dflt("none").doc("the table the suite checks when run on its own"));
        k.add(key(c, "policy", choice(CheckSuiteDef.Policy.class)).dflt("`strict`").doc("`strict`: any failing"
                + " error-level check stops the publish. `quarantine`: rows failing row-level checks go to"
                + " `quality.<table>__quarantine`, the rest are published"));
        k.add(key(c, "checks", LIST_BELOW).required().doc("the checks, below; not empty"));

        k.add(key(c, "checks[].kind", choice(CheckSuiteDef.Kind.class).described("one of the kinds below")).required()
                .doc("what it checks"));
        k.add(key(c, "checks[].severity", choice(CheckSuiteDef.Severity.class)).dflt("`error`").doc("`error`: a"
                + " failure stops the publish and the command exits with 1. `warning`: recorded and reported, the data"
                + " is published"));
        k.add(key(c, "checks[].description", TEXT).dflt(EMPTY).doc("what it guards against"));

        String rules = "rules";
        k.add(key(c, "checks[].column", COLUMN).group(rules).doc("the column checked"));
        k.add(key(c, "checks[].columns", COLUMNS).group(rules).doc("the columns whose combination is checked"));
        k.add(key(c, "checks[].min", NUMBER).group(rules).doc("the least value allowed: a fraction from 0 to 1 for"
                + " `completeness`, `uniqueness`, `pattern` and `predicate` (default 1: all rows), else a value of the"
                + " column or a row count"));
        k.add(key(c, "checks[].max", NUMBER).group(rules).doc("the largest value allowed, a value of the column or a"
                + " row count; not less than `min`"));
        k.add(key(c, "checks[].values", new Type(Shape.LIST, "list of text", Optional.empty(), false)).group(rules)
                .doc("the values allowed"));
        k.add(key(c, "checks[].regex", TEXT).group(rules).doc("a Java regular expression the values match"));
        k.add(key(c, "checks[].quantile", NUMBER.described("number from 0 to 1")).group(rules)
                .doc("which quantile (0.5: the median)"));
        k.add(key(c, "checks[].expr", SQL_PREDICATE).group(rules).doc("the condition each row satisfies"));

        String anomaly = "anomaly";
        k.add(key(c, "checks[].metric", choice(CheckSuiteDef.Metric.class)).required().group(anomaly)
                .doc("the metric watched; all but `size` need `column`"));
        k.add(key(c, "checks[].strategy", choice(CheckSuiteDef.Strategy.class)).required().group(anomaly)
                .doc("`relative_change`: the metric may change by at most `max_change` from the previous run."
                        + " `std_dev`: it may be at most `sigmas` standard deviations from the mean of the last"
                        + " `window` runs"));
        k.add(key(c, "checks[].max_change", NUMBER.described("number ≥ 0")).required("required for `relative_change`")
                .group(anomaly).doc("the largest change allowed, as a fraction (`0.3`: 30% up or down)"));
        k.add(key(c, "checks[].sigmas", NUMBER.described("number ≥ 0")).required("required for `std_dev`")
                .group(anomaly).doc("standard deviations allowed"));
        k.add(key(c, "checks[].window", NUMBER.described("whole number, 1 to 1000")).group(anomaly)
                .dflt("1 for `relative_change`, 10 for `std_dev`").doc("previous runs looked at"));

        String drift = "drift";
        k.add(key(c, "checks[].reference", TEXT.described("`previous` or `database.table`")).group(drift)
                .dflt("`previous`").doc("`previous`: the table's previous Delta version (for rows about to be"
                        + " published: the target's current rows); or a table, e.g. a training set"));
        k.add(key(c, "checks[].psi_max", NUMBER.described("number ≥ 0")).group(drift).doc("the largest population"
                + " stability index allowed (0.1: small shift, 0.25: large)"));
        k.add(key(c, "checks[].ks_max", NUMBER.described("number from 0 to 1")).group(drift)
                .doc("the largest Kolmogorov-Smirnov distance allowed"));
        k.add(key(c, "checks[].bins", NUMBER.described("whole number, 2 to 100")).group(drift).dflt("10")
                .doc("bins of the population stability index"));
    }

    /**
     * Whether the keys a mapping may have depend on its kind ({@code checks[]}): then each must be declared, but the
     * loader asks for the ones of the kind at hand, and those are all the mapping may have.
     */
    public static boolean dependsOnKind(FileKind file, String parent) {
        return file == FileKind.CHECKS && parent.equals("checks[]");
    }

    /** Every definition file may repeat its name, which must then be the file's. */
    private static Key definitionName(FileKind file) {
        return key(file, "name", NAME).dflt("the file's name")
                .doc("the definition's name, as its file names it; if given, it must equal the file's name");
    }

    private static void models(List<Key> k) {
        FileKind m = FileKind.MODELS;
        k.add(definitionName(m));
        k.add(key(m, "description", TEXT).dflt(EMPTY).doc(FREE_TEXT));
        k.add(key(m, "spine", TABLE).required("required, unless `onnx`").doc("the labelled events: entity keys, event time, label"));
        k.add(key(m, "timestamp", COLUMN).required("required, unless `onnx`").doc("the spine's event-time column; the time split uses it"));
        k.add(key(m, "label", COLUMN).required("required, unless `onnx`").doc("the label column: 0/1 (or false/true) for a classifier, a number"
                + " for a regressor"));
        k.add(key(m, "features", LIST).required("required, unless `onnx`").doc("each `VIEW` (all its features) or `VIEW:feature1,feature2`;"
                + " joined point-in-time onto the spine. The view must exist and have those features"));
        k.add(key(m, "algorithm", MAPPING).required("required, unless `onnx`").doc("the estimator and its params"));
        k.add(key(m, "algorithm.type", TEXT.described("one of the algorithms below")).required()
                .doc("the Spark ML estimator, and so the task (classification or regression)"));
        k.add(key(m, "algorithm.params", VALUES.described("mapping")).dflt("none").doc("the estimator's params by"
                + " their Spark ML name (`maxIter`, `maxDepth`, `regParam`, ...; `max_depth` is read as `maxDepth`)."
                + " Each must be a param of the estimator, with a value of its type (whole number, number,"
                + " `true`/`false` or text) that the estimator accepts. Ingot sets the column params and `seed` itself"));
        k.add(key(m, "test_window", DURATION).dflt("`" + ModelDef.TEST_WINDOW_DEFAULT.text() + "`")
                .doc("the latest span of the spine held out for evaluation (a time split, never random)"));
        k.add(key(m, "validation_window", DURATION).dflt("none")
                .doc("the span just before the test window, evaluated separately and not trained on"));
        k.add(key(m, "seed", NUMBER.described("whole number")).dflt("`" + ModelDef.SEED_DEFAULT + "`").doc("the seed"
                + " of every random choice (trees' sampling); the same inputs and seed give the same metrics"));
        k.add(key(m, "metrics", LIST).dflt("all of the task's").doc("what the evaluation reports; see below"));
        k.add(key(m, "precision_at_k", NUMBER.described("whole number from 1"))
                .dflt("`" + ModelDef.PRECISION_AT_K_DEFAULT + "`").doc("the k of `precision_at_k`"));
        k.add(key(m, "nulls", MAPPING).dflt("`impute: mean`").doc("how null feature values are filled in"));
        k.add(key(m, "nulls.impute", choice(ModelDef.Imputation.class)).dflt("`mean`").doc("what replaces a null"
                + " numeric or boolean feature (computed on the training window)"));
        k.add(key(m, "nulls.indicators", BOOLEAN).dflt("`true`").doc("add a 0/1 feature `<feature>__is_null` for each"
                + " imputed feature that has nulls in the training window"));
        k.add(key(m, "fairness", MAPPING).dflt("none").doc("metrics per group, and how far apart the groups may be;"
                + " classifiers only"));
        k.add(key(m, "fairness.column", COLUMN).required("required in `fairness`").doc("a column of the training set"
                + " (e.g. a customer segment): `tpr`, `positive_rate` and `auc` are reported per group of it"));
        k.add(key(m, "fairness.max_gap", MAPPING.described("mapping of `tpr`, `positive_rate`, `auc` to a number from"
                + " 0 to 1")).dflt("none")
                .doc("the largest gap (best group minus worst group) a version may have to be promoted"));
        k.add(key(m, "gate", LIST.described("list of rules")).dflt("none")
                .doc("what a version must meet to be promoted; see below"));
        // A model made elsewhere: an ONNX file Ingot registers and scores but does not train.
        k.add(key(m, "onnx", PATH.described("path of a `.onnx` file")).dflt("none").doc("a model made elsewhere (e.g."
                + " by skl2onnx), relative to the project directory; it must exist. With it, the spec has none of the"
                + " training keys above: `ingot models register` puts the file in the registry"));
        k.add(key(m, "inputs", MAPPING.described("mapping of input name to columns")).dflt("each input from the column"
                + " of its name").doc("with `onnx`: the table columns that fill each graph input, e.g. `float_input:"
                + " [age, income, tenure]`: one column for an `[N]` or `[N,1]` input, F (in order) for an `[N,F]` one"));
        k.add(key(m, "outputs", MAPPING).dflt("found by name").doc("with `onnx`: which outputs are the label, the"
                + " probabilities or the prediction"));
        k.add(key(m, "outputs.label", TEXT).dflt("`label` or `output_label`").doc("the output holding the predicted"
                + " class (`int64` or `string` tensor)"));
        k.add(key(m, "outputs.probability", TEXT).dflt("`probability`, `probabilities` or `output_probability`")
                .doc("the output holding one probability per class (`float` or `double` tensor `[N,C]`; not a ZipMap)"));
        k.add(key(m, "outputs.prediction", TEXT).dflt("`prediction` or `variable`, or the only output")
                .doc("a regressor's output (`float` or `double`); not with `label`/`probability`"));
        k.add(key(m, "keys", COLUMNS).dflt("none").doc("with `onnx`: the entity-key columns `ingot score` copies from"
                + " the input table onto each score row"));
    }

    /** Every declared key, in the order of the docs. */
    public static List<Key> all() {
        return KEYS;
    }

    /**
     * The keys of one mapping: of a file's top level ({@code parent} empty), or of a mapping or list of mappings in
     * it ({@code catalog}, {@code aggregations[]}); empty when that mapping's keys are not declared.
     */
    public static List<Key> of(FileKind file, String parent) {
        return KEYS.stream().filter(k -> k.file() == file && k.parent().equals(parent)).toList();
    }

    /** The key declared at {@code path} of {@code file}. */
    public static Optional<Key> find(FileKind file, String path) {
        return KEYS.stream().filter(k -> k.file() == file && k.path().equals(path)).findFirst();
    }
}
