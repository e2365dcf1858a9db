#!/usr/bin/env bash
# The CUDA checks in one call, for a GPU machine with nvcc, CMake and (for the cuBLAS provider)
# PyTorch's CUDA wheels, but no Java and no network. Usage: benchmarks/gpu/run.sh OUT_DIR
#
# What it does, writing every log into OUT_DIR (summary.txt first):
#   1. the machine: nvidia-smi (GPU, driver), nvcc, cmake, the cuBLAS it finds;
#   2. builds native/ for sm_90 (LF_ENABLE_CUDA=ON: no silent CPU-only build);
#   3. ctest: every CUDA twin against its CPU reference. Where nvidia-smi sees a GPU,
#      LF_REQUIRE_CUDA=1 makes a twin that cannot reach the device fail instead of printing
#      SKIPPED (liblf carries the CUDA 13 runtime, which needs an R580+ driver);
#   4. the native timing driver (lf_bench) with the built-in CUDA GEMM and with cuBLAS;
#   5. the shipped fmnist-conv-k16 (exported by export_net.py, checked against the module) on
#      1024 N(0, I) starts: PyTorch peers on the GPU (peers.py: the naive whole-batch loop, the
#      torch.compile'd and the CUDA-graph one), liblf's network engine (lf_bench netfile; CPU
#      until the engine has its CUDA twin), and their endpoints and iteration counts compared.
# Exit status: 0 when the build and every test passed, 1 otherwise (the logs say which).
set -uo pipefail
out="${1:?usage: benchmarks/gpu/run.sh OUT_DIR}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
summary="$out/summary.txt"
: > "$summary"
say() { echo "$*" | tee -a "$summary"; }
status=0

say "# latentfield GPU checks, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
gpu_seen=0
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L > "$out/nvidia-smi.txt" 2>&1; then
  gpu_seen=1
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv >> "$out/nvidia-smi.txt" 2>&1
  say "gpu: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | head -1) (name, driver)"
else
  say "gpu: nvidia-smi sees none"
fi
say "nvcc: $(nvcc --version 2>/dev/null | tail -1 || echo missing)"
say "cmake: $(cmake --version | head -1)"

# cuBLAS: the toolkit's, else the one PyTorch's CUDA wheels bring (nvidia-cublas)
cublas="${LF_CUBLAS:-}"
if [ -z "$cublas" ]; then
  for c in /usr/local/cuda/lib64/libcublas.so* \
           $(python3 -c 'import nvidia.cublas, os; print(os.path.dirname(nvidia.cublas.__file__) + "/lib")' 2>/dev/null)/libcublas.so*; do
    if [ -f "$c" ]; then cublas="$c"; break; fi
  done
fi
say "cublas: ${cublas:-not found (lf_bench runs with the built-in GEMM only)}"

build="$out/build"
say "## build (sm_90)"
if cmake -S "$root/native" -B "$build" -DCMAKE_BUILD_TYPE=Release -DLF_ENABLE_CUDA=ON -DLF_CUDA_ARCHITECTURES=90 \
     > "$out/configure.log" 2>&1 && cmake --build "$build" -j "$(nproc)" > "$out/build.log" 2>&1; then
  say "build: ok"
else
  say "build: FAILED (configure.log, build.log)"
  tail -30 "$out/build.log" "$out/configure.log" 2>/dev/null | tee -a "$summary"
  exit 1
fi

say "## ctest (LF_REQUIRE_CUDA=$gpu_seen)"
if (cd "$build" && LF_REQUIRE_CUDA=$gpu_seen ctest --output-on-failure -V > "$out/ctest.log" 2>&1); then
  say "ctest: all passed"
else
  say "ctest: FAILED (ctest.log)"
  status=1
fi
grep -E "^[0-9]+: (CUDA parity|SKIPPED|FAIL)" "$out/ctest.log" | sed 's/^[0-9]*: //' | sort | uniq -c | tee -a "$summary"
grep -E "tests passed|tests failed" "$out/ctest.log" | tee -a "$summary"

say "## lf_bench"
"$build/bin/lf_bench" all > "$out/lf_bench_builtin.txt" 2>&1 || { say "lf_bench (built-in GEMM): FAILED"; status=1; }
grep -i cuda "$out/lf_bench_builtin.txt" | head -20 | tee -a "$summary"
if [ -n "$cublas" ]; then
  LF_CUBLAS="$cublas" "$build/bin/lf_bench" all > "$out/lf_bench_cublas.txt" 2>&1 || { say "lf_bench (cuBLAS): FAILED"; status=1; }
  grep -i cuda "$out/lf_bench_cublas.txt" | head -20 | tee -a "$summary"
fi
say "## fmnist-conv-k16: liblf's network engine and the PyTorch peers (1024 N(0, I) starts)"
peers="$out/peers-k16"
mkdir -p "$peers"
blas="${LF_BLAS:-$(ls /usr/lib/x86_64-linux-gnu/libopenblas.so.0 2>/dev/null | head -1)}"
if python3 "$root/benchmarks/gpu/export_net.py" "$root/models/fmnist-conv-k16.pt" "$out/k16.lfnet" >> "$summary" 2>&1 \
   && python3 "$root/benchmarks/gpu/peers.py" run "$root/models/fmnist-conv-k16.pt" "$peers" --starts 1024 > "$out/peers.log" 2>&1 \
   && env ${blas:+LF_BLAS="$blas"} "$build/bin/lf_bench" netfile "$out/k16.lfnet" "$peers" > "$out/netfile.txt" 2>&1 \
   && python3 "$root/benchmarks/gpu/peers.py" compare "$peers" > "$out/parity.log" 2>&1; then
  cat "$peers/peers.txt" "$out/netfile.txt" "$peers/parity.txt" | tee -a "$summary"
else
  say "conv engine vs peers: FAILED (peers.log, netfile.txt, parity.log)"
  tail -20 "$out/peers.log" "$out/netfile.txt" "$out/parity.log" 2>/dev/null | tee -a "$summary"
  status=1
fi
say "exit status $status"
exit $status
