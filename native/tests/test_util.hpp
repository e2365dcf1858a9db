// Shared by the native tests: a failure counter, seeded data and CUDA parity plumbing
// (a parity check reports itself as skipped, visibly, when no GPU is present).
#pragma once

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "latentfield/lf.h"

namespace lftest {

inline int failures = 0;

#define LF_CHECK(cond, ...)                                               \
    do {                                                                  \
        if (!(cond)) {                                                    \
            ++lftest::failures;                                           \
            std::fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);     \
            std::fprintf(stderr, __VA_ARGS__);                            \
            std::fprintf(stderr, "\n");                                   \
        }                                                                 \
    } while (0)

#define LF_OK_OR_FAIL(call)                                                             \
    do {                                                                                \
        const lf_status lf_test_status = (call);                                        \
        LF_CHECK(lf_test_status == LF_OK, "%s -> %d: %s", #call, lf_test_status, lf_last_error()); \
    } while (0)

inline std::vector<float> gaussian(std::mt19937_64& rng, size_t n, float scale = 1.0f, float shift = 0.0f) {
    std::normal_distribution<float> g(0.0f, scale);
    std::vector<float> v(n);
    for (auto& x : v) x = g(rng) + shift;
    return v;
}

inline std::vector<float> gaussian(uint64_t seed, size_t n, float scale = 1.0f) {
    std::mt19937_64 rng(seed);
    return gaussian(rng, n, scale);
}

inline void normalise_rows(std::vector<float>& v, int64_t rows, int64_t dim) {
    for (int64_t i = 0; i < rows; ++i) {
        double s = 0;
        for (int64_t j = 0; j < dim; ++j) s += double(v[i * dim + j]) * v[i * dim + j];
        for (int64_t j = 0; j < dim; ++j) v[i * dim + j] = float(v[i * dim + j] / std::sqrt(s));
    }
}

// Naive reference for the solver tests: Gaussian elimination with partial pivoting in long
// double on a copy of a (k x k, row-major). Returns det(a); when b is given (k entries) it is
// overwritten with a^{-1} b (left as is when a pivot is exactly 0).
inline long double naive_eliminate(const std::vector<double>& a_in, int k, std::vector<long double>* b) {
    std::vector<long double> a(a_in.begin(), a_in.end());
    long double det = 1;
    for (int c = 0; c < k; ++c) {
        int piv = c;
        for (int r = c + 1; r < k; ++r)
            if (std::fabs(a[size_t(r * k + c)]) > std::fabs(a[size_t(piv * k + c)])) piv = r;
        if (a[size_t(piv * k + c)] == 0) return 0;
        if (piv != c) {
            det = -det;
            for (int j = 0; j < k; ++j) std::swap(a[size_t(c * k + j)], a[size_t(piv * k + j)]);
            if (b) std::swap((*b)[size_t(c)], (*b)[size_t(piv)]);
        }
        det *= a[size_t(c * k + c)];
        for (int r = c + 1; r < k; ++r) {
            const long double f = a[size_t(r * k + c)] / a[size_t(c * k + c)];
            for (int j = c; j < k; ++j) a[size_t(r * k + j)] -= f * a[size_t(c * k + j)];
            if (b) (*b)[size_t(r)] -= f * (*b)[size_t(c)];
        }
    }
    for (int i = k - 1; b && i >= 0; --i) {
        long double v = (*b)[size_t(i)];
        for (int j = i + 1; j < k; ++j) v -= a[size_t(i * k + j)] * (*b)[size_t(j)];
        (*b)[size_t(i)] = v / a[size_t(i * k + i)];
    }
    return det;
}

// LF_REQUIRE_CUDA=1 (set by benchmarks/gpu/run.sh where nvidia-smi sees a GPU) turns a missing
// device into a failure, so a parity test cannot pass by skipping on a GPU machine whose driver
// liblf cannot use.
inline bool cuda_required() {
    const char* v = std::getenv("LF_REQUIRE_CUDA");
    return v != nullptr && std::string(v) == "1";
}

inline bool cuda_available() {
    int32_t n = 0;
    const bool found = lf_cuda_device_count(&n) == LF_OK && n > 0;
    if (!found && cuda_required()) {
        void* stream = nullptr;  // asks for a device, so lf_last_error() says why there is none
        const lf_status status = lf_cuda_stream_create(&stream);
        if (status == LF_OK) lf_cuda_stream_destroy(stream);
        ++failures;
        std::fprintf(stderr, "FAIL: LF_REQUIRE_CUDA=1 but liblf sees no CUDA device: %s\n",
                     status == LF_OK ? "the device count is 0" : lf_last_error());
    }
    return found;
}

inline void report_skip(const char* what) {
    std::printf("SKIPPED (no CUDA device): %s\n", what);
}

// A device copy of a host vector; the result is copied back with to_host().
template <typename T>
struct Device {
    void* ptr = nullptr;
    size_t count = 0;
    explicit Device(size_t n) : count(n) { LF_OK_OR_FAIL(lf_cuda_malloc(&ptr, int64_t(n * sizeof(T)))); }
    explicit Device(const std::vector<T>& host) : Device(host.size()) {
        LF_OK_OR_FAIL(lf_cuda_copy_to_device(ptr, host.data(), int64_t(count * sizeof(T)), nullptr));
    }
    ~Device() { lf_cuda_free(ptr); }
    Device(const Device&) = delete;
    Device& operator=(const Device&) = delete;
    T* get() const { return static_cast<T*>(ptr); }
    std::vector<T> to_host() const {
        std::vector<T> h(count);
        LF_OK_OR_FAIL(lf_cuda_copy_to_host(h.data(), ptr, int64_t(count * sizeof(T)), nullptr));
        LF_OK_OR_FAIL(lf_cuda_stream_synchronize(nullptr));
        return h;
    }
};

inline int finish(const char* what) {
    if (failures) {
        std::fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    std::printf("%s\n", what);
    return 0;
}

}  // namespace lftest
