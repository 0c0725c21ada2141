package dev.ingot.core.config.internal;

import dev.ingot.core.ConfigProblem;
import java.util.ArrayList;
import java.util.List;

/** Collects every problem of a project load, so that all are reported at once. */
public final class Problems {
    private final List<ConfigProblem> list = new ArrayList<>();

    public void add(String file, String keyPath, String problem, String fix) {
        list.add(new ConfigProblem(file, keyPath, problem, fix));
    }

    public void add(ConfigProblem problem) {
        list.add(problem);
    }

    public boolean isEmpty() {
        return list.isEmpty();
    }

    public int size() {
        return list.size();
    }

    public List<ConfigProblem> all() {
        return List.copyOf(list);
    }
}
