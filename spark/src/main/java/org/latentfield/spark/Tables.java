package org.latentfield.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.latentfield.dynamics.FixedPointResult;

/**
 * The Parquet tables of a Spark run. The per-start table ({@link #result}): {@code start} (long,
 * the start's index), {@code iterations}, {@code evaluations} (int), {@code state}
 * ("converged", "not_converged", "diverged"), {@code residual} (float, ||f(z) - z|| at the last
 * evaluation), {@code basin} (int, the attractor's index in summary.json, -1 for none) and,
 * unless {@code --keep summary}, {@code endpoint} (array of double: the endpoint, float64 as
 * iterated).
 */
final class Tables {
    private Tables() {}

    private static List<StructField> common() {
        List<StructField> f = new ArrayList<>();
        f.add(DataTypes.createStructField("start", DataTypes.LongType, false));
        f.add(DataTypes.createStructField("iterations", DataTypes.IntegerType, false));
        f.add(DataTypes.createStructField("evaluations", DataTypes.IntegerType, false));
        f.add(DataTypes.createStructField("state", DataTypes.StringType, true));
        f.add(DataTypes.createStructField("residual", DataTypes.FloatType, false));
        return f;
    }

    /** Pass 1: the common columns, the partition, the local id, the endpoint and the summary (one row per partition, start -1). */
    static StructType pass1() {
        List<StructField> f = common();
        f.add(DataTypes.createStructField("partition", DataTypes.IntegerType, false));
        f.add(DataTypes.createStructField("local_id", DataTypes.IntegerType, false));
        f.add(DataTypes.createStructField("endpoint", DataTypes.createArrayType(DataTypes.DoubleType, false), true));
        f.add(DataTypes.createStructField("summary", DataTypes.StringType, true));
        return DataTypes.createStructType(f);
    }

    static StructType result(boolean endpoints) {
        List<StructField> f = common();
        f.add(DataTypes.createStructField("basin", DataTypes.IntegerType, false));
        if (endpoints) {
            f.add(DataTypes.createStructField("endpoint", DataTypes.createArrayType(DataTypes.DoubleType, false), false));
        }
        return DataTypes.createStructType(f);
    }

    static Row pass1Row(int partition, long start, FixedPointResult r, int row, int id, int k, boolean endpoints) {
        double[] end = null;
        if (endpoints) {
            end = new double[k];
            for (int j = 0; j < k; j++) {
                end[j] = r.endpoints64() != null ? r.endpoints64()[row * k + j] : r.endpoints().data()[row * k + j];
            }
        }
        return RowFactory.create(start, r.iterations()[row], r.evaluations()[row], PartitionTask.state(r, row),
                (float) Math.sqrt(r.finalStepSq()[row]), partition, id, end, null);
    }

    static Row summaryRow(int partition, String json) {
        return RowFactory.create(-1L, 0, 0, null, 0f, partition, -1, null, json);
    }

    /** Pass 2: a pass-1 row with its basin. */
    static final class ToBasin implements Function<Row, Row> {
        private final Broadcast<int[][]> basins;
        private final boolean endpoints;

        ToBasin(Broadcast<int[][]> basins, boolean endpoints) {
            this.basins = basins;
            this.endpoints = endpoints;
        }

        @Override
        public Row call(Row r) {
            int partition = r.getInt(r.fieldIndex("partition"));
            int id = r.getInt(r.fieldIndex("local_id"));
            int basin = id < 0 ? -1 : basins.value()[partition][id];
            Object[] values = new Object[endpoints ? 7 : 6];
            values[0] = r.getLong(0);
            values[1] = r.getInt(1);
            values[2] = r.getInt(2);
            values[3] = r.getString(3);
            values[4] = r.getFloat(4);
            values[5] = basin;
            if (endpoints) {
                values[6] = r.getList(r.fieldIndex("endpoint")).stream().mapToDouble(v -> (Double) v).toArray();
            }
            return RowFactory.create(values);
        }
    }
}
