package dev.ingot.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import dev.ingot.core.ChildJvm;
import dev.ingot.core.PostgresServerExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Processes creating the same tables at the same moment on one PostgreSQL metastore ({@code catalog: metastore:
 * jdbc}), as scheduled runs of one feature view do: every process ends well (it created the table, or wrote into the
 * one another process created), the metastore holds each database and table once, and every table holds every
 * process's rows once, read through the catalog by every process. Each process ({@link CreateRace}) creates the
 * tables' database and {@value #TABLES} tables, each at an agreed moment, so that the processes race on every one.
 * The processes start their sessions at the same moment on the new metastore, so that they race on Hive's first use
 * too (its tables, the {@code default} database). Without Hive's unique keys (JdbcMetastore.ensureUniqueKeys) it
 * failed: the database was registered twice, and every lookup in it failed from then on; without the lock around the
 * first use (JdbcMetastore.initialize) it failed now and then with {@code default} registered twice.
 */
class SharedMetastoreCreationIT {
    private static final int PROCESSES = 2;
    private static final int TABLES = 6;

    @RegisterExtension
    static final PostgresServerExtension PG = new PostgresServerExtension();

    @TempDir
    static Path tmp;

    @BeforeAll
    static void database() throws Exception {
        PG.createDatabase("metastore");
    }

    @Test
    void processesCreatingTheSameTablesAtOnceEachEndWellAndTheCatalogHoldsEachOnce() throws Exception {
        Path warehouse = tmp.resolve("warehouse");
        List<Process> running = new ArrayList<>();
        for (int w = 0; w < PROCESSES; w++) {
            running.add(ChildJvm.start(tmp.resolve("writer" + w), Map.of("INGOT_TEST_PG_PASSWORD", PG.password()),
                    CreateRace.class.getName(), warehouse.toString(), PG.url("metastore"), Integer.toString(w),
                    tmp.resolve("barrier").toString(), "3", Integer.toString(TABLES), Integer.toString(PROCESSES)));
        }
        List<String> outs = new ArrayList<>();
        try {
            for (int w = 0; w < PROCESSES; w++) {
                Process p = running.get(w);
                boolean ended = p.waitFor(4, TimeUnit.MINUTES);
                Path dir = tmp.resolve("writer" + w);
                String out = ChildJvm.read(dir, "out.txt");
                System.out.println("writer " + w + ":\n" + out);
                outs.add(out);
                assertThat(ended).as("writer %d ended", w).isTrue();
                assertThat(p.exitValue()).as("writer %d: %s\n%s", w, out, tail(ChildJvm.read(dir, "err.txt")))
                        .isZero();
            }
        } finally {
            running.forEach(Process::destroyForcibly); // a writer waiting for a dead one would wait forever
        }

        try (Connection c = DriverManager.getConnection(PG.url("metastore"), PostgresServerExtension.USER,
                PG.password()); Statement s = c.createStatement()) {
            assertThat(rows(s, "SELECT \"NAME\", count(*) FROM \"DBS\" GROUP BY \"NAME\" HAVING count(*) > 1"))
                    .as("databases registered twice").isEmpty();
            assertThat(rows(s, "SELECT \"TBL_NAME\", count(*) FROM \"TBLS\" GROUP BY \"TBL_NAME\", \"DB_ID\""
                    + " HAVING count(*) > 1")).as("tables registered twice").isEmpty();
            assertThat(rows(s, "SELECT \"TBL_NAME\" FROM \"TBLS\" t JOIN \"DBS\" d ON t.\"DB_ID\" = d.\"DB_ID\""
                    + " WHERE d.\"NAME\" = 'race'")).as("every table registered").hasSize(TABLES);
        }
        List<String> expected = new ArrayList<>();
        for (long w = 0; w < PROCESSES; w++) {
            expected.addAll(List.of(w * 1000 + "", w * 1000 + 1 + "", w * 1000 + 2 + ""));
        }
        for (String out : outs) {
            for (int i = 0; i < TABLES; i++) {
                assertThat(out).as("race.t%d, read through the catalog: every process's rows, once", i)
                        .contains("read " + i + " " + String.join(",", expected) + "\n");
            }
        }
    }

    private static List<String> rows(Statement s, String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (ResultSet r = s.executeQuery(sql)) {
            while (r.next()) {
                out.add(r.getString(1));
            }
        }
        return out;
    }

    private static String tail(String text) {
        return text.length() < 6000 ? text : text.substring(text.length() - 6000);
    }
}
