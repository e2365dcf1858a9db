// CPU distances: nearest row of a set, KNN mean distance, greedy deduplication (see lf.h).
// Candidates are screened with a float GEMM on centred (Euclidean) or normalised (cosine)
// copies; the best few per query are recomputed exactly in double.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "distance_math.hpp"
#include "finite_math.hpp"
#include "gemm.hpp"
#include "lf_error.hpp"
#include "parallel.hpp"
#include "validate.hpp"

namespace {

constexpr int64_t kQueryTile = 256;
constexpr int64_t kSetTile = 2048;
constexpr int kScreenedCandidates = 4;  // exact recomputation of this many screened winners

void validate(int64_t n, int64_t m, int64_t dim, const void* x, const void* set, const void* out1, const void* out2) {
    lf::require(n >= 0, "n must be >= 0");
    lf::require(m >= 1, "the set must hold at least one row (m >= 1)");
    lf::require(dim >= 1, "dim must be >= 1");
    lf::require(n == 0 || (x && set && out1 && out2), "input and output pointers must not be NULL");
}

// Copies of x and set prepared for screening: for Euclidean both are centred on the mean of the
// set's finite rows (distances do not change, float cancellation does); for cosine both are
// normalised. Rows with a NaN or Inf entry are zeroed in the copies (so the GEMM never sees
// them) and flagged: a non-finite set row is never a candidate, a non-finite query has no
// neighbour (lf.h).
struct Screen {
    std::vector<float> x, set, set_sq;  // set_sq: squared norms of the prepared set rows
    std::vector<char> x_finite, set_finite;
    int64_t set_finite_count = 0;
};

Screen prepare(int64_t n, int64_t m, int64_t dim, const float* x, const float* set, int32_t metric) {
    Screen s;
    s.x.assign(x, x + n * dim);
    s.set.assign(set, set + m * dim);
    s.x_finite.resize(static_cast<size_t>(n));
    s.set_finite.resize(static_cast<size_t>(m));
    for (int64_t i = 0; i < n; ++i) s.x_finite[i] = lf::row_finite(x + i * dim, dim);
    for (int64_t i = 0; i < m; ++i) {
        s.set_finite[i] = lf::row_finite(set + i * dim, dim);
        s.set_finite_count += s.set_finite[i];
    }
    if (metric == LF_METRIC_COSINE) {
        auto normalise = [dim](std::vector<float>& v, int64_t rows) {
            for (int64_t i = 0; i < rows; ++i) {
                double sq = 0;
                for (int64_t j = 0; j < dim; ++j) sq += static_cast<double>(v[i * dim + j]) * v[i * dim + j];
                const double inv = sq > 0 ? 1.0 / std::sqrt(sq) : 0.0;
                for (int64_t j = 0; j < dim; ++j) v[i * dim + j] = static_cast<float>(v[i * dim + j] * inv);
            }
        };
        normalise(s.x, n);
        normalise(s.set, m);
    } else {
        std::vector<double> mean(static_cast<size_t>(dim), 0.0);
        for (int64_t i = 0; i < m; ++i)
            if (s.set_finite[i])
                for (int64_t j = 0; j < dim; ++j) mean[j] += set[i * dim + j];
        for (auto& v : mean) v /= static_cast<double>(std::max<int64_t>(1, s.set_finite_count));
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < dim; ++j) s.x[i * dim + j] = static_cast<float>(x[i * dim + j] - mean[j]);
        for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < dim; ++j) s.set[i * dim + j] = static_cast<float>(set[i * dim + j] - mean[j]);
    }
    for (int64_t i = 0; i < n; ++i)
        if (!s.x_finite[i]) std::fill(s.x.begin() + i * dim, s.x.begin() + (i + 1) * dim, 0.0f);
    for (int64_t i = 0; i < m; ++i)
        if (!s.set_finite[i]) std::fill(s.set.begin() + i * dim, s.set.begin() + (i + 1) * dim, 0.0f);
    s.set_sq.resize(static_cast<size_t>(m));
    for (int64_t i = 0; i < m; ++i) {
        double sq = 0;
        for (int64_t j = 0; j < dim; ++j) sq += static_cast<double>(s.set[i * dim + j]) * s.set[i * dim + j];
        s.set_sq[i] = static_cast<float>(sq);
    }
    return s;
}

