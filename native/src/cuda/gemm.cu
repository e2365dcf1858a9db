// CUDA GEMM: cuBLAS opened at run time (so liblf links no cuBLAS: the JavaCPP CUDA preset or
// the toolkit supplies it), falling back to a shared-memory tiled kernel.
#include <dlfcn.h>

#include <algorithm>
#include <mutex>

#include "../cpu/gemm.hpp"
#include "cuda_util.cuh"

namespace {

// The few cuBLAS v2 entry points used, declared here because the build machine's toolkit
// may hold no cuBLAS headers. Values of cublasOperation_t: N = 0, T = 1.
using handle_t = void*;
using create_fn = int (*)(handle_t*);
using destroy_fn = int (*)(handle_t);
using set_stream_fn = int (*)(handle_t, cudaStream_t);
using sgemm_fn = int (*)(handle_t, int, int, int, int, int, const float*, const float*, int, const float*, int,
                         const float*, float*, int);
constexpr int kOpN = 0, kOpT = 1;

std::mutex lock;
create_fn cublas_create = nullptr;
destroy_fn cublas_destroy = nullptr;
set_stream_fn cublas_set_stream = nullptr;
sgemm_fn cublas_sgemm = nullptr;
std::string cublas_path;

// One cuBLAS handle per host thread (cuBLAS's advice), made on the thread's first GEMM and
// destroyed when the thread ends, or when another cuBLAS library is opened (with the destroy
// function of the library that made it).
struct ThreadHandle {
    handle_t handle = nullptr;
    const void* owner = nullptr;  // the sgemm entry point it was made for
    destroy_fn destroy = nullptr;
    void reset() noexcept {
        if (handle != nullptr && destroy != nullptr) (void)destroy(handle);
        handle = nullptr;
        owner = nullptr;
        destroy = nullptr;
    }
    ~ThreadHandle() { reset(); }
};
thread_local ThreadHandle thread_handle;

constexpr int kTile = 16;
// The built-in kernel puts row tiles on gridDim.y, at most 65535 of them: longer matrices go in
// launches of this many rows.
constexpr int64_t kRowsPerLaunch = int64_t{65535} * kTile;

__global__ void gemm_nt_kernel(int64_t m, int64_t n, int64_t k, const float* __restrict__ a, int64_t lda,
                               const float* __restrict__ b, int64_t ldb, float* __restrict__ c, int64_t ldc) {
    __shared__ float as[kTile][kTile + 1];
    __shared__ float bs[kTile][kTile + 1];
    const int64_t row = blockIdx.y * int64_t{kTile} + threadIdx.y;
    const int64_t col = blockIdx.x * int64_t{kTile} + threadIdx.x;
    float acc = 0;
    for (int64_t l0 = 0; l0 < k; l0 += kTile) {
        const int64_t la = l0 + threadIdx.x;
        as[threadIdx.y][threadIdx.x] = (row < m && la < k) ? a[row * lda + la] : 0.0f;
        const int64_t brow = blockIdx.x * int64_t{kTile} + threadIdx.y;
        bs[threadIdx.y][threadIdx.x] = (brow < n && la < k) ? b[brow * ldb + la] : 0.0f;
        __syncthreads();
        for (int l = 0; l < kTile; ++l) acc += as[threadIdx.y][l] * bs[threadIdx.x][l];
        __syncthreads();
    }
    if (row < m && col < n) c[row * ldc + col] = acc;
}

}  // namespace

namespace lf {
std::string cuda_gemm_description() {
    std::lock_guard<std::mutex> hold(lock);
    return cublas_sgemm ? "cublas:" + cublas_path : "builtin";
}
}  // namespace lf

namespace lf::cuda {

void gemm_nt(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
             int64_t ldc, cudaStream_t stream) {
    if (m == 0 || n == 0) return;
    sgemm_fn sgemm;
    handle_t handle = nullptr;
    {
        std::lock_guard<std::mutex> hold(lock);
        sgemm = cublas_sgemm;
        if (sgemm != nullptr && thread_handle.owner != reinterpret_cast<const void*>(sgemm)) {
            thread_handle.reset();
            if (cublas_create(&thread_handle.handle) != 0) thread_handle.handle = nullptr;
            thread_handle.owner = reinterpret_cast<const void*>(sgemm);
            thread_handle.destroy = cublas_destroy;
        }
        handle = thread_handle.handle;
    }
    const int64_t limit = 2147483647;
    if (sgemm != nullptr && handle != nullptr && m < limit && n < limit && k < limit) {
        // Row-major C = A B^T is column-major C^T = B A^T: op(B)^T ... with B as the first operand.
        const float one = 1.0f, zero = 0.0f;
        if (cublas_set_stream(handle, stream) != 0) throw status_error(LF_ERR_CUDA, "cublasSetStream failed");
        const int status = sgemm(handle, kOpT, kOpN, static_cast<int>(n), static_cast<int>(m), static_cast<int>(k), &one,
                                 b, static_cast<int>(ldb), a, static_cast<int>(lda), &zero, c, static_cast<int>(ldc));
        if (status != 0) throw status_error(LF_ERR_CUDA, "cublasSgemm failed with status " + std::to_string(status));
        return;
    }
    const dim3 threads(kTile, kTile);
    for (int64_t r0 = 0; r0 < m; r0 += kRowsPerLaunch) {
        const int64_t rows = std::min(kRowsPerLaunch, m - r0);
        const dim3 grid(blocks_for(n, kTile), blocks_for(rows, kTile));
        gemm_nt_kernel<<<grid, threads, 0, stream>>>(rows, n, k, a + r0 * lda, lda, b, ldb, c + r0 * ldc, ldc);
        check(cudaGetLastError(), "gemm kernel launch");
    }
}

}  // namespace lf::cuda

extern "C" lf_status lf_cublas_open(const char* path) {
    return lf::guard("lf_cublas_open", [&] {
        lf::require(path != nullptr && *path != '\0', "path must name the cuBLAS shared library");
        void* h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (h == nullptr) {
            const char* why = dlerror();
            throw lf::invalid_argument(std::string("cannot load ") + path + ": " + (why ? why : "unknown reason"));
        }
        auto create = reinterpret_cast<create_fn>(dlsym(h, "cublasCreate_v2"));
        auto destroy = reinterpret_cast<destroy_fn>(dlsym(h, "cublasDestroy_v2"));
        auto set_stream = reinterpret_cast<set_stream_fn>(dlsym(h, "cublasSetStream_v2"));
        auto sgemm = reinterpret_cast<sgemm_fn>(dlsym(h, "cublasSgemm_v2"));
        if (!create || !destroy || !set_stream || !sgemm) {
            dlclose(h);
            throw lf::invalid_argument(std::string(path) + " lacks cublasCreate_v2, cublasDestroy_v2, cublasSetStream_v2 or cublasSgemm_v2");
        }
        std::lock_guard<std::mutex> hold(lock);
        cublas_create = create;
        cublas_destroy = destroy;
        cublas_set_stream = set_stream;
        cublas_sgemm = sgemm;
        cublas_path = path;
    });
}
