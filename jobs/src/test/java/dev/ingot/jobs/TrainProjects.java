package dev.ingot.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.core.TestFiles;
import dev.ingot.core.TestSpark;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Small projects for the end-to-end tests of {@code train}, and MLflow's REST API read with a plain HTTP client (not
 * Ingot's), as a person or MLflow's UI reads it.
 */
final class TrainProjects {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private TrainProjects() {}

    /**
     * {@code rows} orders 5 hours apart from 2026-01-01 in the Delta table {@code table} (its database created), with a
     * label that follows {@code spend_1d} with noise, so both classes are in every window.
     */
    static void orders(String table, int rows) {
        TestSpark.session().sql("CREATE DATABASE IF NOT EXISTS " + table.substring(0, table.indexOf('.')));
        TestSpark.session().sql("SELECT id AS order_id, CAST(id % 13 AS BIGINT) AS customer_id, "
                        + "timestamp_seconds(1767225600 + id * 18000) AS ts, "
                        + "CASE WHEN id % 10 = 3 THEN NULL ELSE CAST(pmod(hash(id, 1), 100) AS DOUBLE) END AS spend_1d "
                        + "FROM range(" + rows + ")")
                .selectExpr("*", "CAST(coalesce(spend_1d, 50) + pmod(hash(order_id, 3), 40) > 70 AS INT) AS label")
                .write().format("delta").mode("overwrite").saveAsTable(table);
    }

    /**
     * {@code rows} orders 5 hours apart from 2026-01-01 in the Delta table {@code table} (its database existing), over
     * 17 customers, with {@code spend_1d} (null in a tenth of the rows), {@code visits_7d} and a label that follows
     * {@code spend_1d} with noise: deterministic pseudo-random values from {@code hash()}, both classes everywhere.
     */
    static void ordersWithVisits(String table, int rows) {
        TestSpark.session().sql("SELECT id AS order_id, CAST(id % 17 AS BIGINT) AS customer_id, "
                        + "timestamp_seconds(1767225600 + id * 18000) AS ts, "
                        + "CASE WHEN id % 10 = 3 THEN NULL ELSE CAST(pmod(hash(id, 1), 100) AS DOUBLE) END AS spend_1d, "
                        + "CAST(pmod(hash(id, 2), 9) AS BIGINT) AS visits_7d FROM range(" + rows + ")")
                .selectExpr("*", "CAST(coalesce(spend_1d, 50) + pmod(hash(order_id, 3), 40) > 70 AS INT) AS label")
                .write().format("delta").mode("overwrite").saveAsTable(table);
    }

    /**
     * A project named {@code model} in {@code dir/model} on the tests' shared warehouse: {@code ingot.yaml} (plus
     * {@code ingotYaml}), a source over {@code table}, the feature view {@code <model>_spend} (the sum of
     * {@code spend_1d} over a day per customer) and {@code models/<model>.yaml}: that table as spine, its label, the
     * view, and the {@code spec} lines (algorithm, windows, gate).
     */
    static Path write(Path dir, String model, String table, String ingotYaml, String spec) throws IOException {
        Path p = dir.resolve(model);
        TestFiles.write(p, "ingot.yaml", "name: " + model + "\nwarehouse: " + TestSpark.warehouse() + "\n" + ingotYaml);
        TestFiles.write(p, "sources/orders.yaml", "table: " + table + "\nevent_time: ts\n");
        TestFiles.write(p, "feature_views/" + model + "_spend.yaml", """
                source: orders
                entities: [customer_id]
                aggregations:
                  - {name: spend, function: sum, column: spend_1d, windows: [1d]}
                """);
        TestFiles.write(p, "models/" + model + ".yaml", "spine: " + table + "\ntimestamp: ts\nlabel: label\n"
                + "features: [" + model + "_spend]\n" + spec);
        return p;
    }

    /** {@code GET server + path ? query} on MLflow's REST API; asserts that it answers 200. */
    static JsonNode mlflowGet(String server, String path, Map<String, String> query) throws Exception {
        String q = query(query);
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(server + path + q)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + q + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** The bytes {@code GET server + path ? query} answers; asserts that it answers 200. */
    static byte[] mlflowBytes(String server, String path, Map<String, String> query) throws Exception {
        HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(server + path + query(query))).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(path + query(query)).isEqualTo(200);
        return r.body();
    }

    private static String query(Map<String, String> query) {
        StringBuilder q = new StringBuilder();
        query.forEach((k, v) -> q.append(q.length() == 0 ? "?" : "&").append(k).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return q.toString();
    }

    /** MLflow's {@code [{"key": k, "value": v}, ...]} (params, tags) as a sorted map. */
    static Map<String, String> pairs(JsonNode list) {
        Map<String, String> out = new TreeMap<>();
        list.forEach(n -> out.put(n.path("key").asText(), n.path("value").asText()));
        return out;
    }
}
