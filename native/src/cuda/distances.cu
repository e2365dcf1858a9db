// CUDA twins of the distance kernels (see lf.h). Distances are exact per pair, in double,
// with the same per-pair code as the CPU kernels (distance_math.hpp); reductions break ties
// towards the lower index so results match the CPU up to floating-point rounding. Rows with a
// NaN or Inf entry are handled as on the CPU: never a neighbour, no neighbour for such a
// query, left out of deduplication.
#include <algorithm>
#include <cfloat>
#include <climits>
#include <cmath>
#include <limits>

#include "../cpu/distance_math.hpp"
#include "../cpu/validate.hpp"
#include "block_reduce.cuh"
#include "cuda_util.cuh"
#include "finite_rows.cuh"

namespace {

using lf::cuda::block_argmin;

constexpr unsigned kThreads = 256;

using lf::cuda::block_row_finite;

// A positive quiet NaN: as an unsigned bit pattern it orders above +Inf and every
// non-negative double, so the KNN radix selection ranks left-out rows last.
__device__ inline double left_out() { return __longlong_as_double(0x7FF8000000000000LL); }

__global__ void nearest_kernel(int64_t n, int64_t m, int64_t dim, const float* x, const float* set,
                               const int8_t* set_finite, int32_t metric, int32_t* index, float* distance) {
    __shared__ double val[kThreads];
    __shared__ int64_t idx[kThreads];
    for (int64_t q = blockIdx.x; q < n; q += gridDim.x) {
        const bool query_finite = block_row_finite(x + q * dim, dim);
        double best = 0;
        int64_t best_j = -1;
        for (int64_t j = threadIdx.x; query_finite && j < m; j += blockDim.x) {
            if (!set_finite[j]) continue;  // a NaN/Inf row is never a neighbour
            const double d = lf::distance(metric, x + q * dim, set + j * dim, dim);
            if (best_j < 0 || d < best) {  // strided j ascends: the first minimum is the lowest
                best = d;
                best_j = j;
            }
        }
        val[threadIdx.x] = best;
        idx[threadIdx.x] = best_j;
        __syncthreads();
        block_argmin(val, idx);
        if (threadIdx.x == 0) {  // idx -1: the query is not finite or no set row is
            index[q] = static_cast<int32_t>(idx[0]);
            distance[q] = idx[0] < 0 ? static_cast<float>(left_out()) : static_cast<float>(val[0]);
        }
        __syncthreads();
    }
}

// Per query (one block): all m distances into work (as doubles), then the K-th smallest by
// radix selection over the bit patterns (non-negative doubles order like unsigned
// integers), then the mean of the K smallest, counting ties at the K-th value exactly.
// Non-finite reference rows get left_out(), which ranks after every distance and is never
// below the K-th; with fewer than K finite rows, or a non-finite query, the mean is NaN.
__global__ void knn_kernel(int64_t q0, int64_t n, int64_t m, int64_t dim, const float* x, const float* ref,
                           const int8_t* ref_finite, int32_t k, double* work, float* mean) {
    __shared__ unsigned long long count[kThreads];
    __shared__ double sum[kThreads];
    const int64_t q = q0 + blockIdx.x;
    if (q >= n) return;
    double* d = work + blockIdx.x * m;
    const bool query_finite = block_row_finite(x + q * dim, dim);
    unsigned long long finite_rows = 0;
    for (int64_t j = threadIdx.x; j < m; j += blockDim.x) {
        d[j] = ref_finite[j] ? lf::euclidean(x + q * dim, ref + j * dim, dim) : left_out();
        finite_rows += ref_finite[j] ? 1 : 0;
    }
    count[threadIdx.x] = finite_rows;
    __syncthreads();
    for (unsigned w = blockDim.x / 2; w > 0; w /= 2) {
        if (threadIdx.x < w) count[threadIdx.x] += count[threadIdx.x + w];
        __syncthreads();
    }
    const bool defined = query_finite && count[0] >= static_cast<unsigned long long>(k);
    __syncthreads();
    if (!defined) {  // block-uniform
        if (threadIdx.x == 0) mean[q] = static_cast<float>(left_out());
        return;
    }
    unsigned long long prefix = 0;  // bits of the K-th smallest decided so far
    unsigned long long need = static_cast<unsigned long long>(k);
    for (int bit = 63; bit >= 0; --bit) {
        const unsigned long long mask_hi = bit == 63 ? 0ull : (~0ull << (bit + 1));
        unsigned long long c = 0;  // values matching the prefix with this bit 0
        for (int64_t j = threadIdx.x; j < m; j += blockDim.x) {
            const unsigned long long b = static_cast<unsigned long long>(__double_as_longlong(d[j]));
            if ((b & mask_hi) == prefix && ((b >> bit) & 1ull) == 0) ++c;
        }
        count[threadIdx.x] = c;
        __syncthreads();
        for (unsigned w = blockDim.x / 2; w > 0; w /= 2) {
            if (threadIdx.x < w) count[threadIdx.x] += count[threadIdx.x + w];
            __syncthreads();
        }
        const unsigned long long zeros = count[0];
        __syncthreads();
        if (need > zeros) {
            prefix |= 1ull << bit;
            need -= zeros;
        }
    }
    const double kth = __longlong_as_double(static_cast<long long>(prefix));
    double s = 0;
    unsigned long long below = 0;
    for (int64_t j = threadIdx.x; j < m; j += blockDim.x) {
        if (d[j] < kth) {
            s += d[j];
            ++below;
        }
    }
    sum[threadIdx.x] = s;
    count[threadIdx.x] = below;
    __syncthreads();
    for (unsigned w = blockDim.x / 2; w > 0; w /= 2) {
        if (threadIdx.x < w) {
            sum[threadIdx.x] += sum[threadIdx.x + w];
            count[threadIdx.x] += count[threadIdx.x + w];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        const double total = sum[0] + static_cast<double>(static_cast<unsigned long long>(k) - count[0]) * kth;
        mean[q] = static_cast<float>(total / k);
    }
}

// Greedy deduplication in one block: rows in order; the block scans the leaders in parallel
// for the first match.
__global__ void dedup_kernel(int64_t n, int64_t dim, const float* x, const int8_t* active, lf_merge_rule rule,
                             int32_t* cluster, int32_t* leader, int64_t* n_clusters) {
    __shared__ int first;
    __shared__ int count;
    if (threadIdx.x == 0) count = 0;
    __syncthreads();
    for (int64_t i = 0; i < n; ++i) {
        if ((active != nullptr && active[i] == 0) || !block_row_finite(x + i * dim, dim)) {  // block-uniform
            if (threadIdx.x == 0) cluster[i] = -1;
            continue;
        }
        if (threadIdx.x == 0) first = INT_MAX;
        __syncthreads();
        for (int c = threadIdx.x; c < count; c += blockDim.x) {
            if (c < first && lf::same(rule, x + i * dim, x + static_cast<int64_t>(leader[c]) * dim, dim)) atomicMin(&first, c);
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            if (first == INT_MAX) {
                first = count;
                leader[count++] = static_cast<int32_t>(i);
            }
            cluster[i] = first;
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) *n_clusters = count;
}

void validate(int64_t n, int64_t m, int64_t dim, const void* x, const void* set, const void* out) {
    lf::require(n >= 0 && m >= 1 && dim >= 1, "need n >= 0, m >= 1 and dim >= 1");
    lf::require(m <= std::numeric_limits<int32_t>::max(), "the set must hold fewer than 2^31 rows");
    lf::require(n == 0 || (x && set && out), "input and output pointers must not be NULL");
}

}  // namespace

extern "C" {

lf_status lf_nearest_cuda(int64_t n, int64_t m, int64_t dim, const float* x, const float* set, int32_t metric,
                          int32_t* index, float* distance, void* stream) {
    return lf::guard("lf_nearest_cuda", [&] {
        validate(n, m, dim, x, set, index);
        lf::require(distance != nullptr || n == 0, "distance must not be NULL");
        lf::require(metric == LF_METRIC_EUCLIDEAN || metric == LF_METRIC_COSINE, "metric must be EUCLIDEAN or COSINE");
        lf::cuda::require_device();
        if (n == 0) return;
        const cudaStream_t s = lf::cuda::as_stream(stream);
        lf::cuda::Scratch<int8_t> set_finite(static_cast<size_t>(m), s);
        lf::cuda::finite_rows_kernel<<<lf::cuda::blocks_for(m, kThreads), kThreads, 0, s>>>(m, dim, set, set_finite.get());
        lf::cuda::check(cudaGetLastError(), "finite rows kernel launch");
        const unsigned grid = static_cast<unsigned>(n < 65535 ? n : 65535);
        nearest_kernel<<<grid, kThreads, 0, s>>>(n, m, dim, x, set, set_finite.get(), metric, index, distance);
        lf::cuda::check(cudaGetLastError(), "nearest kernel launch");
    });
}

lf_status lf_knn_mean_distance_cuda(int64_t n, int64_t m, int64_t dim, const float* x, const float* ref, int32_t k,
                                    float* mean, void* stream) {
    return lf::guard("lf_knn_mean_distance_cuda", [&] {
        validate(n, m, dim, x, ref, mean);
        lf::require(k >= 1 && k <= m, "k must be in [1, m]");
        lf::cuda::require_device();
        if (n == 0) return;
        const cudaStream_t s = lf::cuda::as_stream(stream);
        const int64_t chunk = std::max<int64_t>(1, std::min<int64_t>({n, 65535, (int64_t{1} << 27) / m}));
        lf::cuda::Scratch<double> work(static_cast<size_t>(chunk * m), s);
        lf::cuda::Scratch<int8_t> ref_finite(static_cast<size_t>(m), s);
        lf::cuda::finite_rows_kernel<<<lf::cuda::blocks_for(m, kThreads), kThreads, 0, s>>>(m, dim, ref, ref_finite.get());
        lf::cuda::check(cudaGetLastError(), "finite rows kernel launch");
        for (int64_t q0 = 0; q0 < n; q0 += chunk) {
            const unsigned grid = static_cast<unsigned>(std::min(chunk, n - q0));
            knn_kernel<<<grid, kThreads, 0, s>>>(q0, n, m, dim, x, ref, ref_finite.get(), k, work.get(), mean);
            lf::cuda::check(cudaGetLastError(), "knn kernel launch");
        }
    });
}

lf_status lf_dedup_cuda(int64_t n, int64_t dim, const float* x, const int8_t* active, const lf_merge_rule* rule,
                        int32_t* cluster, int32_t* leader, int64_t* n_clusters, void* stream) {
    return lf::guard("lf_dedup_cuda", [&] {
        lf::require(n >= 0 && dim >= 1, "n must be >= 0 and dim >= 1");
        lf::require(n <= std::numeric_limits<int32_t>::max(), "at most 2^31 - 1 rows");
        lf::require(rule != nullptr && n_clusters != nullptr, "rule and n_clusters must not be NULL");
        lf::require(n == 0 || (x && cluster && leader), "x, cluster and leader must not be NULL");
        lf::validate_merge_rule(*rule);
        lf::cuda::require_device();
        dedup_kernel<<<1, kThreads, 0, lf::cuda::as_stream(stream)>>>(n, dim, x, active, *rule, cluster, leader, n_clusters);
        lf::cuda::check(cudaGetLastError(), "dedup kernel launch");
    });
}

}  // extern "C"
