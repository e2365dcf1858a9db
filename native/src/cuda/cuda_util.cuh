// Helpers shared by the CUDA twins: status conversion, device checks, stream casts and
// stream-ordered scratch buffers.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "../cpu/lf_error.hpp"

namespace lf::cuda {

// Why no CUDA device can be used, from the error cudaGetDeviceCount (or any first call) gave. An
// old driver is named as such: liblf carries the CUDA 13 runtime, which needs an R580 or newer
// driver, and on an older one every call fails as if there were no GPU.
inline std::string no_device_reason(cudaError_t err) {
    if (err == cudaErrorInsufficientDriver) {
        int driver = 0;
        (void)cudaDriverGetVersion(&driver);
        if (driver == 0) return "no CUDA device is available (no NVIDIA driver is loaded)";
        return "the NVIDIA driver is too old for liblf's CUDA " + std::to_string(CUDART_VERSION / 1000) + "." +
               std::to_string(CUDART_VERSION % 1000 / 10) + " runtime (needs R580 or newer; the driver supports CUDA " +
               std::to_string(driver / 1000) + "." + std::to_string(driver % 1000 / 10) + ")";
    }
    if (err == cudaErrorNoDevice || err == cudaSuccess) return "no CUDA device is available";
    return std::string("no usable CUDA device: ") + cudaGetErrorString(err);
}

inline bool is_no_device(cudaError_t err) {
    return err == cudaErrorNoDevice || err == cudaErrorInsufficientDriver || err == cudaErrorInitializationError;
}

// Failures that mean "there is no usable device" become LF_ERR_NO_DEVICE (as lf.h promises for
// every CUDA entry point), the rest LF_ERR_CUDA.
inline void check(cudaError_t err, const char* what) {
    if (err != cudaSuccess) {
        (void)cudaGetLastError();
        if (is_no_device(err)) throw status_error(LF_ERR_NO_DEVICE, std::string(what) + ": " + no_device_reason(err));
        throw status_error(LF_ERR_CUDA, std::string(what) + ": " + cudaGetErrorString(err));
    }
}

// Throws LF_ERR_NO_DEVICE unless a CUDA device is visible, saying why not.
inline void require_device() {
    int n = 0;
    const cudaError_t err = cudaGetDeviceCount(&n);
    if (err != cudaSuccess || n == 0) {
        (void)cudaGetLastError();
        throw status_error(LF_ERR_NO_DEVICE, no_device_reason(err));
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