// Screened score, smaller is closer: ||s||^2 - 2 <x, s> (Euclidean, x's own norm dropped) or
// -<x, s> (cosine, normalised rows).
inline float score(int32_t metric, float dot, float set_sq) {
    return metric == LF_METRIC_COSINE ? -dot : set_sq - 2 * dot;
}

}  // namespace

extern "C" lf_status lf_nearest_cpu(int64_t n, int64_t m, int64_t dim, const float* x, const float* set,
                                    int32_t metric, int32_t* index, float* distance) {
    return lf::guard("lf_nearest_cpu", [&] {
        validate(n, m, dim, x, set, index, distance);
        lf::require(metric == LF_METRIC_EUCLIDEAN || metric == LF_METRIC_COSINE, "metric must be EUCLIDEAN or COSINE");
        lf::require(m <= std::numeric_limits<int32_t>::max(), "the set must hold fewer than 2^31 rows");
        if (n == 0) return;
        const Screen s = prepare(n, m, dim, x, set, metric);
        // per query: the kScreenedCandidates best (score, index), ascending
        std::vector<std::pair<float, int32_t>> best;
        std::vector<float> dots;
        for (int64_t q0 = 0; q0 < n; q0 += kQueryTile) {
            const int64_t rows = std::min(n, q0 + kQueryTile) - q0;
            best.assign(static_cast<size_t>(rows * kScreenedCandidates), {std::numeric_limits<float>::infinity(), -1});
            for (int64_t c0 = 0; c0 < m; c0 += kSetTile) {
                const int64_t cols = std::min(m, c0 + kSetTile) - c0;
                dots.resize(static_cast<size_t>(rows * cols));
                lf::gemm_nt(rows, cols, dim, s.x.data() + q0 * dim, dim, s.set.data() + c0 * dim, dim, dots.data(), cols);
                lf::parallel_for(rows, 16, [&](int64_t r0, int64_t r1) {
                    for (int64_t r = r0; r < r1; ++r) {
                        auto* b = &best[static_cast<size_t>(r * kScreenedCandidates)];
                        if (!s.x_finite[q0 + r]) continue;
                        for (int64_t c = 0; c < cols; ++c) {
                            if (!s.set_finite[c0 + c]) continue;
                            const float v = score(metric, dots[r * cols + c], s.set_sq[c0 + c]);
                            if (!(v < b[kScreenedCandidates - 1].first)) continue;
                            int p = kScreenedCandidates - 1;
                            while (p > 0 && v < b[p - 1].first) {
                                b[p] = b[p - 1];
                                --p;
                            }
                            b[p] = {v, static_cast<int32_t>(c0 + c)};
                        }
                    }
                });
            }
            lf::parallel_for(rows, 16, [&](int64_t r0, int64_t r1) {
                for (int64_t r = r0; r < r1; ++r) {
                    const int64_t q = q0 + r;
                    if (!s.x_finite[q] || s.set_finite_count == 0) {  // no neighbour is defined
                        index[q] = -1;
                        distance[q] = std::numeric_limits<float>::quiet_NaN();
                        continue;
                    }
                    const auto* b = &best[static_cast<size_t>(r * kScreenedCandidates)];
                    double best_d = std::numeric_limits<double>::infinity();
                    int32_t best_j = -1;
                    for (int p = 0; p < kScreenedCandidates && b[p].second >= 0; ++p) {
                        const int32_t j = b[p].second;
                        const double d = lf::distance(metric, x + q * dim, set + j * dim, dim);
                        if (d < best_d || (d == best_d && j < best_j)) {
                            best_d = d;
                            best_j = j;
                        }
                    }
                    if (best_j < 0) {  // every screened score overflowed: the exact scan decides
                        for (int64_t j = 0; j < m; ++j) {
                            if (!s.set_finite[j]) continue;
                            const double d = lf::distance(metric, x + q * dim, set + j * dim, dim);
                            if (best_j < 0 || d < best_d) {
                                best_d = d;
                                best_j = static_cast<int32_t>(j);
                            }
                        }
                    }
                    index[q] = best_j;
                    distance[q] = static_cast<float>(best_d);
                }
            });
        }
    });
}

