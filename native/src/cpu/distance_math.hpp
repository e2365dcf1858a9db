// Exact per-pair distances in double and the merge test, shared by the CPU kernels, the
// CUDA twins' host checks and the tests. The operation order matches the Java MergeRule so
// that the native and Java deduplications decide every pair the same way.
#pragma once

#include <cmath>
#include <cstdint>

#include "latentfield/lf.h"

#ifdef __CUDACC__
#define LF_HD __host__ __device__
#else
#define LF_HD
#endif

namespace lf {

LF_HD inline double euclidean(const float* a, const float* b, int64_t dim) {
    double s = 0;
    for (int64_t j = 0; j < dim; ++j) {
        const double d = static_cast<double>(a[j] - b[j]);
        s += d * d;
    }
    return sqrt(s);
}

LF_HD inline double cosine_distance(const float* a, const float* b, int64_t dim) {
    double dot = 0, na = 0, nb = 0;
    for (int64_t j = 0; j < dim; ++j) {
        const double x = a[j], y = b[j];
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if (na == 0 || nb == 0) return 1.0;
    return 1.0 - dot / sqrt(na * nb);
}

LF_HD inline double distance(int32_t metric, const float* a, const float* b, int64_t dim) {
    return metric == LF_METRIC_COSINE ? cosine_distance(a, b, dim) : euclidean(a, b, dim);
}

// The merge test of lf_merge_rule, in the operation order of the Java MergeRule.
LF_HD inline bool same(const lf_merge_rule& rule, const float* a, const float* b, int64_t dim) {
    if (rule.metric == LF_METRIC_COSINE) {
        double dot = 0, na = 0, nb = 0;
        for (int64_t j = 0; j < dim; ++j) {
            const double x = a[j], y = b[j];
            dot += x * y;
            na += x * x;
            nb += y * y;
        }
        const double r2 = rule.origin_radius * rule.origin_radius;
        const bool a_zero = na <= r2, b_zero = nb <= r2;
        if (a_zero || b_zero) return a_zero && b_zero;
        return dot / sqrt(na * nb) > rule.threshold;
    }
    double d2 = 0;
    for (int64_t j = 0; j < dim; ++j) {
        const double d = static_cast<double>(a[j] - b[j]);
        d2 += d * d;
    }
    return d2 < rule.threshold * rule.threshold;
}

}  // namespace lf
