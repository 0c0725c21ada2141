package dev.ingot.core.internal;

import io.delta.kernel.Scan;
import io.delta.kernel.Snapshot;
import io.delta.kernel.Table;
import io.delta.kernel.data.ColumnVector;
import io.delta.kernel.data.ColumnarBatch;
import io.delta.kernel.data.FilteredColumnarBatch;
import io.delta.kernel.defaults.engine.DefaultEngine;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.internal.InternalScanFileUtils;
import io.delta.kernel.internal.data.ScanStateRow;
import io.delta.kernel.internal.util.Utils;
import io.delta.kernel.types.BooleanType;
import io.delta.kernel.types.DataType;
import io.delta.kernel.types.DateType;
import io.delta.kernel.types.DoubleType;
import io.delta.kernel.types.IntegerType;
import io.delta.kernel.types.LongType;
import io.delta.kernel.types.StringType;
import io.delta.kernel.types.StructType;
import io.delta.kernel.types.TimestampType;
import io.delta.kernel.utils.CloseableIterator;
import io.delta.kernel.utils.FileStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Every row of a small Delta table, read in this JVM by Delta Kernel (Delta's own reader library, no Spark job): the
 * latest snapshot from the table's log (checkpoint and commits), its data files, their deletion vectors and column
 * mapping applied by Kernel. For Ingot's bookkeeping tables (the local tracking store's runs, versions and aliases),
 * which hold hundreds of rows and are read many times per command: Spark's read of such a table is two jobs (Delta's
 * file listing, then the scan) plus planning, about 0.2 s each time in a warm JVM; this is milliseconds.
 *
 * <p>Rows are positional, in the table's column order, with the Java types Spark's {@code collect} gives: String,
 * Long, Integer, Double, Boolean, {@link Timestamp} and {@link Date}; a column of another type is refused.
 *
 * <pre>{@code
 * SmallDeltaTables tables = SmallDeltaTables.of(spark.sparkContext().hadoopConfiguration());
 * for (Row r : tables.rows("file:/warehouse/ml.db/model_aliases")) { ... }
 * }</pre>
 */
public final class SmallDeltaTables {
    private final Engine engine;

    private SmallDeltaTables(Engine engine) {
        this.engine = engine;
    }

    /** A reader over the file systems of {@code hadoopConf} (the session's: its credentials, its file: system). */
    public static SmallDeltaTables of(Configuration hadoopConf) {
        return new SmallDeltaTables(DefaultEngine.create(new Configuration(hadoopConf)));
    }

    /**
     * A data file of a table version, as its {@code add} action in the log names it.
     *
     * @param path the action's path (relative to the table, URL-encoded, as written in the log)
     * @param deletionVector whether rows of it are deleted by a deletion vector
     */
    public record DataFile(String path, long size, Map<String, String> partitionValues, boolean deletionVector) {}

    /** The rows of a table version and the data files they are in. */
    public record Contents(List<Row> rows, List<DataFile> files) {}

    /** Every row of the latest version of the Delta table at {@code location}. */
    public List<Row> rows(String location) {
        return read(location, Table.forPath(engine, location).getLatestSnapshot(engine)).rows();
    }

    /** Every row of version {@code version} of the Delta table at {@code location}, and its data files. */
    public Contents read(String location, long version) {
        return read(location, Table.forPath(engine, location).getSnapshotAsOfVersion(engine, version));
    }

    private Contents read(String location, Snapshot snapshot) {
        StructType schema = snapshot.getSchema(engine);
        Scan scan = snapshot.getScanBuilder(engine).build();
        io.delta.kernel.data.Row state = scan.getScanState(engine);
        StructType physical = ScanStateRow.getPhysicalDataReadSchema(engine, state);
        List<Row> out = new ArrayList<>();
        List<DataFile> dataFiles = new ArrayList<>();
        try (CloseableIterator<FilteredColumnarBatch> files = scan.getScanFiles(engine)) {
            while (files.hasNext()) {
                try (CloseableIterator<io.delta.kernel.data.Row> scanFiles = files.next().getRows()) {
                    while (scanFiles.hasNext()) {
                        io.delta.kernel.data.Row scanFile = scanFiles.next();
                        dataFiles.add(dataFile(scanFile));
                        CloseableIterator<FileStatus> file =
                                Utils.singletonCloseableIterator(InternalScanFileUtils.getAddFileStatus(scanFile));
                        try (CloseableIterator<FilteredColumnarBatch> data = Scan.transformPhysicalData(engine, state,
                                scanFile, engine.getParquetHandler().readParquetFiles(file, physical, Optional.empty()))) {
                            while (data.hasNext()) {
                                add(data.next(), schema, out);
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("read the Delta table at " + location, e);
        }
        return new Contents(out, dataFiles);
    }

    private static DataFile dataFile(io.delta.kernel.data.Row scanFile) {
        io.delta.kernel.data.Row add = scanFile.getStruct(InternalScanFileUtils.ADD_FILE_ORDINAL);
        StructType a = add.getSchema();
        int dv = a.indexOf("deletionVector");
        return new DataFile(add.getString(a.indexOf("path")), add.getLong(a.indexOf("size")),
                InternalScanFileUtils.getPartitionValues(scanFile), dv >= 0 && !add.isNullAt(dv));
    }

    private static void add(FilteredColumnarBatch batch, StructType schema, List<Row> out) {
        ColumnarBatch data = batch.getData();
        ColumnVector[] columns = new ColumnVector[schema.length()];
        for (int c = 0; c < columns.length; c++) {
            columns[c] = data.getColumnVector(data.getSchema().indexOf(schema.at(c).getName()));
        }
        Optional<ColumnVector> selected = batch.getSelectionVector();
        for (int r = 0; r < data.getSize(); r++) {
            if (selected.isPresent() && (selected.get().isNullAt(r) || !selected.get().getBoolean(r))) {
                continue; // deleted by a deletion vector
            }
            Object[] values = new Object[columns.length];
            for (int c = 0; c < columns.length; c++) {
                values[c] = value(columns[c], r, schema.at(c).getName());
            }
            out.add(RowFactory.create(values));
        }
    }

    private static Object value(ColumnVector v, int r, String column) {
        if (v.isNullAt(r)) {
            return null;
        }
        DataType t = v.getDataType();
        if (t instanceof StringType) {
            return v.getString(r);
        } else if (t instanceof LongType) {
            return v.getLong(r);
        } else if (t instanceof IntegerType) {
            return v.getInt(r);
        } else if (t instanceof DoubleType) {
            return v.getDouble(r);
        } else if (t instanceof BooleanType) {
            return v.getBoolean(r);
        } else if (t instanceof TimestampType) {
            long micros = v.getLong(r);
            Timestamp ts = new Timestamp(Math.floorDiv(micros, 1000L));
            ts.setNanos((int) Math.floorMod(micros, 1_000_000L) * 1000);
            return ts;
        } else if (t instanceof DateType) {
            return Date.valueOf(java.time.LocalDate.ofEpochDay(v.getInt(r)));
        }
        throw new IllegalArgumentException("column " + column + " has type " + t + ", which this reader does not "
                + "convert (string, bigint, int, double, boolean, timestamp and date only)");
    }
}
