// Jacobian spectra: matrices with known singular values (U diag(s) V^T) and known
// eigenvalues (Q T Q^T with T in real Schur form: 1 x 1 and rotation-scaling 2 x 2 diagonal
// blocks, random strictly upper part, so non-normal), seeded; CUDA vs CPU when a GPU exists.
#include <algorithm>
#include <cstring>
#include <limits>

#include "test_util.hpp"

namespace {

constexpr double kSpectraRel = 1e-4;  // the accuracy goal against exact spectra

using Mat = std::vector<double>;  // k x k row-major

Mat orthogonal(std::mt19937_64& rng, int k) {
    std::normal_distribution<double> g;
    Mat q(size_t(k) * k);
    for (auto& x : q) x = g(rng);
    for (int c = 0; c < k; ++c) {  // modified Gram-Schmidt on columns, twice for accuracy
        for (int pass = 0; pass < 2; ++pass)
            for (int p = 0; p < c; ++p) {
                double d = 0;
                for (int r = 0; r < k; ++r) d += q[r * k + p] * q[r * k + c];
                for (int r = 0; r < k; ++r) q[r * k + c] -= d * q[r * k + p];
            }
        double nrm = 0;
        for (int r = 0; r < k; ++r) nrm += q[r * k + c] * q[r * k + c];
        for (int r = 0; r < k; ++r) q[r * k + c] /= std::sqrt(nrm);
    }
    return q;
}

Mat mul(const Mat& a, const Mat& b, int k, bool transpose_b) {
    Mat c(size_t(k) * k, 0.0);
    for (int i = 0; i < k; ++i)
        for (int j = 0; j < k; ++j) {
            double s = 0;
            for (int l = 0; l < k; ++l) s += a[i * k + l] * (transpose_b ? b[j * k + l] : b[l * k + j]);
            c[i * k + j] = s;
        }
    return c;
}

struct Case {
    std::vector<float> j;
    double norm, radius;  // exact (radius only where known)
};

Case known_singular_values(std::mt19937_64& rng, int k) {
    std::uniform_real_distribution<double> u(0.05, 0.8);
    Mat d(size_t(k) * k, 0.0);
    const double top = 0.5 + 3.0 * std::uniform_real_distribution<double>(0, 1)(rng);
    d[0] = top;
    for (int i = 1; i < k; ++i) d[i * k + i] = top * u(rng);  // gap: second <= 0.8 top
    Mat j = mul(mul(orthogonal(rng, k), d, k, false), orthogonal(rng, k), k, true);
    Case c;
    c.j.assign(j.begin(), j.end());
    c.norm = top;
    c.radius = -1;
    return c;
}

Case known_eigenvalues(std::mt19937_64& rng, int k) {
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    Mat t(size_t(k) * k, 0.0);
    double radius = 0;
    for (int i = 0; i < k;) {
        if (i + 1 < k && (rng() & 1)) {  // a complex pair a +- ib
            const double a = 1.2 * u(rng), b = 0.2 + std::fabs(u(rng));
            t[i * k + i] = a;
            t[i * k + i + 1] = -b;
            t[(i + 1) * k + i] = b;
            t[(i + 1) * k + i + 1] = a;
            radius = std::max(radius, std::hypot(a, b));
            i += 2;
        } else {
            t[i * k + i] = 1.5 * u(rng);
            radius = std::max(radius, std::fabs(t[i * k + i]));
            i += 1;
        }
    }
    for (int i = 0; i < k; ++i)
        for (int jj = i + 2; jj < k; ++jj) t[i * k + jj] = 0.3 * u(rng);  // non-normal part
    const Mat q = orthogonal(rng, k);
    Mat j = mul(mul(q, t, k, false), q, k, true);
    Case c;
    c.j.assign(j.begin(), j.end());
    c.norm = -1;
    c.radius = radius;
    return c;
}

bool rel_close(double got, double want) { return std::fabs(got - want) <= kSpectraRel * std::max(want, 1e-3); }

void check_cases(uint64_t seed, int k, int count, bool eigen) {
    std::mt19937_64 rng(seed);
    std::vector<Case> cases;
    std::vector<float> all;
    for (int c = 0; c < count; ++c) {
        cases.push_back(eigen ? known_eigenvalues(rng, k) : known_singular_values(rng, k));
        all.insert(all.end(), cases.back().j.begin(), cases.back().j.end());
    }
    std::vector<float> norm(static_cast<size_t>(count)), radius(static_cast<size_t>(count));
    std::vector<int32_t> its(static_cast<size_t>(count));
    LF_OK_OR_FAIL(lf_jacobian_spectra_cpu(count, k, all.data(), 10000, 1e-12, norm.data(), radius.data(), its.data()));
    int wrong = 0;
    double worst = 0;
    for (int c = 0; c < count; ++c) {
        const double want = eigen ? cases[size_t(c)].radius : cases[size_t(c)].norm;
        const double got = eigen ? radius[size_t(c)] : norm[size_t(c)];
        worst = std::max(worst, std::fabs(got - want) / want);
        if (!rel_close(got, want)) ++wrong;
        if (!(radius[size_t(c)] <= norm[size_t(c)] * (1 + 1e-5))) ++wrong;  // rho <= ||J||_2
    }
    LF_CHECK(wrong == 0, "seed %llu k %d %s: %d of %d wrong (worst relative error %.3g)", (unsigned long long)seed, k,
             eigen ? "spectral radius" : "spectral norm", wrong, count, worst);
    if (lftest::cuda_available()) {
        lftest::Device<float> dj(all);
        lftest::Device<float> dn(static_cast<size_t>(count)), dr(static_cast<size_t>(count));
        LF_OK_OR_FAIL(lf_jacobian_spectra_cuda(count, k, dj.get(), 10000, 1e-12, dn.get(), dr.get(), nullptr, nullptr));
        auto gn = dn.to_host(), gr = dr.to_host();
        int differ = 0;
        for (int c = 0; c < count; ++c)
            differ += !(std::fabs(gn[size_t(c)] - norm[size_t(c)]) <= 1e-5 * norm[size_t(c)]) ||
                      !(std::fabs(gr[size_t(c)] - radius[size_t(c)]) <= 1e-5 * std::max(1e-3f, radius[size_t(c)]));
        LF_CHECK(differ == 0, "seed %llu k %d: %d spectra differ between CUDA and CPU", (unsigned long long)seed, k, differ);
    }
}

void special_matrices() {
    const float eye[] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    const float zero[9] = {};
    const float rot[] = {0, -2, 2, 0};  // eigenvalues +-2i, norm 2
    const float jordan[] = {0.5f, 10, 0, 0.5f};  // rho 0.5, norm ~10.02: an attractor with ||J|| > 1
    float n = 0, r = 0;
    LF_OK_OR_FAIL(lf_jacobian_spectra_cpu(1, 3, eye, 100, 1e-12, &n, &r, nullptr));
    LF_CHECK(std::fabs(n - 1) < 1e-6 && std::fabs(r - 1) < 1e-6, "identity: norm %g radius %g", n, r);
    LF_OK_OR_FAIL(lf_jacobian_spectra_cpu(1, 3, zero, 100, 1e-12, &n, &r, nullptr));
    LF_CHECK(n == 0 && r == 0, "zero: norm %g radius %g", n, r);
    LF_OK_OR_FAIL(lf_jacobian_spectra_cpu(1, 2, rot, 100, 1e-12, &n, &r, nullptr));
    LF_CHECK(std::fabs(n - 2) < 1e-6 && std::fabs(r - 2) < 1e-6, "rotation: norm %g radius %g", n, r);
    LF_OK_OR_FAIL(lf_jacobian_spectra_cpu(1, 2, jordan, 1000, 1e-14, &n, &r, nullptr));
    const double want = 0.5 * (std::sqrt(100.0 + 1.0) + 10.0);  // sigma_max of [[a, b], [0, a]] with a = 0.5, b = 10
    LF_CHECK(std::fabs(n - want) < 1e-4 * want && std::fabs(r - 0.5) < 1e-6, "Jordan block: norm %g (want %g) radius %g", n, want, r);
    LF_CHECK(lf_jacobian_spectra_cpu(1, 2, rot, 0, 1e-12, &n, &r, nullptr) == LF_ERR_INVALID_ARGUMENT &&
                 std::strstr(lf_last_error(), "max_iter") != nullptr,
             "max_iter 0 accepted");
}

// NaN / Inf (issue 11): a matrix with a non-finite entry has no spectrum (NaN norm and radius,
// 0 iterations) and never hangs the balancing (the old loop `while (c > g)` spun forever on
// [[1, 1], [inf, 1]]); finite neighbours in the batch are unaffected; the CUDA twin agrees.
void non_finite_matrices() {
    const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
    // k = 2 batch: finite, Inf below the diagonal (the hang), NaN, -Inf, finite
    const std::vector<float> batch = {0.5f, 0, 0, 0.25f,  1, 1, inf, 1,  nan, 0, 0, 0.5f,  -inf, 0, 0, 0,  0.5f, 10, 0, 0.5f};
    const int count = 5;
    std::vector<float> norm(count, -1), radius(count, -1);
    std::vector<int32_t> its(count, -1);
    LF_OK_OR_FAIL(lf_jacobian_spectra_cpu(count, 2, batch.data(), 1000, 1e-14, norm.data(), radius.data(), its.data()));
    for (int p : {1, 2, 3})
        LF_CHECK(std::isnan(norm[size_t(p)]) && std::isnan(radius[size_t(p)]) && its[size_t(p)] == 0,
                 "non-finite matrix %d: norm %g radius %g iterations %d, want NaN NaN 0", p, norm[size_t(p)], radius[size_t(p)],
                 its[size_t(p)]);
    LF_CHECK(std::fabs(norm[0] - 0.5f) < 1e-6f && std::fabs(radius[0] - 0.5f) < 1e-6f, "finite neighbour 0: norm %g radius %g",
             norm[0], radius[0]);
    LF_CHECK(std::fabs(radius[4] - 0.5f) < 1e-6f && norm[4] > 10, "finite neighbour 4: norm %g radius %g", norm[4], radius[4]);
    // k = 1: NaN once gave radius 0 (fmax dropped it), i.e. "stable"
    const float one_nan = nan;
    float n = 0, r = 0;
    LF_OK_OR_FAIL(lf_jacobian_spectra_cpu(1, 1, &one_nan, 100, 1e-12, &n, &r, nullptr));
    LF_CHECK(std::isnan(n) && std::isnan(r), "1 x 1 NaN: norm %g radius %g, want NaN NaN", n, r);
    // k = 8 with one Inf deep inside a random matrix
    std::vector<float> big = lftest::gaussian(11, 64);
    big[size_t(5 * 8 + 2)] = inf;
    LF_OK_OR_FAIL(lf_jacobian_spectra_cpu(1, 8, big.data(), 1000, 1e-12, &n, &r, nullptr));
    LF_CHECK(std::isnan(n) && std::isnan(r), "8 x 8 with an Inf: norm %g radius %g, want NaN NaN", n, r);
    if (!lftest::cuda_available()) {
        lftest::report_skip("Jacobian spectra of non-finite matrices, CUDA vs CPU");
        return;
    }
    lftest::Device<float> dj(batch);
    lftest::Device<float> dn(static_cast<size_t>(count)), dr(static_cast<size_t>(count));
    lftest::Device<int32_t> di(static_cast<size_t>(count));
    LF_OK_OR_FAIL(lf_jacobian_spectra_cuda(count, 2, dj.get(), 1000, 1e-14, dn.get(), dr.get(), di.get(), nullptr));
    auto gn = dn.to_host(), gr = dr.to_host();
    auto gi = di.to_host();
    int differ = 0;
    for (size_t p = 0; p < size_t(count); ++p) {
        const bool undefined = std::isnan(norm[p]);
        differ += undefined ? !(std::isnan(gn[p]) && std::isnan(gr[p]) && gi[p] == 0)
                            : !(std::fabs(gn[p] - norm[p]) <= 1e-5f * norm[p] && std::fabs(gr[p] - radius[p]) <= 1e-5f * radius[p]);
    }
    LF_CHECK(differ == 0, "%d of %d spectra of the non-finite batch differ between CUDA and CPU", differ, count);
}

}  // namespace

int main() {
    if (!lftest::cuda_available()) lftest::report_skip("Jacobian spectra CUDA vs CPU parity");
    for (int k : {1, 2, 3, 8, 16, 64}) {
        check_cases(1000 + uint64_t(k), k, 200, false);
        check_cases(2000 + uint64_t(k), k, 200, true);
    }
    check_cases(3128, 128, 20, true);
    check_cases(4128, 128, 20, false);
    special_matrices();
    non_finite_matrices();
    return lftest::finish("spectral norms and radii within 1e-4 of the exact ones (k = 1..128)");
}
