// Helpers shared by the CUDA twins: status conversion, device checks, stream casts and
// stream-ordered scratch buffers.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "../cpu/lf_error.hpp"

namespace lf::cuda {

inline void check(cudaError_t err, const char* what) {
    if (err != cudaSuccess) {
        (void)cudaGetLastError();
        throw status_error(LF_ERR_CUDA, std::string(what) + ": " + cudaGetErrorString(err));
    }
}

// Throws LF_ERR_NO_DEVICE unless a CUDA device is visible.
inline void require_device() {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess || n == 0) {
        (void)cudaGetLastError();
        throw status_error(LF_ERR_NO_DEVICE, "no CUDA device is available");
    }
}

inline cudaStream_t as_stream(void* stream) { return static_cast<cudaStream_t>(stream); }

// A device buffer allocated and freed in stream order (freed when the scope ends).
template <typename T>
class Scratch {
public:
    Scratch(size_t count, cudaStream_t stream) : stream_(stream) {
        if (count > 0) check(cudaMallocAsync(reinterpret_cast<void**>(&ptr_), count * sizeof(T), stream), "cudaMallocAsync");
    }
    ~Scratch() {
        if (ptr_ != nullptr) (void)cudaFreeAsync(ptr_, stream_);
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    T* get() const { return ptr_; }

private:
    T* ptr_ = nullptr;
    cudaStream_t stream_;
};

inline unsigned blocks_for(int64_t n, unsigned threads) {
    return static_cast<unsigned>((n + threads - 1) / threads);
}

// For the kernels that run one item (matrix, system, row) per thread with `per` doubles of
// scratch each in global memory: launch(i0, count, work) over [0, n) in chunks whose scratch
// stays within 1 GiB (2^27 doubles), one buffer for all chunks, freed in stream order.
template <typename Launch>
void for_each_scratch_chunk(int64_t n, int64_t per, cudaStream_t stream, Launch&& launch) {
    if (n <= 0) return;
    const int64_t chunk = std::max<int64_t>(1, std::min<int64_t>(n, (int64_t{1} << 27) / std::max<int64_t>(per, 1)));
    Scratch<double> work(static_cast<size_t>(chunk * per), stream);
    for (int64_t i0 = 0; i0 < n; i0 += chunk) launch(i0, std::min(chunk, n - i0), work.get());
}

// C (m x n) = A (m x k) * B^T (B: n x k), all row-major on the device, on the stream:
// cuBLAS when lf_cublas_open succeeded, else a tiled kernel.
void gemm_nt(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
             int64_t ldc, cudaStream_t stream);

}  // namespace lf::cuda
