#!/usr/bin/env bash
# W5 (issue 14): streaming attractor mining is linear in time and flat in memory.
# Runs `latentfield attractors` on N noise starts for each N given, each in its own JVM under
# /usr/bin/time, and prints a table: wall time, peak resident memory, time per start, and the
# run's attractor statistics (which must agree across N).
#
# usage: benchmarks/streaming/w5.sh OUTDIR [MODEL] [CAP] [N ...]
#   defaults: models/mnist-mlp-k2.pt, cap 500, N = 100000 1000000 10000000
#   LATENTFIELD_JAVA_OPTS (default here -Xmx512m) sets the JVM's options.
set -euo pipefail
out=${1:?usage: w5.sh OUTDIR [MODEL] [CAP] [N ...]}
model=${2:-models/mnist-mlp-k2.pt}
cap=${3:-500}
shift $(( $# < 3 ? $# : 3 ))
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000 10000000)
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
export LATENTFIELD_JAVA_OPTS=${LATENTFIELD_JAVA_OPTS:--Xmx512m}
for n in "${sizes[@]}"; do
  echo "W5: $n starts of $model, cap $cap ..." >&2
  /usr/bin/time -f "%e %M" -o "$out/time-$n.txt" "$root/latentfield" attractors --model "$model" --samples "$n" --max-iter "$cap" \
      --engine native --keep summary --json --out "$out/run-$n" > "$out/summary-$n.json" 2> "$out/log-$n.txt"
done
python3 - "$out" "${sizes[@]}" <<'PY'
import json, sys
out, sizes = sys.argv[1], sys.argv[2:]
print("| starts | wall s | peak RSS MiB | us per start | chunks | converged | attractors | basin sizes (top 3) | mean iterations | point-it/s |")
print("|---|---|---|---|---|---|---|---|---|---|")
for n in sizes:
    wall, rss = open(f"{out}/time-{n}.txt").read().split()[-2:]
    text = open(f"{out}/summary-{n}.json").read()
    s = json.loads(text[text.index("{"):])
    top = [a["basin_size"] for a in s["attractors"][:3]]
    print(f"| {int(n):,} | {float(wall):.1f} | {int(rss)/1024:.0f} | {float(wall)/int(n)*1e6:.1f} | {s['settings']['chunks']} | {s['converged']:,} |"
          f" {s['attractor_count']} | {top} | {s['iterations']['mean']:.2f} | {s['timing']['point_iterations_per_second']:,.0f} |")
PY
