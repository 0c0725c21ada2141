package dev.ingot.core;

/**
 * One thing wrong with a project's definitions.
 *
 * @param file the file, relative to the project directory (e.g. {@code feature_views/customer.yaml})
 * @param keyPath where in the file, as a dotted path with list indexes (e.g. {@code aggregations[2].windows[0]});
 *     empty for the file as a whole
 * @param problem what is wrong, with the value found
 * @param fix what is expected instead
 */
public record ConfigProblem(String file, String keyPath, String problem, String fix) {
    public ConfigProblem {
        Errors.required(file, "ConfigProblem.file");
        Errors.required(keyPath, "ConfigProblem.keyPath");
        Errors.required(problem, "ConfigProblem.problem");
        Errors.required(fix, "ConfigProblem.fix");
        // A problem quotes the value it found, which may have come from ${env:NAME}: mask it here, not only in
        // toString, so that no caller of problem() can print it.
        problem = Secrets.redact(problem);
        fix = Secrets.redact(fix);
    }

    /** One line: {@code file: key.path: problem; fix}. */
    @Override
    public String toString() {
        String where = keyPath.isEmpty() ? file : file + ": " + keyPath;
        return Secrets.redact(where + ": " + problem + ". Fix: " + fix);
    }
}
