package dev.ingot.validation;

import dev.ingot.core.Catalog;
import dev.ingot.core.Errors;
import dev.ingot.core.TableName;
import dev.ingot.core.Tables;
import dev.ingot.validation.internal.Numbers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A self-contained HTML report of one validation run: the verdict first, then every check with its outcome, the
 * history of each metric as an inline SVG chart, drift per feature and quarantined rows with examples. No script,
 * font or style comes from the internet: the file opens anywhere, offline.
 */
public final class QualityReport {
    /** Runs of history charted per metric. */
    public static final int HISTORY_RUNS = 30;
    /** Quarantined rows shown as examples. */
    public static final int EXAMPLES = 10;

    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter SHOW_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    private QualityReport() {}

    /**
     * Writes the report of a run into a directory, reading metric history from {@code quality.metrics} when the run's
     * table has one.
     *
     * @param spark the session (for history)
     * @param result the run
     * @param quarantineExamples some quarantined rows (may be empty)
     * @param published whether the data was published (null for a run that publishes nothing, e.g. {@code validate})
     * @param dir the directory; created when missing
     * @return the report's path
     */
    public static Path write(SparkSession spark, ValidationResult result, List<Row> quarantineExamples, Boolean published,
                             Path dir) {
        Errors.required(spark, "the SparkSession of a quality report");
        Errors.required(result, "the result a quality report shows");
        Errors.required(quarantineExamples, "the quarantined rows a quality report shows (List.of() for none)");
        Errors.required(dir, "the directory of a quality report");
        Map<String, List<double[]>> history = history(spark, result);
        String html = html(result, history, quarantineExamples, published);
        return save(dir, result.table().orElse("data"), "", result.timeMillis(), result.runId(), html);
    }