extern "C" lf_status lf_knn_mean_distance_cpu(int64_t n, int64_t m, int64_t dim, const float* x, const float* ref,
                                              int32_t k, float* mean) {
    return lf::guard("lf_knn_mean_distance_cpu", [&] {
        validate(n, m, dim, x, ref, mean, mean);
        lf::require(k >= 1 && k <= m, "k must be in [1, m]");
        if (n == 0) return;
        const Screen s = prepare(n, m, dim, x, ref, LF_METRIC_EUCLIDEAN);
        const int64_t tile = std::max<int64_t>(1, std::min<int64_t>(64, (int64_t{1} << 22) / m));
        lf::parallel_for(n, tile, [&](int64_t q0, int64_t q1) {
            const int64_t rows = q1 - q0;
            std::vector<float> dots(static_cast<size_t>(rows * m));
            std::vector<std::pair<float, int32_t>> heap;  // max-heap of the K best (score, index) so far
            heap.reserve(static_cast<size_t>(k));
            std::vector<int32_t> chosen(static_cast<size_t>(k));
            lf::gemm_nt_serial(rows, m, dim, s.x.data() + q0 * dim, dim, s.set.data(), dim, dots.data(), m);
            for (int64_t r = 0; r < rows; ++r) {
                if (!s.x_finite[q0 + r] || s.set_finite_count < k) {  // fewer than K neighbours are defined
                    mean[q0 + r] = std::numeric_limits<float>::quiet_NaN();
                    continue;
                }
                // screened squared distances up to the query's own norm, scanned in index order: a
                // row enters only when strictly closer than the K-th so far, so ties keep lower indices
                const float* d = dots.data() + r * m;
                heap.clear();
                for (int64_t j = 0; j < m; ++j) {
                    if (!s.set_finite[j]) continue;
                    const float v = s.set_sq[j] - 2 * d[j];
                    if (static_cast<int64_t>(heap.size()) < k) {
                        heap.emplace_back(v, static_cast<int32_t>(j));
                        std::push_heap(heap.begin(), heap.end());
                    } else if (v < heap.front().first) {
                        std::pop_heap(heap.begin(), heap.end());
                        heap.back() = {v, static_cast<int32_t>(j)};
                        std::push_heap(heap.begin(), heap.end());
                    }
                }
                for (int32_t p = 0; p < k; ++p) chosen[static_cast<size_t>(p)] = heap[static_cast<size_t>(p)].second;
                double sum = 0;
                for (int32_t p = 0; p < k; ++p) sum += lf::euclidean(x + (q0 + r) * dim, ref + int64_t(chosen[static_cast<size_t>(p)]) * dim, dim);
                mean[q0 + r] = static_cast<float>(sum / k);
            }
        });
    });
}

extern "C" lf_status lf_dedup_cpu(int64_t n, int64_t dim, const float* x, const int8_t* active,
                                  const lf_merge_rule* rule, int32_t* cluster, int32_t* leader, int64_t* n_clusters) {
    return lf::guard("lf_dedup_cpu", [&] {
        lf::require(n >= 0 && dim >= 1, "n must be >= 0 and dim >= 1");
        lf::require(rule != nullptr && n_clusters != nullptr, "rule and n_clusters must not be NULL");
        lf::require(n == 0 || (x && cluster && leader), "x, cluster and leader must not be NULL");
        lf::require(n <= std::numeric_limits<int32_t>::max(), "at most 2^31 - 1 rows");
        lf::validate_merge_rule(*rule);
        int64_t count = 0;
        for (int64_t i = 0; i < n; ++i) {
            if ((active != nullptr && active[i] == 0) || !lf::row_finite(x + i * dim, dim)) {
                cluster[i] = -1;  // left out: inactive, or not finite (a NaN/Inf point is the same as nothing)
                continue;
            }
            int64_t c = 0;
            while (c < count && !lf::same(*rule, x + i * dim, x + static_cast<int64_t>(leader[c]) * dim, dim)) ++c;
            if (c == count) leader[count++] = static_cast<int32_t>(i);
            cluster[i] = static_cast<int32_t>(c);
        }
        *n_clusters = count;
    });
}
