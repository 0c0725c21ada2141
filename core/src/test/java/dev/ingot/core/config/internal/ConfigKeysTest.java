package dev.ingot.core.config.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ingot.core.ConfigProblem;
import dev.ingot.core.config.GpuPolicy;
import dev.ingot.core.config.SourceDef;
import dev.ingot.core.config.internal.ConfigKeys.FileKind;
import dev.ingot.core.config.internal.ConfigKeys.Key;
import dev.ingot.core.config.internal.ConfigKeys.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The key registry: that it is consistent, that the loader's {@link Node} holds to it, and that the reference tables
 * of {@code docs/configuration.md} are what it says.
 */
class ConfigKeysTest {
    private static final Path DOC = Path.of("..", "docs", "configuration.md");
    private static final String REGENERATE = "mvn -o -q -pl core test -Dtest=ConfigKeysTest -Dingot.regenerateDocs=true";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void docsReferenceTablesAreCurrent() throws IOException {
        String text = Files.readString(DOC);
        String rendered = ConfigDoc.render(text);
        if (Boolean.getBoolean("ingot.regenerateDocs")) {
            Files.writeString(DOC, rendered);
            return;
        }
        assertThat(text).as("docs/configuration.md is not what ConfigKeys says: regenerate its tables with\n  "
                + REGENERATE + "\n(then read the diff)").isEqualTo(rendered);
    }

    @Test
    void everyKeyIsDocumentedOnceUnderADeclaredParent() {
        Set<String> seen = new HashSet<>();
        for (Key k : ConfigKeys.all()) {
            assertThat(seen.add(k.file() + " " + k.path())).as("declared twice: " + k).isTrue();
            assertThat(k.doc()).as("doc of " + k.path()).isNotBlank().doesNotContain("|").doesNotContain("\n");
            assertThat(k.dflt() + k.type().doc() + k.requirement()).as(k.path()).doesNotContain("|");
            assertThat(k.requirement().isEmpty() || k.dflt().isEmpty())
                    .as("a required key has no default: " + k.path()).isTrue();
            if (!k.parent().isEmpty()) {
                boolean list = k.parent().endsWith("[]");
                String parent = list ? k.parent().substring(0, k.parent().length() - 2) : k.parent();
                assertThat(ConfigKeys.find(k.file(), parent)).as("the parent of " + k.path()).hasValueSatisfying(p ->
                        assertThat(p.type().shape()).isEqualTo(list ? Shape.LIST_OF_MAPPINGS : Shape.MAPPING));
            }
        }
    }

    @Test
    void aChoiceListsItsEnumAndDefaultsToOneOfIt() {
        assertThat(ConfigKeys.choice(GpuPolicy.class).doc()).isEqualTo("`auto`, `on`, `off`");
        for (Key k : ConfigKeys.all()) {
            k.type().choices().ifPresent(e -> {
                List<String> values = Arrays.stream(e.getEnumConstants())
                        .map(c -> "`" + c.name().toLowerCase(Locale.ROOT) + "`").toList();
                assertThat(k.dflt().isEmpty() || values.contains(k.dflt())).as("default of " + k.path() + ": "
                        + k.dflt()).isTrue();
            });
        }
    }

    @Test
    void theTopLevelAndEveryMappingWithATableOfItsOwnHaveAPlaceInTheDocs() {
        assertThat(ConfigDoc.sections()).containsExactly(
                "<!-- generated: keys of ingot.yaml -->",
                "<!-- generated: keys of ingot.yaml catalog -->",
                "<!-- generated: keys of ingot.yaml tracking -->",
                "<!-- generated: keys of ingot.yaml cost -->",
                "<!-- generated: keys of ingot.yaml signing -->",
                "<!-- generated: keys of ingot.yaml airflow -->",
                "<!-- generated: keys of ingot.yaml sql_server -->",
                "<!-- generated: keys of sources/*.yaml -->",
                "<!-- generated: keys of feature_views/*.yaml -->",
                "<!-- generated: keys of feature_views/*.yaml transformations[] -->",
                "<!-- generated: keys of feature_views/*.yaml aggregations[] -->",
                "<!-- generated: keys of checks/*.yaml -->",
                "<!-- generated: keys of checks/*.yaml checks[] -->",
                "<!-- generated: keys of checks/*.yaml checks[] rules -->",
                "<!-- generated: keys of checks/*.yaml checks[] anomaly -->",
                "<!-- generated: keys of checks/*.yaml checks[] drift -->",
                "<!-- generated: keys of models/*.yaml -->");
    }

