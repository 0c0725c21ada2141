"""The peer of `ingot score` in the score benchmark (docs/benchmarks.md): MLflow's `mlflow.pyfunc.spark_udf` on
PySpark 3.5 serving the same ONNX model, read from and written to Delta. ScoreBench runs it in the environment of
`python/venv.sh bench`:

    spark_udf_bench.py prepare --onnx GBT.onnx --model-dir DIR
        saves the model as an MLflow model of the onnx flavor (mlflow.onnx.save_model) in DIR;
    spark_udf_bench.py serve --input DELTA_DIR --model-dir DIR --out DELTA_DIR --master local[2] --driver-memory 3072m
                             --shuffle-partitions 8 --jars delta-spark.jar,delta-storage.jar --date 2026-11-30
        starts PySpark, warms up on a slice of the input and prints READY; then for each line `run` on its standard
        input times one read, score and write of the whole input and prints `RESULT wall_s=... cpu_s=... rows=...`
        (CPU: this process and every process under it, the Spark JVM and its Python workers), until `quit`. One
        process serves every repetition, so that ScoreBench can interleave them with its own variants without paying
        a PySpark start each time.

MLflow's ONNX pyfunc feeds each DataFrame column to the input of its name as a 1-D array and flattens every output
with reshape(-1). Ingot's converter gives the model [N,1] inputs and a [N,2] probability, so `prepare` adapts the
graph's edges only: each input becomes [N] followed by an Unsqueeze to [N,1], and a Gather picks the probability of
class 1 as a 1-D output beside the label. The trees and every other node are the converter's, unchanged. The session
runs one intra-op thread per Python worker, as Ingot's sessions do per task.
"""
import argparse
import os
import sys
import time


def prepare(args):
    import mlflow.onnx
    import onnx
    from onnx import TensorProto, helper

    model = onnx.load(args.onnx)
    graph = model.graph
    nodes = []
    inputs = []
    for i in graph.input:
        wide = i.name + "__n1"
        for node in graph.node:
            for k, name in enumerate(node.input):
                if name == i.name:
                    node.input[k] = wide
        elem = i.type.tensor_type.elem_type
        inputs.append(helper.make_tensor_value_info(i.name, elem, ["N"]))
        nodes.append(helper.make_node("Unsqueeze", [i.name, "__axis1"], [wide]))
    graph.initializer.extend([
        helper.make_tensor("__axis1", TensorProto.INT64, [1], [1]),
        helper.make_tensor("__index1", TensorProto.INT64, [], [1]),
    ])
    label = next(o for o in graph.output if o.name == "label")
    outputs = [label, helper.make_tensor_value_info("probability_1", TensorProto.DOUBLE, ["N"])]
    # Topological order: the Unsqueezes first, the converter's nodes, then the Gather of their probability.
    all_nodes = nodes + list(graph.node) + [
        helper.make_node("Gather", ["probability", "__index1"], ["probability_1"], axis=1)]
    del graph.node[:]
    graph.node.extend(all_nodes)
    del graph.input[:]
    graph.input.extend(inputs)
    del graph.output[:]
    graph.output.extend(outputs)
    onnx.checker.check_model(model)
    mlflow.onnx.save_model(model, args.model_dir, onnx_execution_providers=["CPUExecutionProvider"],
                           onnx_session_options={"intra_op_num_threads": 1, "inter_op_num_threads": 1})
    print("prepared", args.model_dir)


def tree_cpu_seconds(root):
    """CPU seconds of `root` and every live process under it, plus what their finished children used."""
    ticks = os.sysconf("SC_CLK_TCK")
    parent = {}
    times = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        parent[int(pid)] = int(fields[1])
        times[int(pid)] = sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    total = 0
    for pid in times:
        p = pid
        while p and p != root and p in parent:
            p = parent[p]
        if p == root:
            total += times[pid]
    return total / ticks


def serve(args):
    import mlflow.pyfunc
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    # The Python workers must run this environment's interpreter (pandas, mlflow, onnxruntime), not python3's.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    spark = (SparkSession.builder.master(args.master).appName("ingot-bench-spark-udf")
             .config("spark.driver.memory", args.driver_memory)
             .config("spark.jars", args.jars)
             .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
             .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
             .config("spark.sql.shuffle.partitions", args.shuffle_partitions)
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("WARN")
    predict = mlflow.pyfunc.spark_udf(spark, model_uri=args.model_dir, result_type="label long, probability_1 double",
                                      env_manager="local")
    with open(os.path.join(args.model_dir, "model.onnx"), "rb") as f:
        import hashlib
        sha256 = hashlib.sha256(f.read()).hexdigest()

    def score_and_write(df, out):
        features = [c for c in df.columns if c != "id"]
        scored = df.withColumn("_s", predict(F.struct(*features)))
        p = F.col("_s.probability_1")
        (scored.select(
            "id", F.col("_s.label").alias("label"), p.alias("probability"), F.array(F.lit(1.0) - p, p).alias("probabilities"),
            F.lit("gbt").alias("model_name"), F.lit(None).cast("bigint").alias("model_version"),
            F.lit(None).cast("string").alias("model_run_id"), F.lit(sha256).alias("model_sha256"),
            F.current_timestamp().alias("scored_at"), F.lit(args.date).cast("date").alias("score_date"))
         .write.format("delta").mode("overwrite").partitionBy("score_date").save(out))

    # Warm-up: the Python workers, the model loaded in each, Spark's generated code.
    score_and_write(spark.read.format("delta").load(args.input).limit(20000), args.out + "_warmup")
    print("READY", flush=True)
    for line in sys.stdin:
        if line.strip() == "quit":
            break
        cpu0 = tree_cpu_seconds(os.getpid())
        t0 = time.monotonic()
        score_and_write(spark.read.format("delta").load(args.input), args.out)
        wall = time.monotonic() - t0
        cpu = tree_cpu_seconds(os.getpid()) - cpu0
        rows = spark.read.format("delta").load(args.out).count()
        print(f"RESULT wall_s={wall:.3f} cpu_s={cpu:.3f} rows={rows}", flush=True)
    spark.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--onnx", required=True)
    p.add_argument("--model-dir", required=True)
    r = sub.add_parser("serve")
    for a in ("--input", "--model-dir", "--out", "--master", "--driver-memory", "--shuffle-partitions", "--jars", "--date"):
        r.add_argument(a, required=True)
    args = parser.parse_args()
    prepare(args) if args.cmd == "prepare" else serve(args)


if __name__ == "__main__":
    main()