    /**
     * Writes a report as {@code <table>[-kind]-<UTC time>-<run id's first 8>.html} into {@code dir} (created when
     * missing): one file per run, sorted by time in a listing.
     */
    static Path save(Path dir, String table, String kind, long timeMillis, String runId, String html) {
        String name = table.replace('.', '_') + (kind.isEmpty() ? "" : "-" + kind) + "-"
                + FILE_TIME.format(Instant.ofEpochMilli(timeMillis)) + "-" + runId.substring(0, Math.min(8, runId.length()))
                + ".html";
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve(name);
            Files.writeString(file, html, StandardCharsets.UTF_8);
            return file.toAbsolutePath();
        } catch (IOException e) {
            throw Errors.jobFailed("write the report " + name + " to " + dir, e);
        }
    }

    /** Per {@code checkId|metric}: (time, value) of earlier runs and this one, oldest first. */
    private static Map<String, List<double[]>> history(SparkSession spark, ValidationResult result) {
        Map<String, List<double[]>> out = new LinkedHashMap<>();
        if (result.table().isPresent() && Catalog.tableExists(spark, Tables.QUALITY_METRICS)) {
            List<Row> rows = spark.table(Tables.QUALITY_METRICS.toString())
                    .where(org.apache.spark.sql.functions.col("table").equalTo(result.table().get())
                            .and(org.apache.spark.sql.functions.col("check_id").isNotNull())
                            .and(org.apache.spark.sql.functions.col("value").isNotNull())
                            .and(org.apache.spark.sql.functions.col("run_id").notEqual(result.runId())))
                    .select("check_id", "metric", "dataset_date", "value").orderBy("dataset_date").collectAsList();
            for (Row r : rows) {
                out.computeIfAbsent(r.getString(0) + "|" + r.getString(1), k -> new ArrayList<>())
                        .add(new double[] {r.getLong(2), r.getDouble(3)});
            }
        }
        for (MetricValue m : result.metrics()) {
            if (!m.checkId().isEmpty() && !Double.isNaN(m.value())) {
                out.computeIfAbsent(m.checkId() + "|" + m.name(), k -> new ArrayList<>()).add(new double[] {result.timeMillis(), m.value()});
            }
        }
        out.replaceAll((k, v) -> v.size() > HISTORY_RUNS ? v.subList(v.size() - HISTORY_RUNS, v.size()) : v);
        return out;
    }

    static String html(ValidationResult r, Map<String, List<double[]>> history, List<Row> examples, Boolean published) {
        StringBuilder b = new StringBuilder(16_384);
        String target = r.table().orElse("data");
        boolean ok = r.passed();
        String verdict = published == null ? (ok ? "PASSED" : "FAILED") : (published ? "PUBLISHED" : "NOT PUBLISHED");
        head(b, "Quality " + verdict + ": " + target);
        b.append("<h1>Data quality of <code>").append(esc(target)).append("</code></h1>");
        b.append("<p class=\"muted\">Run ").append(esc(r.runId())).append(" at ").append(SHOW_TIME.format(Instant.ofEpochMilli(r.timeMillis())));
        if (r.deltaVersion().isPresent() && r.deltaVersion().getAsLong() >= 0) {
            b.append(", Delta version ").append(r.deltaVersion().getAsLong());
        }
        b.append("</p>\n");
        String why = ok ? (r.warnings().isEmpty() ? "no check failed" : r.warnings().size() + " warning(s), no error")
                + (r.quarantinedRows() > 0 ? "; " + r.quarantinedRows() + " row(s) failing row-level checks quarantined" : "")
                : r.errors().size() + " error-level check(s) failed";
        b.append("<p><span id=\"verdict\" class=\"verdict ").append(ok ? (r.warnings().isEmpty() ? "ok" : "warn") : "bad").append("\">")
                .append(esc(verdict)).append("</span> &nbsp;").append(esc(why)).append("</p>\n");
        long passed = r.checks().stream().filter(c -> c.status() == CheckStatus.PASSED).count();
        b.append("<div class=\"cards\">")
                .append(card("rows checked", Long.toString(r.rows())))
                .append(card("checks", Integer.toString(r.checks().size())))
                .append(card("passed", Long.toString(passed)))
                .append(card("errors", Integer.toString(r.errors().size())))
                .append(card("warnings", Integer.toString(r.warnings().size())))
                .append(card("rows quarantined", Long.toString(r.quarantinedRows())))
                .append("</div>\n");

        List<CheckResult> ordered = new ArrayList<>(r.checks());
        ordered.sort(java.util.Comparator.comparingInt(QualityReport::rank));
        b.append("<h2>Checks</h2><table id=\"checks\"><tr><th>outcome</th><th>severity</th><th>check</th><th>kind</th><th>column</th>")
                .append("<th>metric</th><th>value</th><th>what was found</th></tr>\n");
        for (CheckResult c : ordered) {
            String cls = c.status() == CheckStatus.FAILED && c.severity() == dev.ingot.core.config.CheckSuiteDef.Severity.WARNING
                    ? "warning" : c.status().name().toLowerCase(Locale.ROOT);
            b.append("<tr><td><span class=\"badge ").append(cls).append("\">").append(cls).append("</span></td><td>")
                    .append(c.severity().name().toLowerCase(Locale.ROOT)).append("</td><td><code>").append(esc(c.suiteFile()))
                    .append("</code> checks[").append(c.checkIndex()).append("]")
                    .append(c.description().isEmpty() ? "" : "<br><span class=\"muted\">" + esc(c.description()) + "</span>")
                    .append("</td><td>").append(c.kind().name().toLowerCase(Locale.ROOT)).append("</td><td>")
                    .append(esc(String.join(", ", c.columns()))).append("</td><td>").append(esc(c.metric())).append("</td><td>")
                    .append(c.value().isEmpty() ? "-" : c.status() == CheckStatus.PASSED ? fmt(c.value().getAsDouble())
                            : Numbers.beside(c.value().getAsDouble(), expected(c.message()), 4)).append("</td><td>").append(esc(c.message()))
                    .append("</td></tr>\n");
        }
        b.append("</table>\n");

        List<MetricValue> drift = r.metrics().stream().filter(m -> m.name().equals("PSI") || m.name().equals("KS")).toList();
        if (!drift.isEmpty()) {
            b.append("<h2>Drift per feature</h2><table id=\"drift\"><tr><th>column</th><th>check</th><th>PSI</th><th>KS</th><th>outcome</th></tr>\n");
            Map<String, double[]> byCheck = new LinkedHashMap<>();
            Map<String, String> columns = new LinkedHashMap<>();
            for (MetricValue m : drift) {
                double[] v = byCheck.computeIfAbsent(m.checkId(), k -> new double[] {Double.NaN, Double.NaN});
                v[m.name().equals("PSI") ? 0 : 1] = m.value();
                columns.put(m.checkId(), m.instance());
            }
            for (Map.Entry<String, double[]> e : byCheck.entrySet()) {
                CheckResult c = r.checks().stream().filter(x -> x.checkId().equals(e.getKey())).findFirst().orElseThrow();
                b.append("<tr><td>").append(esc(columns.get(e.getKey()))).append("</td><td>").append(esc(e.getKey())).append("</td><td>")
                        .append(bar(e.getValue()[0], 0.5)).append("</td><td>").append(bar(e.getValue()[1], 1.0)).append("</td><td>")
                        .append(esc(c.status().name().toLowerCase(Locale.ROOT))).append("</td></tr>\n");
            }
            b.append("</table>\n");
        }

        b.append("<h2>Quarantine</h2>");
        if (r.quarantinedRows() == 0) {
            b.append("<p id=\"quarantine\">No rows quarantined.</p>\n");
        } else {
            b.append("<p id=\"quarantine\"><b>").append(r.quarantinedRows()).append("</b> rows failed row-level checks and went to <code>")
                    .append(esc(r.table().map(t -> Tables.quarantine(TableName.parse(t)).toString()).orElse("quarantine")))
                    .append("</code>; the rest were kept.</p>\n");
            if (!examples.isEmpty()) {
                b.append("<table id=\"examples\"><tr>");
                for (String f : examples.get(0).schema().fieldNames()) {
                    b.append("<th>").append(esc(f)).append("</th>");
                }
                b.append("</tr>\n");
                for (Row row : examples.subList(0, Math.min(EXAMPLES, examples.size()))) {
                    b.append("<tr>");
                    for (int i = 0; i < row.length(); i++) {
                        Object v = row.get(i);
                        String s = v instanceof scala.collection.Seq<?> seq ? String.join(", ",
                                scala.collection.JavaConverters.seqAsJavaList(seq).stream().map(String::valueOf).toList())
                                : String.valueOf(v);
                        b.append("<td>").append(esc(s)).append("</td>");
                    }
                    b.append("</tr>\n");
                }
                b.append("</table>\n");
            }
        }

        b.append("<h2>Metric history</h2><div class=\"charts\" id=\"history\">\n");
        for (Map.Entry<String, List<double[]>> e : history.entrySet()) {
            b.append("<div class=\"chart\">").append(chart(e.getKey().replace('|', ' '), e.getValue())).append("</div>\n");
        }
        b.append("</div>\n<p class=\"muted\">Written by Ingot. Metrics of every run are in <code>quality.metrics</code>, check outcomes in <code>quality.results</code>.</p></body></html>\n");
        return b.toString();
    }

    /** The document up to {@code <body>}: title and the one style sheet of Ingot's reports (inline: they open offline). */
    static void head(StringBuilder b, String title) {
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>").append(esc(title)).append("</title><style>")
                .append("body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:24px;color:#1f2328;max-width:1200px}")
                .append("h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}")
                .append(".verdict{display:inline-block;padding:6px 14px;border-radius:6px;color:#fff;font-weight:700;font-size:18px}")
                .append(".ok{background:#1a7f37}.bad{background:#cf222e}.warn{background:#9a6700}.muted{color:#57606a}")
                .append("table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eaeef2;vertical-align:top}")
                .append("th{background:#f6f8fa}.badge{padding:1px 7px;border-radius:10px;color:#fff;font-size:12px;font-weight:600}")
                .append(".passed{background:#1a7f37}.failed{background:#cf222e}.warning{background:#9a6700}.quarantined{background:#8250df}.error{background:#6e7781}")
                .append(".cards{display:flex;gap:12px;flex-wrap:wrap;margin:14px 0}.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:110px}")
                .append(".card b{display:block;font-size:22px}.charts{display:flex;flex-wrap:wrap;gap:14px}.chart{border:1px solid #d0d7de;border-radius:6px;padding:6px}")
                .append("code{font-size:12px}</style></head><body>\n");
    }

    private static int rank(CheckResult c) {
        if (c.blocks()) {
            return 0;
        }
        if (c.warns()) {
            return 1;
        }
        return c.status() == CheckStatus.QUARANTINED ? 2 : 3;
    }

    static String card(String label, String value) {
        return "<div class=\"card\"><b>" + esc(value) + "</b><span class=\"muted\">" + esc(label) + "</span></div>";
    }

    private static String bar(double v, double scale) {
        if (Double.isNaN(v)) {
            return "-";
        }
        int w = (int) Math.round(Math.min(1, v / scale) * 120);
        return "<svg width=\"130\" height=\"12\" role=\"img\"><rect width=\"" + w + "\" height=\"12\" fill=\"#0969da\"/></svg> " + fmt(v);
    }

    /** A line chart of values over runs, the last point (this run) marked. */
    static String chart(String title, List<double[]> points) {
        return chart(title, points, "run", "this run");
    }

    /**
     * A line chart of values, one point per {@code unit} (a run, a scoring date) in order, the last point marked and
     * titled {@code last}.
     */
    static String chart(String title, List<double[]> points, String unit, String last) {
        int w = 320;
        int h = 150;
        int right = 10;
        int top = 22;
        int bottom = 24;
        double min = points.stream().mapToDouble(p -> p[1]).min().orElse(0);
        double max = points.stream().mapToDouble(p -> p[1]).max().orElse(1);
        if (max - min < 1e-12) {
            min -= Math.abs(min) * 0.1 + 1e-9;
            max += Math.abs(max) * 0.1 + 1e-9;
        }
        String[] labels = Numbers.axis(min, max);
        // Room for the longer label (about 6 px a character at 10 px), so that no digit is cut off at the left edge.
        int left = Math.max(36, 10 + 6 * Math.max(labels[0].length(), labels[1].length()));
        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(w).append("\" height=\"").append(h)
                .append("\" role=\"img\" aria-label=\"").append(esc(title)).append("\">");
        s.append("<text x=\"4\" y=\"14\" font-size=\"12\" font-weight=\"600\">").append(esc(title)).append("</text>");
        s.append("<line x1=\"").append(left).append("\" y1=\"").append(h - bottom).append("\" x2=\"").append(w - right)
                .append("\" y2=\"").append(h - bottom).append("\" stroke=\"#d0d7de\"/>");
        s.append("<text x=\"").append(left - 4).append("\" y=\"").append(top + 4).append("\" font-size=\"10\" text-anchor=\"end\">")
                .append(esc(labels[1])).append("</text>");
        s.append("<text x=\"").append(left - 4).append("\" y=\"").append(h - bottom).append("\" font-size=\"10\" text-anchor=\"end\">")
                .append(esc(labels[0])).append("</text>");
        s.append("<text x=\"").append(w - right).append("\" y=\"").append(h - 6).append("\" font-size=\"10\" text-anchor=\"end\">")
                .append(points.size()).append(' ').append(esc(unit)).append(points.size() == 1 ? "" : "s").append("</text>");
        StringBuilder path = new StringBuilder();
        double x = 0;
        double y = 0;
        for (int i = 0; i < points.size(); i++) {
            x = left + (points.size() == 1 ? (w - left - right) / 2.0 : i * (w - left - right) / (double) (points.size() - 1));
            y = top + (max - points.get(i)[1]) / (max - min) * (h - top - bottom);
            path.append(i == 0 ? "M" : "L").append(String.format(Locale.ROOT, "%.1f,%.1f", x, y));
        }
        s.append("<path d=\"").append(path).append("\" fill=\"none\" stroke=\"#0969da\" stroke-width=\"2\"/>");
        s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#cf222e\"><title>%s: %s</title></circle>",
                x, y, esc(last), Numbers.exact(points.get(points.size() - 1)[1], 4)));
        s.append("</svg>");
        return s.toString();
    }

    /** What a failed check's message says was expected ({@code "... is 0.9, expected >= 1 (...)"}: {@code ">= 1"}). */
    private static String expected(String message) {
        int at = message.indexOf(", expected ");
        if (at < 0) {
            return "";
        }
        String rest = message.substring(at + ", expected ".length());
        int note = rest.indexOf(" (");
        return note < 0 ? rest : rest.substring(0, note);
    }

    static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%.4g", v);
    }

    static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
