#!/usr/bin/env bash
# Side by side: liblf's native timing driver and its scikit-learn / PyTorch peers on the same
# workloads. Needs a configured native build (cmake -S native -B BUILD) and Debian's
# python3-sklearn and python3-torch. Usage: run_native_vs_peers.sh BUILD_DIR [--quick]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:?usage: run_native_vs_peers.sh BUILD_DIR [--quick]}"
shift
cmake --build "$build" --target lf_bench -j >/dev/null
# liblf's CPU GEMM: the OpenBLAS the JavaCPP preset ships (the one the JVM hands it), when found
if [ -z "${LF_BLAS:-}" ]; then
  jar=$(ls ~/.m2/repository/org/bytedeco/openblas/*/openblas-*-linux-x86_64.jar 2>/dev/null | head -1 || true)
  if [ -n "$jar" ]; then
    dir=$(mktemp -d)
    (cd "$dir" && unzip -q -o "$jar" 'org/bytedeco/openblas/linux-x86_64/*')
    export LF_BLAS="$dir/org/bytedeco/openblas/linux-x86_64/libopenblas.so.0"
  fi
fi
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
"$build/bin/lf_bench" all "$@"
/usr/bin/python3 "$here/native_peers.py" "$@"
