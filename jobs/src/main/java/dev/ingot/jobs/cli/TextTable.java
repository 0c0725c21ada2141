package dev.ingot.jobs.cli;

import java.util.List;
import java.util.Set;

/** A plain-text table whose columns are as wide as their longest cell, two spaces apart; the first row is the header. */
final class TextTable {
    private TextTable() {}

    /** The rows as lines; the columns in {@code rightAligned} (numbers) are aligned to the right. */
    static String render(List<String[]> rows, Set<Integer> rightAligned) {
        int[] width = new int[rows.get(0).length];
        rows.forEach(r -> {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        });
        StringBuilder b = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                String pad = " ".repeat(width[i] - r[i].length());
                line.append(i == 0 ? "" : "  ").append(rightAligned.contains(i) ? pad + r[i]
                        : r[i] + (i == r.length - 1 ? "" : pad));
            }
            b.append(line).append(System.lineSeparator());
        }
        return b.toString();
    }
}
