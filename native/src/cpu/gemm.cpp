// CPU GEMM: a CBLAS opened at run time (OpenBLAS from the JavaCPP preset, or a system one),
// falling back to a blocked, multi-threaded built-in kernel.
#include "gemm.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <mutex>
#include <vector>

#include "lf_error.hpp"
#include "parallel.hpp"

namespace {

// cblas_sgemm(order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)
using cblas_sgemm_fn = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float,
                                float*, int);
constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;

std::mutex provider_lock;
cblas_sgemm_fn cblas_sgemm = nullptr;
std::string cblas_path;

// c[0..w) = sum_l a[l] * bt[l * w + 0..w): one row of C against a transposed tile of B.
void accumulate_row(const float* __restrict a, const float* __restrict bt, int64_t k, int64_t w, float* __restrict c) {
    for (int64_t j = 0; j < w; ++j) c[j] = 0;
    for (int64_t l = 0; l < k; ++l) {
        const float al = a[l];
        const float* __restrict row = bt + l * w;
        for (int64_t j = 0; j < w; ++j) c[j] += al * row[j];
    }
}

}  // namespace

namespace lf {

int worker_count() {
    static const int n = std::max(1u, std::thread::hardware_concurrency());
    return n;
}

void gemm_nt_builtin(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                     float* c, int64_t ldc) {
    // Column tiles of C: the tile's rows of B are transposed once (k x tile), then every row
    // of C accumulates a[i, l] * Bt[l, :] over l, a loop the compiler vectorises.
    constexpr int64_t tile = 256;
    const int64_t tiles = (n + tile - 1) / tile;
    parallel_for(tiles, 1, [&](int64_t t0, int64_t t1) {
        std::vector<float> bt(static_cast<size_t>(k * tile));
        for (int64_t t = t0; t < t1; ++t) {
            const int64_t j0 = t * tile, w = std::min(n, j0 + tile) - j0;
            for (int64_t j = 0; j < w; ++j)
                for (int64_t l = 0; l < k; ++l) bt[static_cast<size_t>(l * w + j)] = b[(j0 + j) * ldb + l];
            for (int64_t i = 0; i < m; ++i) accumulate_row(a + i * lda, bt.data(), k, w, c + i * ldc + j0);
        }
    });
}

void gemm_nt_serial(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
                    int64_t ldc) {
    if (m == 0 || n == 0) return;
    cblas_sgemm_fn f;
    {
        std::lock_guard<std::mutex> hold(provider_lock);
        f = cblas_sgemm;
    }
    const int64_t limit = 2147483647;
    if (f != nullptr && m < limit && n < limit && k < limit && lda < limit && ldb < limit && ldc < limit) {
        f(kRowMajor, kNoTrans, kTrans, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0f, a,
          static_cast<int>(lda), b, static_cast<int>(ldb), 0.0f, c, static_cast<int>(ldc));
        return;
    }
    constexpr int64_t tile = 256;
    std::vector<float> bt(static_cast<size_t>(k * tile));
    for (int64_t j0 = 0; j0 < n; j0 += tile) {
        const int64_t w = std::min(n, j0 + tile) - j0;
        for (int64_t j = 0; j < w; ++j)
            for (int64_t l = 0; l < k; ++l) bt[static_cast<size_t>(l * w + j)] = b[(j0 + j) * ldb + l];
        for (int64_t i = 0; i < m; ++i) accumulate_row(a + i * lda, bt.data(), k, w, c + i * ldc + j0);
    }
}

void gemm_nt(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
             int64_t ldc) {
    if (m == 0 || n == 0) return;
    // liblf's own threads split the rows; the CBLAS runs single-threaded inside each (see lf_blas_open)
    const int64_t chunk = std::max<int64_t>(16, (m + worker_count() - 1) / worker_count());
    parallel_for(m, chunk, [&](int64_t r0, int64_t r1) { gemm_nt_serial(r1 - r0, n, k, a + r0 * lda, lda, b, ldb, c + r0 * ldc, ldc); });
}

std::string cpu_gemm_description() {
    std::lock_guard<std::mutex> hold(provider_lock);
    return cblas_sgemm ? "cblas:" + cblas_path : "builtin";
}

}  // namespace lf

extern "C" lf_status lf_blas_open(const char* path) {
    return lf::guard("lf_blas_open", [&] {
        lf::require(path != nullptr && *path != '\0', "path must name a CBLAS shared library");
        void* handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) {
            const char* why = dlerror();
            throw lf::invalid_argument(std::string("cannot load ") + path + ": " + (why ? why : "unknown reason"));
        }
        auto f = reinterpret_cast<cblas_sgemm_fn>(dlsym(handle, "cblas_sgemm"));
        if (f == nullptr) {
            dlclose(handle);
            throw lf::invalid_argument(std::string(path) + " has no cblas_sgemm");
        }
        // liblf parallelises over rows itself; an OpenBLAS with its own threads would spin on the
        // cores liblf's workers need (measured: 27% of a KNN run), so it runs single-threaded
        using set_threads_fn = void (*)(int);
        if (auto set_threads = reinterpret_cast<set_threads_fn>(dlsym(handle, "openblas_set_num_threads"))) set_threads(1);
        // which kernels an OpenBLAS runs (its own detection, or OPENBLAS_CORETYPE) decides much of
        // its speed: the description names them ("cblas:PATH (OpenBLAS core Haswell)")
        std::string described = path;
        using corename_fn = char* (*)();
        if (auto corename = reinterpret_cast<corename_fn>(dlsym(handle, "openblas_get_corename")))
            if (const char* core = corename()) described += std::string(" (OpenBLAS core ") + core + ")";
        std::lock_guard<std::mutex> hold(provider_lock);
        cblas_sgemm = f;  // the handle stays open for the life of the process
        cblas_path = described;
    });
}

extern "C" lf_status lf_gemm_provider(const char** description) {
    return lf::guard("lf_gemm_provider", [&] {
        lf::require(description != nullptr, "description must not be NULL");
        static thread_local std::string text;
        text = "cpu=" + lf::cpu_gemm_description() + " cuda=" + lf::cuda_gemm_description();
        *description = text.c_str();
    });
}
