package dev.ingot.jobs.demo;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.cos;
import static org.apache.spark.sql.functions.date_add;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.exp;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.sqrt;
import static org.apache.spark.sql.functions.timestamp_seconds;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import dev.ingot.core.Catalog;
import dev.ingot.core.Errors;
import dev.ingot.core.IngotException;
import dev.ingot.core.PublishGate;
import dev.ingot.core.TableDoc;
import dev.ingot.core.TableName;
import dev.ingot.core.Tables;
import dev.ingot.core.config.CheckSuiteDef;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo data set: synthetic card transactions of a retail bank's customers, with fraud that a model can learn.
 *
 * <p>{@link #generate} writes four Delta tables to the {@value #DATABASE} database (created under the session's
 * warehouse when missing), replacing what was there:
 * <ul>
 *   <li>{@code raw.customers} (about transactions / 40): {@code customer_id bigint, signup_ts timestamp,
 *       home_country string, segment string (mass, affluent, business), birth_year int}; everyone signed up before
 *       the first transaction.</li>
 *   <li>{@code raw.merchants} (transactions / 150, at least 50): {@code merchant_id bigint, name string,
 *       category string (grocery, fuel, restaurants, fashion, electronics, travel, gaming, online_services),
 *       country string, risk_tier int (1 to 3), onboarded_ts timestamp} (the time column a source needs).</li>
 *   <li>{@code raw.transactions}: {@code txn_id bigint, customer_id bigint, merchant_id bigint, amount double,
 *       currency string, channel string (card_present, contactless, online), country string (where it happened),
 *       card_country string (the card's issuing country, which is the customer's home country), ts timestamp (UTC),
 *       event_date date (the UTC date of ts; the table is partitioned by it)}. Times span {@code days} days from
 *       {@code start}, busier by day than by night and on Fridays and Saturdays. Amounts are in the card's billing
 *       currency (EUR, GBP, PLN or USD): log-normal around a median set by the merchant category, the customer's
 *       segment and a per-customer factor.</li>
 *   <li>{@code raw.chargebacks}: {@code txn_id bigint, customer_id bigint, chargeback_ts timestamp (3 to 45 days
 *       after the transaction, possibly after the last transaction), reason string}.</li>
 * </ul>
 *
 * <p><b>Fraud</b> is not a column: as in a real bank, it is only seen through chargebacks. About 2% of transactions
 * are fraud, 90% of which get a chargeback; about 0.1% of legitimate transactions get a "friendly" chargeback too,
 * so the label is noisy. Fraud is likelier online, abroad ({@code country != card_country}), for amounts high for the
 * customer, at risk-tier-3 merchants, in electronics, gaming and online services, and at night; about a third of it
 * comes in bursts: three to six transactions of one customer within an hour.
 *
 * <p><b>Broken rows</b>, for the data-quality demo: about 1 transaction in 5000 is broken in exactly one way: a
 * negative amount, a null {@code merchant_id}, or a currency outside EUR, GBP, PLN, USD ({@code XXX}, {@code eur} or
 * {@code EURO}). No other row has any of these faults, so {@link Summary#brokenRows()} is the number of rows with
 * {@code amount < 0 OR merchant_id IS NULL OR currency NOT IN ('EUR', 'GBP', 'PLN', 'USD')}.
 *
 * <p><b>Determinism</b>: every random value is a hash of (row id, seed, field name), so the same options give the same
 * rows on any cluster, core count or partitioning. Nothing is collected to the driver, so the size is bounded by the
 * cluster, not by the driver's memory (10 million transactions take minutes on a laptop).
 */
public final class RetailDemoData {
    private static final Logger LOG = LoggerFactory.getLogger(RetailDemoData.class);

    /** The database the tables are written to. */
    public static final String DATABASE = "raw";

    /** The currencies a valid transaction has. */
    static final List<String> CURRENCIES = List.of("EUR", "GBP", "PLN", "USD");
    /** The SQL predicate that finds the deliberately broken transactions, and only them. */
    static final String BROKEN_PREDICATE = "amount < 0 OR merchant_id IS NULL OR currency NOT IN ("
            + String.join(", ", CURRENCIES.stream().map(c -> "'" + c + "'").toList()) + ")";
    static final double BROKEN_RATE = 1.0 / 5000;
    /** The share of transactions that are fraud bursts (the rest of the fraud is scattered). */
    static final double BURST_SHARE = 0.006;

    static final long MIN_TRANSACTIONS = 1_000;
    static final long MAX_TRANSACTIONS = 2_000_000_000L;
    static final int MAX_DAYS = 3_660;

    // Countries with their share of customers, and the currency of their cards.
    private static final String[] COUNTRIES = {"DE", "FR", "NL", "ES", "IT", "GB", "PL", "US"};
    private static final double[] COUNTRY_WEIGHTS = {0.28, 0.17, 0.10, 0.11, 0.10, 0.12, 0.07, 0.05};
    private static final String[] COUNTRY_CURRENCY = {"EUR", "EUR", "EUR", "EUR", "EUR", "GBP", "PLN", "USD"};
    /** Prices in each country's currency relative to euros, so that amounts look like their currency. */
    private static final double[] COUNTRY_PRICE_SCALE = {1.0, 1.0, 1.0, 1.0, 1.0, 0.86, 4.3, 1.08};

    private static final String[] SEGMENTS = {"mass", "affluent", "business"};
    private static final double[] SEGMENT_WEIGHTS = {0.70, 0.22, 0.08};
    private static final double[] SEGMENT_SCALE = {1.0, 2.0, 3.2};

    private static final String[] CATEGORIES = {"grocery", "fuel", "restaurants", "fashion", "electronics", "travel",
            "gaming", "online_services"};
    private static final double[] CATEGORY_WEIGHTS = {0.24, 0.12, 0.18, 0.12, 0.09, 0.07, 0.07, 0.11};
    private static final double[] CATEGORY_MEDIAN = {32, 55, 28, 65, 160, 280, 22, 14};
    private static final double[] CATEGORY_ONLINE = {0.05, 0.01, 0.08, 0.30, 0.35, 0.50, 0.75, 0.90};
    private static final String[] CATEGORY_NOUN = {"Market", "Fuel", "Kitchen", "Boutique", "Electronics", "Travel",
            "Games", "Digital"};
    /** electronics, gaming and online_services: goods that are easy to resell or to use at once. */
    private static final int[] RISKY_CATEGORIES = {4, 6, 7};
    private static final String[] NAME_PREFIX = {"North", "Blue", "Corner", "City", "Golden", "Urban", "Prime",
            "Green", "Silver", "Star", "Metro", "Sun"};

    /** Transactions per hour of the day (UTC), relative: quiet at night, peaks at lunch and in the evening. */
    private static final double[] HOUR_WEIGHTS = {0.25, 0.15, 0.10, 0.08, 0.08, 0.15, 0.40, 0.80, 1.20, 1.30, 1.40,
            1.60, 1.90, 1.70, 1.40, 1.40, 1.50, 1.80, 2.00, 1.90, 1.60, 1.20, 0.80, 0.45};
    /** Fraud bursts hardly care about the hour. */
    private static final double[] BURST_HOUR_WEIGHTS = {1.0, 1.0, 0.9, 0.9, 0.8, 0.7, 0.6, 0.6, 0.8, 0.9, 1.0, 1.0,
            1.1, 1.1, 1.0, 1.0, 1.0, 1.1, 1.2, 1.2, 1.2, 1.1, 1.0, 1.0};
    /** Transactions per weekday, Monday first. */
    private static final double[] WEEKDAY_WEIGHTS = {0.92, 0.95, 0.98, 1.00, 1.15, 1.12, 0.88};

    private static final String[] FRIENDLY_REASONS = {"fraud_card_not_present", "merchandise_not_received",
            "duplicate_charge", "not_as_described"};
    private static final double[] FRIENDLY_REASON_WEIGHTS = {0.4, 0.3, 0.15, 0.15};
    private static final String[] BAD_CURRENCIES = {"XXX", "eur", "EURO"};

    /** The columns of raw.transactions, in order. */
    static final String[] TRANSACTION_COLUMNS = {"txn_id", "customer_id", "merchant_id", "amount", "currency",
            "channel", "country", "card_country", "ts", "event_date"};

    private static final long MASK_53 = (1L << 53) - 1;
    private static final double TWO_53 = 9007199254740992.0;
    private static final long DAY = 86_400;

    private RetailDemoData() {}

    /**
     * How much data to make, and from which seed.
     *
     * @param transactions the number of transactions, from 1000 to 2 billion
     * @param seed the seed every random value derives from: the same seed gives the same rows
     * @param start the first day of transactions (UTC)
     * @param days how many days the transactions span, from 1 to 3660
     */
    public record Options(long transactions, long seed, LocalDate start, int days) {
        /**
         * @throws IngotException (bad input) when a value is out of range
         */
        public Options {
            if (transactions < MIN_TRANSACTIONS || transactions > MAX_TRANSACTIONS) {
                throw Errors.badArgument("--rows", transactions,
                        "a number of transactions from " + MIN_TRANSACTIONS + " to " + MAX_TRANSACTIONS);
            }
            if (start == null) {
                throw Errors.badArgument("start", "null", "a date such as 2026-01-01");
            }
            if (days < 1 || days > MAX_DAYS) {
                throw Errors.badArgument("days", days, "a number of days from 1 to " + MAX_DAYS);
            }
        }

        /** {@code transactions} transactions over the 182 days from 2026-01-01, with seed 42. */
        public static Options defaults(long transactions) {
            return new Options(transactions, 42, LocalDate.of(2026, 1, 1), 182);
        }

        /** The number of customers: about one per 40 transactions. */
        long customers() {
            return Math.max(20, Math.round(transactions / 40.0));
        }

        /** The number of merchants: about one per 150 transactions, at least 50. */
        long merchants() {
            return Math.max(50, Math.round(transactions / 150.0));
        }

        /** The first instant after the data set's time range. */
        Instant end() {
            return start.plusDays(days).atStartOfDay(ZoneOffset.UTC).toInstant();
        }
    }

    /**
     * What {@link #generate} wrote.
     *
     * @param customers rows of raw.customers
     * @param merchants rows of raw.merchants
     * @param transactions rows of raw.transactions (without the rows a load gate quarantined)
     * @param chargebacks rows of raw.chargebacks
     * @param brokenRows the deliberately broken transactions generated (see {@link RetailDemoData})
     * @param quarantinedRows transactions the load gate moved to quality.transactions__quarantine (0 without a gate)
     * @param firstEvent the earliest transaction time
     * @param lastEvent the latest transaction time
     */
    public record Summary(long customers, long merchants, long transactions, long chargebacks, long brokenRows,
                          long quarantinedRows, Instant firstEvent, Instant lastEvent) {}

    /**
     * Loads raw.transactions through a quality gate (write-audit-publish at ingestion): rows failing row-level
     * checks of a {@code quarantine} suite go to {@code quality.transactions__quarantine}, the rest are published.
     *
     * @param gate the gate
     * @param suites the suites of raw.transactions (the retail project's {@code transactions_raw})
     */
    public record LoadGate(PublishGate gate, List<CheckSuiteDef> suites) {}

    /**
     * Writes raw.customers, raw.merchants, raw.transactions and raw.chargebacks as Delta tables, replacing them, and
     * creates the {@value #DATABASE} database under {@code spark.sql.warehouse.dir} when it is missing.
     *
     * @return counts and the time range of what was written
     * @throws IngotException when a Spark job fails (each table is replaced atomically: a failed write leaves that
     *     table as it was)
     */
    public static Summary generate(SparkSession spark, Options options) {
        return generate(spark, options, Optional.empty());
    }

    /**
     * As {@link #generate(SparkSession, Options)}, loading raw.transactions through a gate when one is given.
     *
     * @throws IngotException with exit code 1 when the gate refuses the load (raw.transactions is then left as it was)
     */
    public static Summary generate(SparkSession spark, Options options, Optional<LoadGate> gate) {
        Objects.requireNonNull(spark, "spark");
        Objects.requireNonNull(options, "options");
        long t0 = System.nanoTime();
        Catalog.ensureDatabase(spark, Catalog.warehouse(spark), DATABASE,
                "Ingot demo: synthetic retail card transactions, customers, merchants and chargebacks");
        int parallelism = spark.sparkContext().defaultParallelism();

        write(customers(spark, options, partitions(parallelism, options.customers())), "customers", null);
        write(merchants(spark, options, partitions(parallelism, options.merchants())), "merchants", null);
        Dataset<Row> truth = transactionsWithTruth(spark, options, partitions(parallelism, options.transactions()));
        // One file per day instead of one per day and task.
        Dataset<Row> transactions = truth.select(Arrays.stream(TRANSACTION_COLUMNS).map(c -> col(c)).toArray(Column[]::new));
        long quarantined = 0;
        if (gate.isPresent()) {
            // Write, audit, publish: the load is staged as a Delta table, the suites run over it, and only then are
            // its clean rows published (a refused load stays in the staging table for inspection).
            TableName target = new TableName(DATABASE, "transactions");
            TableName staging = Tables.staging(target);
            write(transactions.repartition(col("event_date")), staging.table(), "event_date");
            try (PublishGate.Admission a = gate.get().gate().admit(spark.table(staging.sql()), gate.get().suites(), target)) {
                write(a.rows().repartition(col("event_date")), "transactions", "event_date");
                quarantined = a.quarantinedRows();
            }
            spark.sql("DROP TABLE IF EXISTS " + staging.sql());
        } else {
            write(transactions.repartition(col("event_date")), "transactions", "event_date");
        }
        write(chargebacks(truth), "chargebacks", null);

        Row r = spark.table(DATABASE + ".transactions").agg(
                expr("count(*)"),
                expr("count_if(" + BROKEN_PREDICATE + ")"),
                expr("unix_micros(min(ts))"),
                expr("unix_micros(max(ts))")).first();
        long chargebacks = spark.table(DATABASE + ".chargebacks").count();
        Summary s = new Summary(options.customers(), options.merchants(), r.getLong(0), chargebacks,
                r.getLong(1) + quarantined, quarantined, micros(r.getLong(2)), micros(r.getLong(3)));
        LOG.info("Demo data written to {}.* in {} s: {}", DATABASE, (System.nanoTime() - t0) / 1_000_000_000, s);
        return s;
    }

    private static void write(Dataset<Row> rows, String table, String partitionColumn) {
        String name = DATABASE + "." + table;
        try {
            var w = rows.write().format("delta").mode("overwrite").option("overwriteSchema", "true");
            if (partitionColumn != null) {
                w = w.partitionBy(partitionColumn);
            }
            w.saveAsTable(name);
        } catch (IngotException e) {
            throw e;
        } catch (RuntimeException e) {
            throw Errors.jobFailed("write the demo table " + name, e);
        }
    }

    private static int partitions(int parallelism, long rows) {
        return (int) Math.max(parallelism, (rows + 999_999) / 1_000_000);
    }

    private static Instant micros(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1000L);
    }

    // ---- the tables, as datasets (package-private for tests) ----

    /** raw.customers. */
    static Dataset<Row> customers(SparkSession spark, Options o, int partitions) {
        Gen g = new Gen(o);
        Column id = col("id");
        return spark.range(1, o.customers() + 1, 1, partitions).select(
                id.as("customer_id"),
                timestamp_seconds(lit(g.startEpoch - DAY).minus(floor(g.u("signup", id).multiply(4 * 365 * DAY))))
                        .as("signup_ts"),
                name(COUNTRIES, g.homeCountry(id)).as("home_country"),
                name(SEGMENTS, g.segment(id)).as("segment"),
                lit(1946).plus(floor(g.u("birth", id).multiply(60))).cast(DataTypes.IntegerType).as("birth_year"));
    }

    /** raw.merchants. */
    static Dataset<Row> merchants(SparkSession spark, Options o, int partitions) {
        Gen g = new Gen(o);
        Column id = col("merchant_id");
        return g.withMerchant(spark.range(1, o.merchants() + 1, 1, partitions).withColumnRenamed("id", "merchant_id"))
                .select(
                        id,
                        concat_ws(" ", name(NAME_PREFIX, g.index("mname", id, NAME_PREFIX.length)),
                                name(CATEGORY_NOUN, col("category")), id.cast(DataTypes.StringType)).as("name"),
                        name(CATEGORIES, col("category")).as("category"),
                        name(COUNTRIES, g.pick(g.u("mcountry", id), COUNTRY_WEIGHTS)).as("country"),
                        col("risk_tier"),
                        timestamp_seconds(lit(g.startEpoch - 30 * DAY)
                                .minus(floor(g.u("onboard", id).multiply(5 * 365 * DAY)))).as("onboarded_ts"));
    }

    /**
     * raw.transactions with the truth that the table does not show: {@code is_fraud}, {@code burst}, {@code broken},
     * and the chargeback columns {@code has_chargeback}, {@code chargeback_ts}, {@code reason}.
     */
    static Dataset<Row> transactionsWithTruth(SparkSession spark, Options o, int partitions) {
        Gen g = new Gen(o);
        long bursts = Math.round(o.transactions() * BURST_SHARE);
        long scattered = o.transactions() - bursts;
        int burstPartitions = Math.max(1, partitions / 4);
        Dataset<Row> rows = g.scattered(spark.range(0, scattered, 1, partitions), partitions)
                .unionByName(g.bursts(spark.range(scattered, o.transactions(), 1, burstPartitions), scattered, burstPartitions));
        return g.finish(barrier(rows, partitions + burstPartitions));
    }

    /** raw.chargebacks, from {@link #transactionsWithTruth}. */
    static Dataset<Row> chargebacks(Dataset<Row> truth) {
        return truth.where(col("has_chargeback")).select("txn_id", "customer_id", "chargeback_ts", "reason");
    }

    /**
     * Ends a whole-stage-codegen stage without moving data. One stage for the whole generator compiles to a method
     * too large for the JIT (over 8000 bytes of bytecode), which then runs interpreted, five times slower.
     */
    private static Dataset<Row> barrier(Dataset<Row> rows, int partitions) {
        return rows.coalesce(partitions);
    }

    /** {@code names[index]} for a 0-based index column. */
    private static Column name(String[] names, Column index) {
        return element_at(array(Arrays.stream(names).map(v -> lit(v)).toArray(Column[]::new)),
                index.cast(DataTypes.IntegerType).plus(1));
    }

    /** {@code values[index]} for a 0-based index column. */
    private static Column number(double[] values, Column index) {
        return element_at(array(Arrays.stream(values).mapToObj(v -> lit(v)).toArray(Column[]::new)),
                index.cast(DataTypes.IntegerType).plus(1));
    }

    /**
     * Column builders for one set of options; every random value is a function of (key, seed, field).
     *
     * <p>Attributes of customers and merchants are functions of their ids, so transactions know a customer's home
     * country or a merchant's category without a join. Intermediate values are columns of their own, computed once:
     * Spark does not merge projections that would repeat an expensive expression.
     */
    private static final class Gen {
        private final Options o;
        private final long startEpoch;
        private final long seconds;

        Gen(Options o) {
            this.o = o;
            this.startEpoch = o.start().atStartOfDay(ZoneOffset.UTC).toEpochSecond();
            this.seconds = o.days() * DAY;
        }

        /** A uniform value in [0, 1) for {@code key}, independent across fields and seeds. */
        Column u(String field, Column key) {
            return xxhash64(key, lit(o.seed()), lit(field)).bitwiseAND(lit(MASK_53)).cast(DataTypes.DoubleType)
                    .divide(lit(TWO_53));
        }

        /** A uniform whole number in [0, n). */
        Column index(String field, Column key, long n) {
            return floor(u(field, key).multiply(n));
        }

        /** A standard normal value for {@code key} (Box-Muller). */
        Column normal(String field, Column key) {
            Column radius = sqrt(log(lit(1.0).minus(u(field + ".r", key))).multiply(-2.0));
            return radius.multiply(cos(u(field + ".a", key).multiply(2 * Math.PI)));
        }

        /** The index (0-based int) that a uniform {@code u} falls on, for relative weights. */
        Column pick(Column u, double[] weights) {
            double total = Arrays.stream(weights).sum();
            double cumulative = 0;
            Column c = null;
            for (int i = 0; i < weights.length - 1; i++) {
                cumulative += weights[i] / total;
                c = c == null ? when(u.lt(cumulative), i) : c.when(u.lt(cumulative), i);
            }
            return c == null ? lit(0) : c.otherwise(weights.length - 1);
        }

        Column homeCountry(Column customerId) {
            return pick(u("country", customerId), COUNTRY_WEIGHTS);
        }

        Column segment(Column customerId) {
            return pick(u("segment", customerId), SEGMENT_WEIGHTS);
        }

        /** Adds the merchant's {@code category} (index) and {@code risk_tier} to rows with a merchant_id. */
        Dataset<Row> withMerchant(Dataset<Row> rows) {
            Column merchantId = col("merchant_id");
            Column tierU = u("tier", merchantId);
            // Risky categories have more tier-3 merchants.
            return rows.withColumn("category", pick(u("category", merchantId), CATEGORY_WEIGHTS))
                    .withColumn("risk_tier", when(risky(col("category")),
                                    when(tierU.lt(0.30), 1).when(tierU.lt(0.65), 2).otherwise(3))
                            .otherwise(when(tierU.lt(0.65), 1).when(tierU.lt(0.92), 2).otherwise(3)));
        }

        /** Adds the customer's {@code home} (country index), {@code segment} (index) and spending {@code scale}. */
        Dataset<Row> withCustomer(Dataset<Row> rows) {
            Column customerId = col("customer_id");
            // A customer's own habit on top of the segment's: log-normal with median 1.
            return rows.withColumn("home", homeCountry(customerId))
                    .withColumn("segment", segment(customerId))
                    .withColumn("scale", number(SEGMENT_SCALE, col("segment"))
                            .multiply(number(COUNTRY_PRICE_SCALE, col("home")))
                            .multiply(exp(normal("cscale", customerId).multiply(0.35))));
        }

        static Column risky(Column category) {
            return category.isin(Arrays.stream(RISKY_CATEGORIES).boxed().toArray());
        }

        /** A second of the data set's range (from start), busier by day and late in the week. */
        Column secondOfRange(String prefix, Column key, double[] hourWeights) {
            int startWeekday = o.start().getDayOfWeek().getValue() - 1;
            double[] byOffset = new double[7];
            for (int k = 0; k < 7; k++) {
                byOffset[k] = WEEKDAY_WEIGHTS[(startWeekday + k) % 7];
            }
            long weeks = (o.days() + 6) / 7;
            Column day = index(prefix + "week", key, weeks).multiply(7).plus(pick(u(prefix + "weekday", key), byOffset));
            // A weekday beyond the last (partial) week: take a uniform day instead.
            day = when(day.geq(o.days()), index(prefix + "day", key, o.days())).otherwise(day);
            Column hour = pick(u(prefix + "hour", key), hourWeights);
            return day.multiply(DAY).plus(hour.multiply(3600)).plus(index(prefix + "second", key, 3600));
        }

        /** Everyday transactions, fraud among them with odds that rise with the risk factors. */
        Dataset<Row> scattered(Dataset<Long> ids, int partitions) {
            Column id = col("id");
            Column merchant = lit(1).plus(floor(pow(u("merchant", id), 1.4).multiply(o.merchants())));
            Column customer = lit(1).plus(floor(pow(u("customer", id), 1.2).multiply(o.customers())));
            Dataset<Row> rows = ids.select(
                    id,
                    customer.cast(DataTypes.LongType).as("customer_id"),
                    merchant.cast(DataTypes.LongType).as("merchant_id"),
                    secondOfRange("", id, HOUR_WEIGHTS).as("second"),
                    normal("amount", id).as("z"),
                    lit(false).as("burst"));
            return barrier(withCustomer(withMerchant(barrier(rows, partitions))), partitions)
                    .withColumn("channel", when(u("online", id).lt(number(CATEGORY_ONLINE, col("category"))), "online")
                            .when(u("contactless", id).lt(0.45), "contactless").otherwise("card_present"))
                    .withColumn("foreign", u("foreign", id).lt(lit(0.03)
                            .plus(when(col("category").equalTo(5), 0.22).otherwise(0.0))
                            .plus(when(col("segment").equalTo(2), 0.05).otherwise(0.0))))
                    .withColumn("is_fraud", u("fraud", id).lt(fraudProbability()));
        }

        /**
         * The logistic model of scattered fraud: a base rate of about 0.15%, with odds multiplied about 5x online,
         * 7x abroad, 3.5x at tier 3 merchants, 2.5x in risky categories, 2x at night, and growing with the amount.
         */
        private Column fraudProbability() {
            Column logit = lit(-6.6)
                    .plus(when(col("channel").equalTo("online"), 1.7).otherwise(0.0))
                    .plus(when(col("foreign"), 2.0).otherwise(0.0))
                    .plus(when(col("risk_tier").equalTo(3), 1.3).when(col("risk_tier").equalTo(2), 0.4).otherwise(0.0))
                    .plus(when(risky(col("category")), 0.9).otherwise(0.0))
                    .plus(greatest(col("z").minus(0.5), lit(0.0)))
                    .plus(when(col("second").mod(DAY).lt(5 * 3600), 0.7).otherwise(0.0));
            return lit(1.0).divide(lit(1.0).plus(exp(logit.multiply(-1))));
        }

        /**
         * Fraud bursts: rows {@code first ..} grouped into episodes of 3, 4, 5 and 6 rows in turn, each episode one
         * customer's card used several times within 55 minutes, mostly online and often abroad, for high amounts.
         */
        Dataset<Row> bursts(Dataset<Long> ids, long first, int partitions) {
            Column id = col("id");
            Column r = id.minus(first);
            Column within = r.mod(18);
            Column episode = floor(r.divide(18)).multiply(4)
                    .plus(when(within.lt(3), 0).when(within.lt(7), 1).when(within.lt(12), 2).otherwise(3));
            Column e = col("episode");
            Column merchant = lit(1).plus(floor(pow(u("bmerchant", id), 1.4).multiply(o.merchants())));
            // Keep the whole burst inside the range.
            Column begin = least(secondOfRange("burst.", e, BURST_HOUR_WEIGHTS), lit(seconds - 3600));
            Dataset<Row> rows = ids.withColumn("episode", episode).select(
                    id,
                    lit(1).plus(index("bcustomer", e, o.customers())).cast(DataTypes.LongType).as("customer_id"),
                    merchant.cast(DataTypes.LongType).as("merchant_id"),
                    begin.plus(index("boffset", id, 3300)).as("second"),
                    normal("bamount", id).multiply(0.7).plus(1.2).as("z"),
                    lit(true).as("burst"),
                    when(u("bonline", id).lt(0.75), "online").otherwise("contactless").as("channel"),
                    u("bforeign", e).lt(0.45).as("foreign"),
                    lit(true).as("is_fraud"));
            return withCustomer(withMerchant(barrier(rows, partitions)));
        }

        /** Amount, countries, times, broken rows and chargebacks, common to both kinds of row. */
        Dataset<Row> finish(Dataset<Row> rows) {
            Column id = col("id");
            Column home = col("home");
            Column otherCountry = home.plus(lit(1)).plus(index("where", id, COUNTRIES.length - 1)).mod(COUNTRIES.length);
            Column brokenKind = index("brokenkind", id, 3);
            Column broken = col("broken");
            Column amount = col("amount");
            Column delay = lit(3.0).plus(pow(u("delay", id), 1.5).multiply(42)).multiply(DAY);
            return rows
                    .withColumn("amount", round(greatest(lit(0.5), number(CATEGORY_MEDIAN, col("category"))
                            .multiply(col("scale")).multiply(exp(col("z").multiply(0.8)))), 2))
                    .withColumn("broken", u("broken", id).lt(BROKEN_RATE))
                    .select(
                            id.plus(1).as("txn_id"),
                            col("customer_id"),
                            when(broken.and(brokenKind.equalTo(1)), lit(null)).otherwise(col("merchant_id"))
                                    .as("merchant_id"),
                            when(broken.and(brokenKind.equalTo(0)), amount.multiply(-1)).otherwise(amount).as("amount"),
                            when(broken.and(brokenKind.equalTo(2)), name(BAD_CURRENCIES,
                                    index("badcurrency", id, BAD_CURRENCIES.length)))
                                    .otherwise(name(COUNTRY_CURRENCY, home)).as("currency"),
                            col("channel"),
                            name(COUNTRIES, when(col("foreign"), otherCountry).otherwise(home)).as("country"),
                            name(COUNTRIES, home).as("card_country"),
                            timestamp_seconds(lit(startEpoch).plus(col("second"))).as("ts"),
                            date_add(to_date(lit(o.start().toString())),
                                    floor(col("second").divide(DAY)).cast(DataTypes.IntegerType)).as("event_date"),
                            col("is_fraud"),
                            col("burst"),
                            broken,
                            when(col("is_fraud"), u("chargeback", id).lt(0.9))
                                    .otherwise(u("chargeback", id).lt(0.001)).as("has_chargeback"),
                            timestamp_seconds(lit(startEpoch).plus(col("second")).plus(floor(delay))).as("chargeback_ts"),
                            when(col("is_fraud"), when(col("burst"), "account_takeover")
                                    .when(col("channel").equalTo("online"), "fraud_card_not_present")
                                    .otherwise("fraud_card_present"))
                                    .otherwise(name(FRIENDLY_REASONS, pick(u("reason", id), FRIENDLY_REASON_WEIGHTS)))
                                    .as("reason"));
        }
    }

    /**
     * The fraud model's label spine: one row per transaction (without the deliberately broken ones) with the entity
     * keys, its time, the customer's {@code segment} and {@code home_country} (groups for the model's fairness check,
     * not features) and {@code is_fraud} = 1 when a chargeback for it arrived. Written as a Delta table, replacing it.
     */
    public static long writeSpine(SparkSession spark, TableName spine) {
        return overwrite(spark, spine, "The demo fraud model's label spine: one row per published transaction of raw"
                + ".transactions, with is_fraud from raw.chargebacks. Replaced by each demo run.", """
                SELECT %s,
                       CASE WHEN c.txn_id IS NULL THEN 0 ELSE 1 END AS is_fraud
                FROM raw.transactions t
                LEFT JOIN raw.customers cu ON cu.customer_id = t.customer_id
                LEFT JOIN (SELECT DISTINCT txn_id FROM raw.chargebacks) c ON c.txn_id = t.txn_id
                WHERE %s""".formatted(SPINE_COLUMNS, PUBLISHED));
    }

    /**
     * The spine of a day to score: the transactions of that UTC day with the columns of {@link #writeSpine}'s rows but
     * no label (whether a chargeback comes is not known when a transaction is scored). Written as a Delta table,
     * replacing it.
     */
    public static long writeScoringSpine(SparkSession spark, TableName spine, LocalDate day) {
        return overwrite(spark, spine, "The demo's transactions of one day to score (no label). Replaced by each demo "
                + "run.", """
                SELECT %s
                FROM raw.transactions t
                LEFT JOIN raw.customers cu ON cu.customer_id = t.customer_id
                WHERE t.event_date = DATE'%s' AND %s""".formatted(SPINE_COLUMNS, day, PUBLISHED));
    }

    /** A spine's columns: keys, event time and what the model's fairness check groups by. */
    private static final String SPINE_COLUMNS = """
            t.txn_id, t.customer_id, t.merchant_id, t.ts, t.amount, t.channel,
                   CASE WHEN t.country <> t.card_country THEN 1 ELSE 0 END AS is_foreign,
                   cu.segment, cu.home_country""";

    /** The transactions a spine takes: those the load's quality gate published (the broken ones never reach it). */
    private static final String PUBLISHED = "t.amount >= 0 AND t.merchant_id IS NOT NULL AND t.currency IN ('EUR', "
            + "'GBP', 'PLN', 'USD')";

    private static long overwrite(SparkSession spark, TableName spine, String comment, String query) {
        Catalog.createDeltaTable(spark.sql(query), spine, TableDoc.of(comment).withColumns(SPINE_COLUMN_COMMENTS),
                Map.of(), List.of(), true);
        return spark.table(spine.sql()).count();
    }

    private static final Map<String, String> SPINE_COLUMN_COMMENTS = Map.of(
            "txn_id", "The transaction (raw.transactions)",
            "customer_id", "The customer who paid (entity key)",
            "merchant_id", "The merchant paid (entity key)",
            "ts", "When the transaction happened: features are joined as of this time",
            "amount", "The amount paid",
            "channel", "How it was paid: card_present, contactless or online",
            "is_foreign", "1 when the country of the transaction is not the card's",
            "segment", "The customer's segment: a group for the model's fairness check, not a feature",
            "home_country", "The customer's home country: a group for the fairness check, not a feature",
            "is_fraud", "The label: 1 when a chargeback for the transaction arrived");
}
