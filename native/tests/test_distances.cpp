// Distances: CPU kernels against exact brute-force references on seeded random data, the
// GEMM providers against each other, and CUDA twins against the CPU (skipped without a GPU).
#include <algorithm>
#include <cstring>
#include <limits>
#include <numeric>

#include "test_util.hpp"

using lftest::gaussian;

namespace {

// Named tolerances.
constexpr double kDistanceRel = 1e-6;  // float outputs of double computations
constexpr double kParityRel = 1e-5;    // CPU vs CUDA (different summation orders)

double exact(int metric, const float* a, const float* b, int64_t dim) {
    double dot = 0, na = 0, nb = 0, d2 = 0;
    for (int64_t j = 0; j < dim; ++j) {
        dot += double(a[j]) * b[j];
        na += double(a[j]) * a[j];
        nb += double(b[j]) * b[j];
        const double d = double(a[j]) - b[j];
        d2 += d * d;
    }
    if (metric == LF_METRIC_COSINE) return (na == 0 || nb == 0) ? 1.0 : 1.0 - dot / std::sqrt(na * nb);
    return std::sqrt(d2);
}

bool close(double a, double b, double rel) { return std::fabs(a - b) <= rel * std::max(1.0, std::fabs(b)); }

void nearest_vs_brute_force(uint64_t seed) {
    std::mt19937_64 rng(seed);
    const int64_t n = 1 + int64_t(rng() % 700), m = 1 + int64_t(rng() % 3000), dim = 1 + int64_t(rng() % 40);
    // latent codes with large norms and small separations, where float cancellation bites
    auto x = gaussian(rng, size_t(n * dim), 3.0f, 150.0f);
    auto set = gaussian(rng, size_t(m * dim), 3.0f, 150.0f);
    for (int metric : {LF_METRIC_EUCLIDEAN, LF_METRIC_COSINE}) {
        std::vector<int32_t> index(static_cast<size_t>(n));
        std::vector<float> dist(static_cast<size_t>(n));
        LF_OK_OR_FAIL(lf_nearest_cpu(n, m, dim, x.data(), set.data(), metric, index.data(), dist.data()));
        int wrong = 0;
        for (int64_t i = 0; i < n; ++i) {
            double best = 0;
            int64_t best_j = -1;
            for (int64_t j = 0; j < m; ++j) {
                const double d = exact(metric, &x[size_t(i * dim)], &set[size_t(j * dim)], dim);
                if (best_j < 0 || d < best) best = d, best_j = j;
            }
            if (!close(dist[size_t(i)], best, kDistanceRel)) ++wrong;
        }
        LF_CHECK(wrong == 0, "seed %llu metric %d: %d of %lld nearest distances differ from brute force",
                 (unsigned long long)seed, metric, wrong, (long long)n);
    }
}

void knn_vs_sort(uint64_t seed) {
    std::mt19937_64 rng(seed);
    const int64_t n = 1 + int64_t(rng() % 300), m = 1 + int64_t(rng() % 2500), dim = 1 + int64_t(rng() % 32);
    const int32_t k = int32_t(1 + rng() % uint64_t(m));
    auto x = gaussian(rng, size_t(n * dim), 1.0f, 20.0f);
    auto ref = gaussian(rng, size_t(m * dim), 1.0f, 20.0f);
    std::vector<float> mean(static_cast<size_t>(n));
    LF_OK_OR_FAIL(lf_knn_mean_distance_cpu(n, m, dim, x.data(), ref.data(), k, mean.data()));
    int wrong = 0;
    std::vector<double> d(static_cast<size_t>(m));
    for (int64_t i = 0; i < n; ++i) {
        for (int64_t j = 0; j < m; ++j) d[size_t(j)] = exact(LF_METRIC_EUCLIDEAN, &x[size_t(i * dim)], &ref[size_t(j * dim)], dim);
        std::sort(d.begin(), d.end());
        const double want = std::accumulate(d.begin(), d.begin() + k, 0.0) / k;
        if (!close(mean[size_t(i)], want, kDistanceRel)) ++wrong;
    }
    LF_CHECK(wrong == 0, "seed %llu: %d of %lld knn means (k = %d of %lld) differ", (unsigned long long)seed, wrong,
             (long long)n, k, (long long)m);
}

void dedup_known_clusters() {
    // Three directions, each scaled: cosine merges the scales, Euclidean does not.
    const float x[] = {1, 0, 2, 0, 0, 1, 0, 3, 1.001f, 0.001f, 0, 0, -1, 0};
    const int64_t n = 7, dim = 2;
    std::vector<int32_t> cluster(n), leader(n);
    int64_t count = -1;
    lf_merge_rule cosine{LF_METRIC_COSINE, 0.99, 1e-3};
    LF_OK_OR_FAIL(lf_dedup_cpu(n, dim, x, nullptr, &cosine, cluster.data(), leader.data(), &count));
    const int32_t want_cos[] = {0, 0, 1, 1, 0, 2, 3};
    LF_CHECK(count == 4, "cosine found %lld clusters, want 4 (x, y, origin, -x)", (long long)count);
    for (int64_t i = 0; i < n; ++i) LF_CHECK(cluster[i] == want_cos[i], "cosine cluster of row %lld", (long long)i);
    lf_merge_rule euclid{LF_METRIC_EUCLIDEAN, 0.5, 0};
    const int8_t active[] = {1, 1, 1, 1, 1, 0, 1};
    LF_OK_OR_FAIL(lf_dedup_cpu(n, dim, x, active, &euclid, cluster.data(), leader.data(), &count));
    const int32_t want_euc[] = {0, 1, 2, 3, 0, -1, 4};
    LF_CHECK(count == 5, "euclidean found %lld clusters, want 5", (long long)count);
    for (int64_t i = 0; i < n; ++i) LF_CHECK(cluster[i] == want_euc[i], "euclidean cluster of row %lld", (long long)i);
    lf_merge_rule bad{LF_METRIC_COSINE, 1.5, 0};
    LF_CHECK(lf_dedup_cpu(n, dim, x, nullptr, &bad, cluster.data(), leader.data(), &count) == LF_ERR_INVALID_ARGUMENT &&
                 std::strstr(lf_last_error(), "threshold") != nullptr,
             "cosine threshold 1.5 accepted");
}

bool finite_row(const float* row, int64_t dim) {
    for (int64_t j = 0; j < dim; ++j)
        if (!std::isfinite(row[j])) return false;
    return true;
}

// NaN / Inf rows (issue 11): a non-finite set row is never a neighbour, a non-finite query has
// none (index -1, distance NaN), KNN ranks finite reference rows only (NaN with fewer than K),
// dedup leaves non-finite rows out. The check: 20 queries, a set with a NaN and an Inf
// row; the old CPU kernel got all 20 wrong (the set mean was NaN, so every screened score was).
struct NonFinite {
    int64_t n = 20, m = 300, dim = 8;
    std::vector<float> x, set;
    NonFinite() {
        std::mt19937_64 rng(2024);
        x = gaussian(rng, size_t(n * dim), 1.0f, 5.0f);
        set = gaussian(rng, size_t(m * dim), 1.0f, 5.0f);
        const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
        set[size_t(3 * dim + 1)] = nan;
        set[size_t(50 * dim)] = inf;
        set[size_t(77 * dim + 7)] = -inf;
        // put a NaN row right at query 0's position, where it would win if it counted
        for (int64_t j = 0; j < dim; ++j) set[size_t(120 * dim + j)] = x[size_t(j)];
        set[size_t(120 * dim + 4)] = nan;
        x[size_t(7 * dim + 2)] = nan;  // a query that has no neighbour
    }
};

void non_finite_rows() {
    const NonFinite t;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    for (int metric : {LF_METRIC_EUCLIDEAN, LF_METRIC_COSINE}) {
        std::vector<int32_t> index(size_t(t.n), -7);
        std::vector<float> dist(size_t(t.n));
        LF_OK_OR_FAIL(lf_nearest_cpu(t.n, t.m, t.dim, t.x.data(), t.set.data(), metric, index.data(), dist.data()));
        int wrong = 0;
        for (int64_t i = 0; i < t.n; ++i) {
            if (!finite_row(&t.x[size_t(i * t.dim)], t.dim)) {
                wrong += !(index[size_t(i)] == -1 && std::isnan(dist[size_t(i)]));
                continue;
            }
            double best = 0;
            int64_t best_j = -1;
            for (int64_t j = 0; j < t.m; ++j) {
                if (!finite_row(&t.set[size_t(j * t.dim)], t.dim)) continue;
                const double d = exact(metric, &t.x[size_t(i * t.dim)], &t.set[size_t(j * t.dim)], t.dim);
                if (best_j < 0 || d < best) best = d, best_j = j;
            }
            wrong += index[size_t(i)] != best_j || !close(dist[size_t(i)], best, kDistanceRel);
        }
        LF_CHECK(wrong == 0, "metric %d: %d of %lld nearest rows wrong with NaN/Inf rows in the set", metric, wrong, (long long)t.n);
    }
    // no finite row in the set: no neighbour for anyone
    const float bad_set[] = {nan, 0, 0, std::numeric_limits<float>::infinity()};
    int32_t idx[2] = {5, 5};
    float dd[2] = {0, 0};
    LF_OK_OR_FAIL(lf_nearest_cpu(2, 2, 2, t.x.data(), bad_set, LF_METRIC_EUCLIDEAN, idx, dd));
    LF_CHECK(idx[0] == -1 && idx[1] == -1 && std::isnan(dd[0]) && std::isnan(dd[1]), "no finite set row: index %d %d distance %g %g",
             idx[0], idx[1], dd[0], dd[1]);
    // KNN over the finite rows
    const int32_t k = 7;
    std::vector<float> mean(size_t(t.n));
    LF_OK_OR_FAIL(lf_knn_mean_distance_cpu(t.n, t.m, t.dim, t.x.data(), t.set.data(), k, mean.data()));
    int wrong = 0;
    for (int64_t i = 0; i < t.n; ++i) {
        if (!finite_row(&t.x[size_t(i * t.dim)], t.dim)) {
            wrong += !std::isnan(mean[size_t(i)]);
            continue;
        }
        std::vector<double> d;
        for (int64_t j = 0; j < t.m; ++j)
            if (finite_row(&t.set[size_t(j * t.dim)], t.dim)) d.push_back(exact(LF_METRIC_EUCLIDEAN, &t.x[size_t(i * t.dim)], &t.set[size_t(j * t.dim)], t.dim));
        std::sort(d.begin(), d.end());
        wrong += !close(mean[size_t(i)], std::accumulate(d.begin(), d.begin() + k, 0.0) / k, kDistanceRel);
    }
    LF_CHECK(wrong == 0, "%d of %lld knn means wrong with NaN/Inf rows in the reference set", wrong, (long long)t.n);
    // K above the finite rows: NaN (the first 4 rows of the set hold one NaN row)
    float m2[2];
    LF_OK_OR_FAIL(lf_knn_mean_distance_cpu(2, 4, t.dim, t.x.data(), t.set.data(), 4, m2));
    LF_CHECK(std::isnan(m2[0]) && std::isnan(m2[1]), "k = 4 of 3 finite rows: means %g %g, want NaN", m2[0], m2[1]);
    LF_OK_OR_FAIL(lf_knn_mean_distance_cpu(2, 4, t.dim, t.x.data(), t.set.data(), 3, m2));
    LF_CHECK(std::isfinite(m2[0]) && std::isfinite(m2[1]), "k = 3 of 3 finite rows: means %g %g", m2[0], m2[1]);
    // dedup: NaN / Inf rows are left out and found nothing
    const float pts[] = {1, 0, nan, 0, 1, 0.0001f, std::numeric_limits<float>::infinity(), 1, 0, 1, nan, nan};
    std::vector<int32_t> cluster(6), leader(6);
    int64_t count = -1;
    for (lf_merge_rule rule : {lf_merge_rule{LF_METRIC_EUCLIDEAN, 0.5, 0}, lf_merge_rule{LF_METRIC_COSINE, 0.99, 1e-3}}) {
        LF_OK_OR_FAIL(lf_dedup_cpu(6, 2, pts, nullptr, &rule, cluster.data(), leader.data(), &count));
        const int32_t want[] = {0, -1, 0, -1, 1, -1};
        bool ok = count == 2 && leader[0] == 0 && leader[1] == 4;
        for (int i = 0; i < 6; ++i) ok = ok && cluster[size_t(i)] == want[i];
        LF_CHECK(ok, "metric %d: dedup with NaN/Inf rows gave %lld clusters (want 2, NaN/Inf rows at -1)", rule.metric, (long long)count);
    }
    if (!lftest::cuda_available()) {
        lftest::report_skip("nearest, knn and dedup with NaN/Inf rows, CUDA vs CPU");
        return;
    }
    lftest::Device<float> dx(t.x), dset(t.set);
    for (int metric : {LF_METRIC_EUCLIDEAN, LF_METRIC_COSINE}) {
        std::vector<int32_t> ci(size_t(t.n));
        std::vector<float> cd(size_t(t.n));
        LF_OK_OR_FAIL(lf_nearest_cpu(t.n, t.m, t.dim, t.x.data(), t.set.data(), metric, ci.data(), cd.data()));
        lftest::Device<int32_t> gi(static_cast<size_t>(t.n));
        lftest::Device<float> gd(static_cast<size_t>(t.n));
        LF_OK_OR_FAIL(lf_nearest_cuda(t.n, t.m, t.dim, dx.get(), dset.get(), metric, gi.get(), gd.get(), nullptr));
        auto hi = gi.to_host();
        auto hd = gd.to_host();
        int differ = 0;
        for (size_t i = 0; i < size_t(t.n); ++i)
            differ += hi[i] != ci[i] || (std::isnan(cd[i]) ? !std::isnan(hd[i]) : !close(hd[i], cd[i], kParityRel));
        LF_CHECK(differ == 0, "metric %d: %d nearest results with NaN/Inf rows differ between CUDA and CPU", metric, differ);
    }
    for (int32_t kk : {k, 296, 297}) {  // 296 finite rows: K = 297 is NaN everywhere
        std::vector<float> cm(size_t(t.n));
        LF_OK_OR_FAIL(lf_knn_mean_distance_cpu(t.n, t.m, t.dim, t.x.data(), t.set.data(), kk, cm.data()));
        lftest::Device<float> gm(static_cast<size_t>(t.n));
        LF_OK_OR_FAIL(lf_knn_mean_distance_cuda(t.n, t.m, t.dim, dx.get(), dset.get(), kk, gm.get(), nullptr));
        auto hm = gm.to_host();
        int differ = 0;
        for (size_t i = 0; i < size_t(t.n); ++i)
            differ += std::isnan(cm[i]) ? !std::isnan(hm[i]) : !close(hm[i], cm[i], kParityRel);
        LF_CHECK(differ == 0, "k %d: %d knn means with NaN/Inf rows differ between CUDA and CPU", kk, differ);
    }
    lftest::Device<float> dp(std::vector<float>(pts, pts + 12));
    lftest::Device<int32_t> gc(size_t(6)), gl(size_t(6));
    lftest::Device<int64_t> gcount(size_t(1));
    lf_merge_rule rule{LF_METRIC_EUCLIDEAN, 0.5, 0};
    LF_OK_OR_FAIL(lf_dedup_cpu(6, 2, pts, nullptr, &rule, cluster.data(), leader.data(), &count));
    LF_OK_OR_FAIL(lf_dedup_cuda(6, 2, dp.get(), nullptr, &rule, gc.get(), gl.get(), gcount.get(), nullptr));
    LF_CHECK(gc.to_host() == cluster && gcount.to_host()[0] == count, "dedup with NaN/Inf rows differs between CUDA and CPU");
    std::printf("CUDA parity checked: nearest, knn, dedup with NaN/Inf rows\n");
}

void gemm_providers() {
    // The built-in GEMM is what every kernel uses until lf_blas_open; when LF_TEST_CBLAS names a
    // CBLAS library (e.g. /usr/lib/x86_64-linux-gnu/libopenblas.so.0), both must agree.
    const char* path = std::getenv("LF_TEST_CBLAS");
    const char* desc = nullptr;
    LF_OK_OR_FAIL(lf_gemm_provider(&desc));
    std::printf("GEMM providers: %s\n", desc);
    LF_CHECK(lf_blas_open("/nonexistent/libcblas.so") == LF_ERR_INVALID_ARGUMENT &&
                 std::strstr(lf_last_error(), "cannot load") != nullptr,
             "a missing BLAS library is reported");
    if (path == nullptr) {
        std::printf("SKIPPED (LF_TEST_CBLAS not set): CBLAS provider vs built-in GEMM\n");
        return;
    }
    std::mt19937_64 rng(5);
    const int64_t n = 500, m = 900, dim = 33;
    auto x = gaussian(rng, size_t(n * dim)), set = gaussian(rng, size_t(m * dim));
    std::vector<int32_t> i1(n), i2(n);
    std::vector<float> d1(n), d2(n);
    LF_OK_OR_FAIL(lf_nearest_cpu(n, m, dim, x.data(), set.data(), LF_METRIC_EUCLIDEAN, i1.data(), d1.data()));
    LF_OK_OR_FAIL(lf_blas_open(path));
    LF_OK_OR_FAIL(lf_gemm_provider(&desc));
    std::printf("GEMM providers: %s\n", desc);
    LF_OK_OR_FAIL(lf_nearest_cpu(n, m, dim, x.data(), set.data(), LF_METRIC_EUCLIDEAN, i2.data(), d2.data()));
    LF_CHECK(i1 == i2 && d1 == d2, "CBLAS and built-in providers give different nearest rows");
}

void cuda_parity(uint64_t seed) {
    if (!lftest::cuda_available()) {
        lftest::report_skip("nearest, knn and dedup CUDA vs CPU parity");
        return;
    }
    std::mt19937_64 rng(seed);
    const int64_t n = 2000, m = 5000, dim = 24;
    const int32_t k = 200;
    auto x = gaussian(rng, size_t(n * dim), 2.0f, 10.0f), set = gaussian(rng, size_t(m * dim), 2.0f, 10.0f);
    lftest::Device<float> dx(x), dset(set);
    for (int metric : {LF_METRIC_EUCLIDEAN, LF_METRIC_COSINE}) {
        std::vector<int32_t> ci(n);
        std::vector<float> cd(n);
        LF_OK_OR_FAIL(lf_nearest_cpu(n, m, dim, x.data(), set.data(), metric, ci.data(), cd.data()));
        lftest::Device<int32_t> gi(static_cast<size_t>(n));
        lftest::Device<float> gd(static_cast<size_t>(n));
        LF_OK_OR_FAIL(lf_nearest_cuda(n, m, dim, dx.get(), dset.get(), metric, gi.get(), gd.get(), nullptr));
        auto hi = gi.to_host();
        auto hd = gd.to_host();
        int wrong = 0;
        for (int64_t i = 0; i < n; ++i) wrong += !close(hd[i], cd[i], kParityRel) || (hi[i] != ci[i] && hd[i] != cd[i]);
        LF_CHECK(wrong == 0, "seed %llu metric %d: %d nearest results differ between CUDA and CPU", (unsigned long long)seed, metric, wrong);
    }
    std::vector<float> cm(n);
    LF_OK_OR_FAIL(lf_knn_mean_distance_cpu(n, m, dim, x.data(), set.data(), k, cm.data()));
    lftest::Device<float> gm(static_cast<size_t>(n));
    LF_OK_OR_FAIL(lf_knn_mean_distance_cuda(n, m, dim, dx.get(), dset.get(), k, gm.get(), nullptr));
    auto hm = gm.to_host();
    int wrong = 0;
    for (int64_t i = 0; i < n; ++i) wrong += !close(hm[i], cm[i], kParityRel);
    LF_CHECK(wrong == 0, "seed %llu: %d knn means differ between CUDA and CPU", (unsigned long long)seed, wrong);
    lf_merge_rule rule{LF_METRIC_COSINE, 0.99, 1e-3};
    std::vector<int32_t> cc(n), cl(n);
    int64_t ccount = 0;
    LF_OK_OR_FAIL(lf_dedup_cpu(n, dim, x.data(), nullptr, &rule, cc.data(), cl.data(), &ccount));
    lftest::Device<int32_t> gc(static_cast<size_t>(n)), gl(static_cast<size_t>(n));
    lftest::Device<int64_t> gcount(static_cast<size_t>(1));
    LF_OK_OR_FAIL(lf_dedup_cuda(n, dim, dx.get(), nullptr, &rule, gc.get(), gl.get(), gcount.get(), nullptr));
    LF_CHECK(gc.to_host() == cc && gcount.to_host()[0] == ccount, "dedup differs between CUDA and CPU");
    std::printf("CUDA parity checked: nearest, knn, dedup (seed %llu)\n", (unsigned long long)seed);
}

}  // namespace

int main() {
    for (uint64_t seed = 1; seed <= 12; ++seed) nearest_vs_brute_force(seed);
    for (uint64_t seed = 101; seed <= 108; ++seed) knn_vs_sort(seed);
    dedup_known_clusters();
    non_finite_rows();
    gemm_providers();
    cuda_parity(7);
    return lftest::finish("distances match brute force (seeds 1-12, 101-108)");
}
