package dev.ingot.jobs.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.core.TestSpark;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RetailDemoDataTest {
    private static final LocalDate START = LocalDate.of(2026, 1, 1);
    private static final int DAYS = 30;
    private static final RetailDemoData.Options OPTIONS = new RetailDemoData.Options(20_000, 42, START, DAYS);
    private static final String TXN_COLUMNS = String.join(", ", RetailDemoData.TRANSACTION_COLUMNS);
    private static final String CB_COLUMNS = "txn_id, customer_id, chargeback_ts, reason";

    private static SparkSession spark;
    private static RetailDemoData.Summary summary;
    /** What the written tables do not show, computed once from the generator. */
    private static Row truth;

    @BeforeAll
    static void generate() {
        spark = TestSpark.session();
        summary = RetailDemoData.generate(spark, OPTIONS);
        truth = RetailDemoData.transactionsWithTruth(spark, OPTIONS, 3).selectExpr(
                "count(*) AS transactions",
                "sum(CAST(xxhash64(" + TXN_COLUMNS + ") AS decimal(38, 0))) AS transactions_hash",
                "count_if(has_chargeback) AS chargebacks",
                "sum(CAST(if(has_chargeback, xxhash64(" + CB_COLUMNS + "), 0) AS decimal(38, 0))) AS chargebacks_hash",
                "avg(CAST(is_fraud AS double)) AS fraud_rate",
                "count_if(is_fraud AND has_chargeback) / count_if(is_fraud) AS fraud_charged_back",
                "count_if(NOT is_fraud AND has_chargeback) / count_if(NOT is_fraud) AS friendly_rate",
                "count_if(burst) / count_if(is_fraud) AS burst_share",
                "count_if(broken) AS broken").first();
    }

    private static Row checksum(Dataset<Row> rows, String columns) {
        return rows.selectExpr("count(*)", "sum(CAST(xxhash64(" + columns + ") AS decimal(38, 0)))").first();
    }

    private static Row table(String table, String columns) {
        return checksum(spark.table("raw." + table), columns);
    }

    private static Row q(String sql) {
        return spark.sql(sql).first();
    }

    @Test
    void sameSeedGivesTheSameRowsWhateverThePartitioning() {
        // The tables were written from 2 cores' worth of partitions; the truth was computed on 3.
        Row transactions = table("transactions", TXN_COLUMNS);
        assertThat(List.of(truth.getAs("transactions"), truth.getAs("transactions_hash")))
                .as("transactions generated again, on other partitions")
                .isEqualTo(List.of(transactions.get(0), transactions.get(1)));
        Row chargebacks = table("chargebacks", CB_COLUMNS);
        assertThat(List.of(truth.getAs("chargebacks"), truth.getAs("chargebacks_hash")))
                .as("chargebacks generated again, on other partitions")
                .isEqualTo(List.of(chargebacks.get(0), chargebacks.get(1)));
        assertThat(checksum(RetailDemoData.customers(spark, OPTIONS, 1), "*")).as("customers on 1 partition")
                .isEqualTo(table("customers", "*"));
        assertThat(checksum(RetailDemoData.merchants(spark, OPTIONS, 5), "*")).as("merchants on 5 partitions")
                .isEqualTo(table("merchants", "*"));
    }

    @Test
    void anotherSeedGivesOtherRows() {
        RetailDemoData.Options other = new RetailDemoData.Options(20_000, 43, START, DAYS);
        Row b = checksum(RetailDemoData.transactionsWithTruth(spark, other, 2), TXN_COLUMNS);
        assertThat(b.getLong(0)).as("same size").isEqualTo(truth.<Long>getAs("transactions"));
        assertThat(b.get(1)).as("other transactions").isNotEqualTo(truth.getAs("transactions_hash"));
        assertThat(checksum(RetailDemoData.customers(spark, other, 2), "*").get(1)).as("other customers")
                .isNotEqualTo(table("customers", "*").get(1));
    }

    @Test
    void summaryCountsWhatWasWritten() {
        assertThat(summary.transactions()).isEqualTo(20_000).isEqualTo(spark.table("raw.transactions").count());
        assertThat(summary.customers()).as("about one per 40 transactions").isEqualTo(500)
                .isEqualTo(spark.table("raw.customers").count());
        assertThat(summary.merchants()).as("about one per 150 transactions").isEqualTo(133)
                .isEqualTo(spark.table("raw.merchants").count());
        assertThat(summary.chargebacks()).isEqualTo(truth.<Long>getAs("chargebacks"));
        Row r = q("SELECT min(ts), max(ts) FROM raw.transactions");
        assertThat(summary.firstEvent()).isEqualTo(r.getTimestamp(0).toInstant());
        assertThat(summary.lastEvent()).isEqualTo(r.getTimestamp(1).toInstant());
    }

    @Test
    void brokenRowsAreFewAndCountedExactly() {
        Row r = q("SELECT count_if(amount < 0 OR merchant_id IS NULL OR currency NOT IN ('EUR', 'GBP', 'PLN', 'USD')), "
                + "count_if(amount < 0), count_if(merchant_id IS NULL), "
                + "count_if(currency NOT IN ('EUR', 'GBP', 'PLN', 'USD')), "
                + "min(abs(amount)), count_if(abs(abs(amount) * 100 - round(abs(amount) * 100)) > 1e-6) "
                + "FROM raw.transactions");
        long found = r.getLong(0);
        assertThat(summary.brokenRows()).as("rows a quality check must catch").isEqualTo(found).isBetween(1L, 12L);
        assertThat(found).as("exactly the rows broken on purpose, nothing else").isEqualTo(truth.<Long>getAs("broken"));
        assertThat(r.getLong(1) + r.getLong(2) + r.getLong(3)).as("each broken in one way only").isEqualTo(found);
        assertThat(r.getDouble(4)).as("no amount below 0.50").isGreaterThanOrEqualTo(0.5);
        assertThat(r.getLong(5)).as("amounts in cents").isZero();
    }

    @Test
    void everyReferenceResolves() {
        Row r = q("SELECT "
                + "(SELECT count(*) FROM raw.transactions LEFT ANTI JOIN raw.customers USING (customer_id)), "
                + "(SELECT count(*) FROM raw.transactions t LEFT ANTI JOIN raw.merchants m USING (merchant_id) "
                + "   WHERE t.merchant_id IS NOT NULL), "
                + "(SELECT count_if(t.card_country != c.home_country OR c.signup_ts >= t.ts) FROM raw.transactions t "
                + "   JOIN raw.customers c USING (customer_id)), "
                + "(SELECT count(*) FROM raw.chargebacks b LEFT ANTI JOIN raw.transactions t "
                + "   ON b.txn_id = t.txn_id AND b.customer_id = t.customer_id), "
                + "(SELECT count(*) - count(DISTINCT txn_id) FROM raw.transactions), "
                + "(SELECT count(*) - count(DISTINCT txn_id) FROM raw.chargebacks)");
        assertThat(r.getLong(0)).as("transactions of unknown customers").isZero();
        assertThat(r.getLong(1)).as("transactions at unknown merchants (null merchants are the broken rows)").isZero();
        assertThat(r.getLong(2)).as("a card's country is its holder's, who signed up before paying").isZero();
        assertThat(r.getLong(3)).as("chargebacks of unknown transactions, or of another customer's").isZero();
        assertThat(r.getLong(4)).as("txn_id is a key").isZero();
        assertThat(r.getLong(5)).as("one chargeback per transaction at most").isZero();
    }

    @Test
    void timesStayInTheirRanges() {
        Instant start = START.atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant end = START.plusDays(DAYS).atStartOfDay(ZoneOffset.UTC).toInstant();
        assertThat(summary.firstEvent()).isAfterOrEqualTo(start).isBefore(start.plusSeconds(86_400));
        assertThat(summary.lastEvent()).isBefore(end).isAfter(end.minusSeconds(86_400));
        Row r = q("SELECT count_if(event_date != to_date(ts)), count(DISTINCT event_date), "
                + "count_if(hour(ts) BETWEEN 1 AND 4), count_if(hour(ts) BETWEEN 17 AND 20), "
                + "count_if(dayofweek(ts) = 6), count_if(dayofweek(ts) = 2), count_if(country = card_country) / count(*) "
                + "FROM raw.transactions");
        assertThat(r.getLong(0)).as("event_date is the UTC date of ts (the session is in UTC)").isZero();
        assertThat(r.getLong(1)).isEqualTo(DAYS);
        assertThat(r.getLong(3)).as("busier by day than by night").isGreaterThan(5 * r.getLong(2));
        // January 2026 has 5 Fridays and 4 Mondays in its first 30 days: compare per day.
        assertThat(r.getLong(4) / 5.0).as("busier on Fridays than on Mondays").isGreaterThan(1.1 * r.getLong(5) / 4.0);
        assertThat(r.getDouble(6)).as("mostly at home").isGreaterThan(0.9);
        Row delay = q("SELECT min(unix_seconds(b.chargeback_ts) - unix_seconds(t.ts)), "
                + "max(unix_seconds(b.chargeback_ts) - unix_seconds(t.ts)) "
                + "FROM raw.chargebacks b JOIN raw.transactions t USING (txn_id)");
        assertThat(delay.getLong(0)).as("chargebacks come 3 days or more after the transaction")
                .isGreaterThanOrEqualTo(3 * 86_400L);
        assertThat(delay.getLong(1)).as("and at most 45 days after").isLessThanOrEqualTo(45 * 86_400L);
    }

    @Test
    void fraudIsRareAndMostlyChargedBack() {
        assertThat(truth.<Double>getAs("fraud_rate")).as("fraud rate").isBetween(0.01, 0.03);
        assertThat(truth.<Double>getAs("fraud_charged_back")).as("share of fraud charged back").isBetween(0.85, 0.95);
        assertThat(truth.<Double>getAs("friendly_rate")).as("friendly chargebacks among legitimate transactions")
                .isBetween(0.0001, 0.003);
        assertThat(truth.<Double>getAs("burst_share")).as("share of fraud in bursts").isBetween(0.15, 0.5);
    }

    @Test
    void chargebacksCarryALearnableSignal() {
        spark.sql("SELECT t.*, c.home_country, m.risk_tier, m.category, b.txn_id IS NOT NULL AS label, "
                + "count(*) OVER (PARTITION BY t.customer_id ORDER BY unix_seconds(t.ts) "
                + "RANGE BETWEEN 3600 PRECEDING AND 3600 FOLLOWING) AS hour_count, "
                + "avg(t.amount) OVER (PARTITION BY t.customer_id) AS avg_amount "
                + "FROM raw.transactions t JOIN raw.customers c USING (customer_id) "
                + "LEFT JOIN raw.merchants m USING (merchant_id) LEFT JOIN raw.chargebacks b USING (txn_id)")
                .createOrReplaceTempView("labelled");
        Row r = q("SELECT avg(CAST(label AS double)), "
                + "avg(CAST(label AS double)) FILTER (WHERE channel = 'online' AND country != home_country AND risk_tier = 3), "
                + "count_if(channel = 'online' AND country != home_country AND risk_tier = 3), "
                + "avg(CAST(label AS double)) FILTER (WHERE channel = 'online'), "
                + "avg(CAST(label AS double)) FILTER (WHERE channel != 'online'), "
                + "avg(CAST(label AS double)) FILTER (WHERE country != home_country), "
                + "avg(CAST(label AS double)) FILTER (WHERE country = home_country), "
                + "avg(CAST(label AS double)) FILTER (WHERE risk_tier = 3), "
                + "avg(CAST(label AS double)) FILTER (WHERE risk_tier = 1), "
                + "avg(CAST(label AS double)) FILTER (WHERE category IN ('electronics', 'gaming', 'online_services')), "
                + "avg(CAST(label AS double)) FILTER (WHERE category IN ('grocery', 'fuel', 'restaurants')), "
                + "avg(CAST(label AS double)) FILTER (WHERE hour_count >= 3), "
                + "avg(CAST(label AS double)) FILTER (WHERE amount > 3 * avg_amount), "
                + "avg(CAST(label AS double)) FILTER (WHERE amount <= avg_amount) "
                + "FROM labelled");
        double base = r.getDouble(0);
        assertThat(r.getLong(2)).as("enough high-risk rows to measure").isGreaterThanOrEqualTo(30);
        assertThat(r.getDouble(1)).as("online, abroad, at a tier-3 merchant vs the base rate %.4f", base)
                .isGreaterThanOrEqualTo(3 * base);
        assertThat(r.getDouble(3)).as("online vs not").isGreaterThan(2 * r.getDouble(4));
        assertThat(r.getDouble(5)).as("abroad vs at home").isGreaterThan(2 * r.getDouble(6));
        assertThat(r.getDouble(7)).as("risk tier 3 vs 1").isGreaterThan(2 * r.getDouble(8));
        assertThat(r.getDouble(9)).as("risky categories vs everyday ones").isGreaterThan(2 * r.getDouble(10));
        assertThat(r.getDouble(11)).as("3+ transactions of a customer within an hour vs the base rate")
                .isGreaterThan(3 * base);
        assertThat(r.getDouble(12)).as("amounts over 3x the customer's average vs at most the average")
                .isGreaterThan(2 * r.getDouble(13));
    }

    @Test
    void valuesComeFromTheirDomains() {
        assertThat(q("SELECT count_if(segment NOT IN ('mass', 'affluent', 'business')), min(birth_year), max(birth_year) "
                + "FROM raw.customers").mkString(",")).isEqualTo("0,1946,2005");
        assertThat(q("SELECT min(risk_tier), max(risk_tier), count(DISTINCT category) FROM raw.merchants")
                .mkString(",")).isEqualTo("1,3,8");
        assertThat(q("SELECT array_join(array_sort(collect_set(channel)), ','), "
                + "array_join(array_sort(collect_set(currency)), ',') FROM raw.transactions WHERE merchant_id IS NOT NULL "
                + "AND amount >= 0 AND currency IN ('EUR', 'GBP', 'PLN', 'USD')").mkString(";"))
                .isEqualTo("card_present,contactless,online;EUR,GBP,PLN,USD");
    }

    @Test
    void optionsAreChecked() {
        assertThatThrownBy(() -> RetailDemoData.Options.defaults(10)).isInstanceOf(IngotException.class)
                .hasMessageContaining("--rows")
                .satisfies(e -> assertThat(((IngotException) e).exitCode()).isEqualTo(ExitCode.BAD_INPUT));
        assertThatThrownBy(() -> new RetailDemoData.Options(20_000, 1, START, 0)).isInstanceOf(IngotException.class)
                .hasMessageContaining("days");
        assertThat(RetailDemoData.Options.defaults(1_000_000))
                .isEqualTo(new RetailDemoData.Options(1_000_000, 42, LocalDate.of(2026, 1, 1), 182));
    }
}
