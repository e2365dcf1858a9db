// CPU GEMM: a CBLAS opened at run time (OpenBLAS from the JavaCPP preset, or a system one),
// falling back to a blocked, multi-threaded built-in kernel.
#include "gemm.hpp"

#include <dlfcn.h>

#include <mutex>

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

float dot(const float* a, const float* b, int64_t k) {
    float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t l = 0;
    for (; l + 8 <= k; l += 8)
        for (int u = 0; u < 8; ++u) s[u] += a[l + u] * b[l + u];
    float total = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (; l < k; ++l) total += a[l] * b[l];
    return total;
}

}  // namespace

namespace lf {

int worker_count() {
    static const int n = std::max(1u, std::thread::hardware_concurrency());
    return n;
}

void gemm_nt_builtin(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                     float* c, int64_t ldc) {
    constexpr int64_t tile = 64;
    parallel_for(m, tile, [&](int64_t i0, int64_t i1) {
        for (int64_t j0 = 0; j0 < n; j0 += tile) {
            const int64_t j1 = std::min(n, j0 + tile);
            for (int64_t i = i0; i < i1; ++i)
                for (int64_t j = j0; j < j1; ++j) c[i * ldc + j] = dot(a + i * lda, b + j * ldb, k);
        }
    });
}

void gemm_nt(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
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
    } else {
        gemm_nt_builtin(m, n, k, a, lda, b, ldb, c, ldc);
    }
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
        std::lock_guard<std::mutex> hold(provider_lock);
        cblas_sgemm = f;  // the handle stays open for the life of the process
        cblas_path = path;
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
