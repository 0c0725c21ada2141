package dev.ingot.jobs.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * A SQL script cut into statements: on {@code ;} outside quotes ({@code '...'}, {@code "..."}, {@code `...`}, with
 * backslash escapes as Spark reads them) and comments ({@code -- ...} to the end of the line, {@code /* ... *}{@code /}).
 * Statements with nothing but blanks and comments are dropped; the others are numbered from 1 in script order.
 */
final class SqlScript {
    private SqlScript() {}

    /** A statement of a script: its number (from 1), the line it starts on (from 1) and its text, trimmed. */
    record Statement(int number, int line, String sql) {}

    static List<Statement> split(String script) {
        List<Statement> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean code = false;  // the current statement has something besides blanks and comments
        int line = 1;
        int startLine = 1;
        int n = script.length();
        for (int i = 0; i < n; i++) {
            char c = script.charAt(i);
            char next = i + 1 < n ? script.charAt(i + 1) : '\0';
            if (c == '-' && next == '-') {
                int end = script.indexOf('\n', i);
                end = end < 0 ? n : end;
                current.append(script, i, end);
                i = end - 1;
            } else if (c == '/' && next == '*') {
                int end = script.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                String comment = script.substring(i, end);
                line += comment.chars().filter(ch -> ch == '\n').count();
                current.append(comment);
                i = end - 1;
            } else if (c == '\'' || c == '"' || c == '`') {
                if (!code) {
                    startLine = line;
                }
                code = true;
                int j = i + 1;
                while (j < n && script.charAt(j) != c) {
                    j += script.charAt(j) == '\\' && c != '`' ? 2 : 1;
                }
                int end = Math.min(j + 1, n);
                String quoted = script.substring(i, end);
                line += quoted.chars().filter(ch -> ch == '\n').count();
                current.append(quoted);
                i = end - 1;
            } else if (c == ';') {
                if (code) {
                    out.add(new Statement(out.size() + 1, startLine, current.toString().trim()));
                }
                current.setLength(0);
                code = false;
            } else {
                if (c == '\n') {
                    line++;
                } else if (!Character.isWhitespace(c) && !code) {
                    code = true;
                    startLine = line;
                }
                current.append(c);
            }
        }
        if (code) {
            out.add(new Statement(out.size() + 1, startLine, current.toString().trim()));
        }
        return out;
    }
}