    @Test
    void aTableIsRenderedFromItsKeysWithMappingsWithoutATableListedUnderThem() {
        String t = ConfigDoc.table(FileKind.PROJECT, "", "");
        assertThat(t.lines().toList()).startsWith("| key | type | default | meaning |", "|---|---|---|---|",
                "| `name` | name, **required** | | the project's name (also the default MLflow experiment) |");
        assertThat(t).contains("\n| `spark` | mapping | none | Spark settings; takes only `conf` |\n"
                + "| `spark.conf` | mapping of `spark.*` key to value | none |")
                .contains("| `catalog` | mapping, below | `metastore: embedded` |")
                .doesNotContain("`catalog.url`");
        assertThat(ConfigDoc.table(FileKind.PROJECT, "catalog", ""))
                .contains("| `url` | text, **required with `jdbc`** | | JDBC URL");
    }

    @Test
    void renderReplacesOnlyTheTablesAndRefusesUnknownOrMissingPlaces() {
        StringBuilder doc = new StringBuilder("# Title\n\nprose | with a bar\n\n");
        for (String s : ConfigDoc.sections()) {
            doc.append(s).append("\nstale table\n<!-- end generated -->\n\nmore prose\n");
        }
        String rendered = ConfigDoc.render(doc.toString());
        assertThat(rendered).startsWith("# Title\n\nprose | with a bar\n\n<!-- generated: keys of ingot.yaml -->\n"
                + "| key | type | default | meaning |").doesNotContain("stale table")
                .contains("| `windows` | list of durations, **required** |");
        assertThat(rendered.split("more prose", -1)).hasSize(ConfigDoc.sections().size() + 1);
        assertThat(ConfigDoc.render(rendered)).as("rendering is stable").isEqualTo(rendered);

        assertThatThrownBy(() -> ConfigDoc.render(doc + "<!-- generated: keys of ingot.yaml spark -->\nx\n"
                + "<!-- end generated -->\n")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ConfigKeys declares no table for it");
        assertThatThrownBy(() -> ConfigDoc.render(doc + "<!-- generated: keys of jobs/*.yaml -->\nx\n"
                + "<!-- end generated -->\n")).hasMessageContaining("'jobs/*.yaml'").hasMessageContaining("sources/*.yaml");
        assertThatThrownBy(() -> ConfigDoc.render("# nothing generated\n")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no place for <!-- generated: keys of ingot.yaml -->");
    }

    // ---- the loader's Node holds to the registry ----

    @Test
    void unknownKeysAreTheUndeclaredOnesEvenWhenNoGetterAsked() throws IOException {
        Problems problems = new Problems();
        Node n = node("sources/orders.yaml", "table: raw.orders\nevnt_time: ts\n", problems);
        n.string("table", false, "database.table");
        n.finish();
        ConfigProblem p = problems.all().get(0);
        assertThat(problems.all()).hasSize(1);
        assertThat(p.keyPath()).isEqualTo("evnt_time");
        assertThat(p.problem()).isEqualTo("unknown key 'evnt_time' (did you mean 'event_time'?)");
        assertThat(p.fix()).isEqualTo("remove it, or use one of: "
                + String.join(", ", ConfigKeys.of(FileKind.SOURCES, "").stream().map(Key::name).toList()));
    }

    @Test
    void nestedMappingsAndListItemsTakeTheirDeclaredKeys() throws IOException {
        Problems problems = new Problems();
        Node n = node("feature_views/v.yaml", "aggregations:\n  - name: a\n    window: [1d]\n", problems);
        Node agg = n.objects("aggregations", false, "aggregations").get(0);
        agg.name("name", true);
        agg.finish();
        assertThat(problems.all()).extracting(ConfigProblem::keyPath).containsExactly("aggregations[0].window");
        assertThat(problems.all().get(0).problem()).contains("did you mean 'windows'?");
        assertThat(problems.all().get(0).fix()).contains("name, function, column, windows, description");
    }

    @Test
    void readingAKeyThatIsNotDeclaredIsABug() throws IOException {
        Node n = node("sources/orders.yaml", "table: raw.orders\n", new Problems());
        assertThatThrownBy(() -> n.string("encoding", false, "a charset"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'encoding' of sources/*.yaml")
                .hasMessageContaining("declare it there");
        Node ingot = node("ingot.yaml", "catalog:\n  metastore: jdbc\n", new Problems());
        Node catalog = ingot.object("catalog", false).orElseThrow();
        assertThatThrownBy(() -> catalog.has("schema")).hasMessageContaining("'catalog.schema' of ingot.yaml");
    }

    @Test
    void readingAKeyAsAnotherTypeThanDeclaredIsABug() throws IOException {
        Node n = node("sources/orders.yaml", "table: raw.orders\n", new Problems());
        assertThatThrownBy(() -> n.strings("table", false, "tables")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'table' of sources/*.yaml as LIST but ConfigKeys declares it SCALAR");
        assertThatThrownBy(() -> n.choice("format", GpuPolicy.class, false)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("as a choice of GpuPolicy");
        assertThat(n.choice("format", SourceDef.Format.class, false)).isEmpty();
    }

    @Test
    void aDeclaredKeyInTheFileThatTheLoaderNeverReadsIsABug() throws IOException {
        Node n = node("sources/orders.yaml", "table: raw.orders\nformat: delta\n", new Problems());
        n.string("table", false, "database.table");
        assertThatThrownBy(n::finish).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("declares 'format' of sources/*.yaml but the loader never reads it");
    }

    @Test
    void aCheckMayHaveTheDeclaredKeysItsKindAsksFor() throws IOException {
        Problems problems = new Problems();
        Node n = node("checks/s.yaml", "checks:\n  - kind: size\n    mn: 1\n    regex: x\n", problems);
        Node check = n.objects("checks", true, "checks").get(0);
        check.string("kind", true, "a kind");
        check.number("min", false, 0, 10);
        check.finish();
        assertThat(problems.all()).extracting(ConfigProblem::keyPath).containsExactly("checks[0].mn", "checks[0].regex");
        assertThat(problems.all().get(1).problem()).as("declared, but not a key of this kind").contains("'regex'");
        assertThat(problems.all().get(0).fix()).isEqualTo("remove it, or use one of: kind, min");
        assertThatThrownBy(() -> check.number("threshold", false, 0, 1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'checks[].threshold' of checks/*.yaml");
        assertThat(check.has("anything")).as("the loader may ask whether any key is there").isFalse();
    }

    @Test
    void aMappingWhoseKeysAreNotDeclaredKnowsTheKeysItsGettersAskedFor() throws IOException {
        Problems problems = new Problems();
        Node n = node("other/m.yaml", "spine: ml.s\nlable: y\n", problems);
        n.string("spine", true, "database.table");
        n.string("label", true, "a column");
        n.finish();
        assertThat(problems.all()).extracting(ConfigProblem::keyPath).containsExactly("label", "lable");
        assertThat(problems.all().get(1).fix()).isEqualTo("remove it, or use one of: spine, label");
    }

    private static Node node(String file, String yaml, Problems problems) throws IOException {
        JsonNode json = YAML.readTree(yaml);
        return Node.root(file, json, problems, Map.of());
    }
}
