package dev.ingot.validation;

import static dev.ingot.validation.QualityReport.esc;

import dev.ingot.core.Errors;
import dev.ingot.core.Psi;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A self-contained HTML report of a distribution's drift from a reference, in the style of {@link QualityReport}
 * (same page, same charts, nothing loaded from the internet): this run's PSI with its reading, its share per bin beside
 * the reference's as a bar chart, and the PSI history of each series (one per model version, say) as line charts.
 * {@code score} writes one per scoring run of a model that has a score reference.
 *
 * @param runId the run measured
 * @param time when
 * @param table the table whose values were measured ({@code scores.fraud})
 * @param subject what was measured, for the heading ({@code probability of fraud v3})
 * @param reference what it was compared with ({@code the test window of fraud v3 (1,234 rows)})
 * @param psi this run's PSI
 * @param bins this run's and the reference's share per bin, in bin order
 * @param history per series, its PSI by date (or run), oldest first; this run's point included
 */
public record DriftReport(String runId, Instant time, String table, String subject, String reference, double psi,
                          List<Bin> bins, Map<String, List<Point>> history) {
    /** Points charted per series at most: the latest. */
    public static final int HISTORY_POINTS = 60;

    private static final DateTimeFormatter SHOW_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    /**
     * One bin.
     *
     * @param label the interval, e.g. {@code (0.12, 0.25]}
     * @param expected the reference's share
     * @param actual this run's share
     */
    public record Bin(String label, double expected, double actual) {}

    /**
     * One point of a history.
     *
     * @param label its date (or run)
     * @param value the PSI then
     */
    public record Point(String label, double value) {}

    public DriftReport {
        Errors.required(runId, "DriftReport.runId");
        Errors.required(time, "DriftReport.time");
        Errors.required(table, "DriftReport.table");
        Errors.required(subject, "DriftReport.subject");
        Errors.required(reference, "DriftReport.reference");
        bins = List.copyOf(Errors.required(bins, "DriftReport.bins"));
        Map<String, List<Point>> h = new LinkedHashMap<>();
        Errors.required(history, "DriftReport.history").forEach((k, v) -> h.put(k, List.copyOf(v)));
        history = java.util.Collections.unmodifiableMap(h);
    }

    /** Writes {@code <table>-drift-<UTC time>-<run>.html} into {@code dir} (created when missing) and returns its path. */
    public Path write(Path dir) {
        return write(dir, "");
    }

    /**
     * Writes {@code <table>-drift-<series>-<UTC time>-<run>.html} into {@code dir} (created when missing) and returns
     * its path: one run measuring several series (a model and its shadow, say {@code v3} and {@code v4}) writes a
     * report per series without overwriting one with another.
     *
     * @param series the part of the name telling this run's reports apart ({@code v3}); empty for none
     */
    public Path write(Path dir, String series) {
        Errors.required(dir, "the directory of a drift report");
        Errors.required(series, "the series of a drift report");
        return QualityReport.save(dir, table, series.isEmpty() ? "drift" : "drift-" + series, time.toEpochMilli(), runId,
                html());
    }

    /** The page. */
    public String html() {
        StringBuilder b = new StringBuilder(8_192);
        String verdict = Psi.verdict(psi);
        QualityReport.head(b, "Drift " + verdict + ": " + table);
        b.append("<h1>Drift of <code>").append(esc(table)).append("</code>: ").append(esc(subject)).append("</h1>");
        b.append("<p class=\"muted\">Run ").append(esc(runId)).append(" at ").append(SHOW_TIME.format(time))
                .append("; compared with ").append(esc(reference)).append("</p>\n");
        b.append("<p><span id=\"verdict\" class=\"verdict ").append(psi < Psi.STABLE ? "ok" : psi < Psi.SHIFTED ? "warn" : "bad")
                .append("\">").append(esc(verdict.toUpperCase(Locale.ROOT))).append("</span> &nbsp;PSI <b id=\"psi\">")
                .append(String.format(Locale.ROOT, "%.4f", psi)).append("</b> <span class=\"muted\">(stable &lt; ")
                .append(Psi.STABLE).append(" &lt;= moderate &lt; ").append(Psi.SHIFTED).append(" &lt;= shifted; an empty bin counts as a share of ")
                .append(Psi.EPSILON).append(")</span></p>\n");

        b.append("<h2>Share per bin, this run against the reference</h2><div class=\"chart\" id=\"bins\">").append(bars())
                .append("</div>\n<table id=\"bin-table\"><tr><th>bin</th><th>reference</th><th>this run</th></tr>\n");
        for (Bin bin : bins) {
            b.append("<tr><td>").append(esc(bin.label())).append("</td><td>").append(pct(bin.expected())).append("</td><td>")
                    .append(pct(bin.actual())).append("</td></tr>\n");
        }
        b.append("</table>\n<h2>PSI history</h2><div class=\"charts\" id=\"history\">\n");
        history.forEach((series, points) -> {
            List<Point> shown = points.size() > HISTORY_POINTS ? points.subList(points.size() - HISTORY_POINTS, points.size()) : points;
            List<double[]> xy = new ArrayList<>();
            for (int i = 0; i < shown.size(); i++) {
                xy.add(new double[] {i, shown.get(i).value()});
            }
            if (!xy.isEmpty()) {
                b.append("<div class=\"chart\">").append(QualityReport.chart("PSI of " + series + ", "
                        + shown.get(0).label() + " to " + shown.get(shown.size() - 1).label(), xy, "scoring date",
                        shown.get(shown.size() - 1).label())).append("</div>\n");
            }
        });
        b.append("</div>\n<p class=\"muted\">Written by Ingot. Every PSI is in <code>quality.metrics</code>.</p></body></html>\n");
        return b.toString();
    }

    /** Grouped bars: per bin, the reference's share (grey) and this run's (blue). */
    private String bars() {
        int h = 220;
        int top = 24;
        int bottom = 56;
        int left = 44;
        int slot = 52;
        int w = left + slot * Math.max(1, bins.size()) + 10;
        double max = 0.0;
        for (Bin bin : bins) {
            max = Math.max(max, Math.max(bin.expected(), bin.actual()));
        }
        max = max <= 0 ? 1 : Math.min(1, max * 1.1);
        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(w).append("\" height=\"").append(h)
                .append("\" role=\"img\" aria-label=\"share per bin\">");
        s.append("<text x=\"4\" y=\"14\" font-size=\"12\" font-weight=\"600\">Share per bin: "
                + "<tspan fill=\"#8c959f\">reference</tspan> / <tspan fill=\"#0969da\">this run</tspan></text>");
        s.append("<line x1=\"").append(left).append("\" y1=\"").append(h - bottom).append("\" x2=\"").append(w - 10)
                .append("\" y2=\"").append(h - bottom).append("\" stroke=\"#d0d7de\"/>");
        s.append("<text x=\"").append(left - 4).append("\" y=\"").append(top + 4).append("\" font-size=\"10\" text-anchor=\"end\">")
                .append(pct(max)).append("</text>");
        s.append("<text x=\"").append(left - 4).append("\" y=\"").append(h - bottom).append("\" font-size=\"10\" text-anchor=\"end\">0</text>");
        double scale = (h - top - bottom) / max;
        for (int i = 0; i < bins.size(); i++) {
            Bin bin = bins.get(i);
            int x = left + i * slot + 6;
            s.append(bar(x, h - bottom, bin.expected() * scale, "#8c959f", bin.label() + " reference " + pct(bin.expected())));
            s.append(bar(x + 20, h - bottom, bin.actual() * scale, "#0969da", bin.label() + " this run " + pct(bin.actual())));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"9\" text-anchor=\"end\" "
                    + "transform=\"rotate(-35 %d %d)\">%s</text>", x + 36, h - bottom + 12, x + 36, h - bottom + 12,
                    esc(bin.label())));
        }
        s.append("</svg>");
        return s.toString();
    }

    private static String bar(int x, int base, double height, String color, String title) {
        return String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%.1f\" width=\"18\" height=\"%.1f\" fill=\"%s\"><title>%s</title></rect>",
                x, base - height, height, color, esc(title));
    }

    private static String pct(double share) {
        return String.format(Locale.ROOT, "%.1f%%", share * 100);
    }
}
