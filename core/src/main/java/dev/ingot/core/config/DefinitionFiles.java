package dev.ingot.core.config;

/** The file a definition record names when it was built in code rather than loaded from a project directory. */
final class DefinitionFiles {
    private DefinitionFiles() {}

    /** {@code file} when given, else {@code <folder>/<name>.yaml}, the file the loader would have read it from. */
    static String orDefault(String file, String folder, String name) {
        return file != null && !file.isBlank() ? file : folder + "/" + name + ".yaml";
    }
}
