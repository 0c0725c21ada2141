package dev.ingot.training.internal;

import dev.ingot.training.CurvePoint;
import dev.ingot.training.FeatureImportance;
import java.util.List;
import java.util.Locale;

/**
 * Standalone SVG charts, written by hand so that a run's artifacts need no plotting library and open in any browser
 * (and in MLflow's artifact view).
 */
public final class Svg {
    private static final String FONT = "font-family=\"Helvetica, Arial, sans-serif\"";

    private Svg() {}

    /**
     * A curve on the unit square with gridlines every 0.2.
     *
     * @param diagonal draw the chance line (ROC)
     * @param note a line written inside the plot, e.g. {@code AUC = 0.8123}
     */
    public static String curve(String title, String xLabel, String yLabel, List<CurvePoint> points, boolean diagonal,
                               String note) {
        int left = 70;
        int top = 50;
        int w = 400;
        int h = 360;
        StringBuilder b = open(left + w + 30, top + h + 60);
        text(b, (left + w / 2.0), 28, "middle", 16, "bold", title);
        for (int i = 0; i <= 5; i++) {
            double v = i / 5.0;
            double x = left + v * w;
            double y = top + h - v * h;
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e0e0e0\"/>%n",
                    x, top, x, top + h));
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>%n",
                    left, y, left + w, y));
            text(b, x, top + h + 20, "middle", 12, "normal", String.format(Locale.ROOT, "%.1f", v));
            text(b, left - 8, y + 4, "end", 12, "normal", String.format(Locale.ROOT, "%.1f", v));
        }
        b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\""
                + " stroke=\"#333\"/>%n", left, top, w, h));
        text(b, left + w / 2.0, top + h + 45, "middle", 13, "normal", xLabel);
        b.append(String.format(Locale.ROOT, "<text x=\"20\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"13\" %s"
                + " transform=\"rotate(-90 20 %.1f)\">%s</text>%n", top + h / 2.0, FONT, top + h / 2.0, escape(yLabel)));
        if (diagonal) {
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\""
                    + " stroke-dasharray=\"5,4\"/>%n", left, top + h, left + w, top));
        }
        StringBuilder pts = new StringBuilder();
        for (CurvePoint p : points) {
            pts.append(String.format(Locale.ROOT, "%.2f,%.2f ", left + clamp(p.x()) * w, top + h - clamp(p.y()) * h));
        }
        b.append("<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"").append(pts.toString().trim())
                .append("\"/>\n");
        text(b, left + w - 10, top + h - 12, "end", 13, "bold", note);
        return b.append("</svg>\n").toString();
    }

    /** Horizontal bars, largest first, each labelled with its value. */
    public static String bars(String title, String xLabel, List<FeatureImportance> items) {
        int nameWidth = Math.min(260, 20 + 7 * items.stream().mapToInt(i -> i.name().length()).max().orElse(10));
        int left = nameWidth + 10;
        int top = 50;
        int w = 380;
        int row = 24;
        int h = Math.max(1, items.size()) * row;
        double max = items.stream().mapToDouble(FeatureImportance::importance).max().orElse(0);
        double scale = max <= 0 ? 1 : max;
        StringBuilder b = open(left + w + 80, top + h + 60);
        text(b, (left + w / 2.0), 28, "middle", 16, "bold", title);
        for (int i = 0; i <= 4; i++) {
            double v = scale * i / 4;
            double x = left + w * i / 4.0;
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e0e0e0\"/>%n",
                    x, top, x, top + h));
            text(b, x, top + h + 18, "middle", 12, "normal", String.format(Locale.ROOT, "%.3g", v));
        }
        for (int i = 0; i < items.size(); i++) {
            FeatureImportance f = items.get(i);
            double y = top + i * row;
            double bw = Math.max(0, f.importance() / scale * w);
            b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"#1f77b4\"/>%n",
                    left, y + 3, bw, row - 6));
            String name = f.name().length() > 36 ? f.name().substring(0, 35) + "…" : f.name();
            text(b, left - 6, y + row / 2.0 + 4, "end", 12, "normal", name);
            text(b, left + bw + 4, y + row / 2.0 + 4, "start", 11, "normal",
                    String.format(Locale.ROOT, "%.4g", f.importance()));
        }
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>%n",
                left, top, left, top + h));
        text(b, left + w / 2.0, top + h + 42, "middle", 13, "normal", xLabel);
        return b.append("</svg>\n").toString();
    }

    private static StringBuilder open(int width, int height) {
        return new StringBuilder().append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\""
                + " width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">%n<rect width=\"100%%\" height=\"100%%\""
                + " fill=\"white\"/>%n", width, height, width, height));
    }

    private static void text(StringBuilder b, double x, double y, String anchor, int size, String weight, String s) {
        b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\""
                + " font-weight=\"%s\" %s>%s</text>%n", x, y, anchor, size, weight, FONT, escape(s)));
    }

    private static double clamp(double v) {
        return Double.isNaN(v) ? 0 : Math.max(0, Math.min(1, v));
    }

    /** Text as XML character data. */
    public static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
