#!/usr/bin/env bash
# Issue 14: throughput of attractor mining through Spark against the single-machine CLI, same
# starts, same cores: the CLI, --spark local[1], --spark local[2], and a standalone master with
# two 1-core workers on localhost (started here from the spark module's class path, stopped at
# the end). Prints a table of wall time, point-iterations/s and the attractor statistics.
#
# usage: benchmarks/streaming/spark.sh OUTDIR [MODEL] [SAMPLES] [CAP] [PARTITIONS]
#   defaults: models/mnist-mlp-k2.pt, 100000 starts, cap 500, 8 partitions
set -euo pipefail
out=${1:?usage: spark.sh OUTDIR [MODEL] [SAMPLES] [CAP] [PARTITIONS]}
model=${2:-models/mnist-mlp-k2.pt}
n=${3:-100000}
cap=${4:-500}
parts=${5:-8}
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
lf="$root/latentfield"
(cd "$root" && mvn -B -q package -DskipTests -pl spark -am) >&2
common=(attractors --model "$model" --samples "$n" --max-iter "$cap" --keep summary --json)

run() { # label, args...
  local label=$1; shift
  echo "spark.sh: $label ..." >&2
  rm -rf "$out/run-$label"
  /usr/bin/time -f "%e %M" -o "$out/time-$label.txt" "$lf" "${common[@]}" "$@" --out "$out/run-$label" \
      > "$out/summary-$label.json" 2> "$out/log-$label.txt"
}

run cli
run local1 --spark 'local[1]' --partitions "$parts"
run local2 --spark 'local[2]' --partitions "$parts"

# a standalone cluster: master + 2 workers of 1 core, each its own JVM
cp="$root/spark/target/lib/*"
home=$(mktemp -d); mkdir -p "$home/jars" "$home/work"
port=$((20000 + RANDOM % 20000)); ui=$((port + 1))
export SPARK_HOME=$home SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1
pids=()
java -Xmx256m -cp "$cp" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port $port --webui-port $ui > "$out/master.log" 2>&1 &
pids+=($!)
trap 'kill "${pids[@]}" 2>/dev/null; wait; rm -rf "$home"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$ui/json/" | grep -q '"status" : "ALIVE"' && break; sleep 0.3; done
for w in 0 1; do
  java -Xmx256m -cp "$cp" org.apache.spark.deploy.worker.Worker spark://127.0.0.1:$port --host 127.0.0.1 --port 0 --webui-port 0 \
      --cores 1 --memory 2g --work-dir "$home/work" > "$out/worker$w.log" 2>&1 &
  pids+=($!)
done
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$ui/json/" | grep -q '"aliveworkers" : 2' && break; sleep 0.3; done
jar=$(ls "$root"/java/target/latentfield-*-SNAPSHOT.jar | head -1)
ecp="$jar:$root/java/target/lib/*:$root/spark/target/latentfield-spark-0.1.0-SNAPSHOT.jar:$root/spark/target/lib/*"
LATENTFIELD_JAVA_OPTS="-Xmx2g -Dspark.driver.host=127.0.0.1 -Dspark.driver.bindAddress=127.0.0.1 -Dspark.executor.memory=1g \
  -Dspark.executor.cores=1 -Dspark.cores.max=2 -Dspark.scheduler.minRegisteredResourcesRatio=1.0 \
  -Dspark.scheduler.maxRegisteredResourcesWaitingTime=120s -Dspark.executor.extraClassPath=$ecp" \
  run standalone2 --spark spark://127.0.0.1:$port --partitions "$parts"

python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
print("| run | wall s | peak RSS MiB (driver) | point-it/s (iteration) | converged | attractors | basin sizes | mean iterations |")
print("|---|---|---|---|---|---|---|---|")
base = None
for label in ["cli", "local1", "local2", "standalone2"]:
    wall, rss = open(f"{out}/time-{label}.txt").read().split()[-2:]
    text = open(f"{out}/summary-{label}.json").read()
    s = json.loads(text[text.index("{"):])
    base = base or float(wall)
    print(f"| {label} | {float(wall):.1f} ({float(wall)/base:.2f}x the CLI) | {int(rss)/1024:.0f} | {s['timing']['point_iterations_per_second']:,.0f} |"
          f" {s['converged']:,} | {s['attractor_count']} | {[a['basin_size'] for a in s['attractors'][:3]]} | {s['iterations']['mean']:.2f} |")
PY
