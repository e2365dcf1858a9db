// Batched dense solves (lf_solve_batched_* in lf.h): random systems against a naive long double
// reference and by their residuals, systems that need pivoting, singular and nearly singular
// ones, NaN and Inf, solving in place; CUDA vs CPU when a GPU exists.
#include <algorithm>
#include <cstring>
#include <limits>

#include "test_util.hpp"

namespace {

constexpr double kReferenceRel = 1e-9;  // well-conditioned systems: x against the reference
constexpr double kResidualRel = 1e-12;  // ||a x - b|| <= tol ||a||_inf ||x||_inf k
constexpr double kParityRel = 1e-12;    // CUDA vs CPU, same double code

struct Batch {
    int64_t n;
    int k;
    std::vector<double> a, b;
};

// Diagonally shifted Gaussian systems: condition numbers of a few tens.
Batch random_batch(uint64_t seed, int64_t n, int k) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> g;
    Batch s{n, k, std::vector<double>(size_t(n * k * k)), std::vector<double>(size_t(n * k))};
    for (auto& v : s.a) v = g(rng);
    for (int64_t p = 0; p < n; ++p)
        for (int i = 0; i < k; ++i) s.a[size_t(p * k * k + i * k + i)] += 2.0 * std::sqrt(double(k));
    for (auto& v : s.b) v = 10 * g(rng);
    return s;
}

struct Solved {
    std::vector<double> x;
    std::vector<int8_t> singular;
};

Solved solve_cpu(const Batch& s) {
    Solved r{std::vector<double>(s.b.size(), -7), std::vector<int8_t>(size_t(s.n), -7)};
    LF_OK_OR_FAIL(lf_solve_batched_cpu(s.n, s.k, s.a.data(), s.b.data(), r.x.data(), r.singular.data()));
    return r;
}

void random_systems(uint64_t seed, int k, int64_t n) {
    const Batch s = random_batch(seed, n, k);
    const Solved r = solve_cpu(s);
    int wrong = 0, flagged = 0;
    double worst = 0;
    for (int64_t p = 0; p < n; ++p) {
        const std::vector<double> a(s.a.begin() + p * k * k, s.a.begin() + (p + 1) * k * k);
        std::vector<long double> want(s.b.begin() + p * k, s.b.begin() + (p + 1) * k);
        lftest::naive_eliminate(a, k, &want);
        double xmax = 0, amax = 0, res = 0;
        for (int i = 0; i < k; ++i) {
            const double xi = r.x[size_t(p * k + i)];
            xmax = std::max(xmax, std::fabs(xi));
            worst = std::max(worst, std::fabs(xi - double(want[size_t(i)])) / (1 + std::fabs(double(want[size_t(i)]))));
            wrong += !(std::fabs(xi - double(want[size_t(i)])) <= kReferenceRel * (1 + std::fabs(double(want[size_t(i)]))));
            long double row = -s.b[size_t(p * k + i)];
            double rowsum = 0;
            for (int j = 0; j < k; ++j) {
                row += (long double)a[size_t(i * k + j)] * r.x[size_t(p * k + j)];
                rowsum += std::fabs(a[size_t(i * k + j)]);
            }
            amax = std::max(amax, rowsum);
            res = std::max(res, double(std::fabs(row)));
        }
        wrong += !(res <= kResidualRel * amax * xmax * k);
        flagged += r.singular[size_t(p)] != 0;
    }
    LF_CHECK(wrong == 0 && flagged == 0, "seed %llu k %d: %d of %lld systems off (worst relative error %.3g), %d flagged singular",
             (unsigned long long)seed, k, wrong, (long long)n, worst, flagged);
}

void special_systems() {
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    // k = 2, one system each: needs a row swap; rank 1; zero; pivot 4.4e-15 (singular);
    // pivot 1e-13 (regular); NaN in a; Inf in b
    Batch s{7, 2, {0, 1, 1, 0,  1, 2, 2, 4,  0, 0, 0, 0,  1, 1, 1, 1 + 4.5e-15,  1, 1, 1, 1 + 1e-13,  1, nan, 0, 1,  1, 0, 0, 1},
            {3, 5,  1, 2,  1, 1,  1, 2,  2, 2,  1, 1,  1, inf}};
    const Solved r = solve_cpu(s);
    const int8_t want_singular[] = {0, 1, 1, 1, 0, 1, 1};
    for (int p = 0; p < 7; ++p) {
        LF_CHECK(r.singular[size_t(p)] == want_singular[p], "system %d: singular %d, want %d", p, r.singular[size_t(p)],
                 want_singular[p]);
        if (want_singular[p])
            LF_CHECK(std::isnan(r.x[size_t(2 * p)]) && std::isnan(r.x[size_t(2 * p + 1)]), "singular system %d: x = (%g, %g), want NaN",
                     p, r.x[size_t(2 * p)], r.x[size_t(2 * p + 1)]);
    }
    LF_CHECK(r.x[0] == 5 && r.x[1] == 3, "swap: x = (%g, %g), want (5, 3)", r.x[0], r.x[1]);
    LF_CHECK(std::fabs(r.x[8] - 2) < 1e-2 && std::fabs(r.x[9]) < 1e-2, "pivot 1e-13: x = (%.17g, %.17g), want (2, 0)", r.x[8], r.x[9]);
    // in place: x = b
    Batch in_place = random_batch(77, 5, 4);
    const Solved apart = solve_cpu(in_place);
    std::vector<int8_t> sing(5);
    LF_OK_OR_FAIL(lf_solve_batched_cpu(5, 4, in_place.a.data(), in_place.b.data(), in_place.b.data(), sing.data()));
    LF_CHECK(in_place.b == apart.x, "solving in place (x = b) differs from solving into another buffer");
    // arguments
    LF_CHECK(lf_solve_batched_cpu(1, 0, s.a.data(), s.b.data(), in_place.b.data(), sing.data()) == LF_ERR_INVALID_ARGUMENT &&
                 std::strstr(lf_last_error(), "k >= 1") != nullptr,
             "k = 0 accepted (%s)", lf_last_error());
    LF_CHECK(lf_solve_batched_cpu(1, 2, s.a.data(), nullptr, in_place.b.data(), sing.data()) == LF_ERR_INVALID_ARGUMENT,
             "NULL b accepted");
    LF_OK_OR_FAIL(lf_solve_batched_cpu(0, 2, nullptr, nullptr, nullptr, nullptr));
}

void cuda_parity() {
    if (!lftest::cuda_available()) {
        lftest::report_skip("batched solves, CUDA vs CPU (random and singular systems)");
        return;
    }
    for (int k : {1, 3, 8, 40}) {
        Batch s = random_batch(900 + uint64_t(k), 300, k);
        for (int j = 0; j < k; ++j) s.a[size_t(5 * k * k + j)] = 0;     // system 5: a zero row
        s.b[size_t(7 * k)] = std::numeric_limits<double>::quiet_NaN();  // system 7: NaN
        const Solved r = solve_cpu(s);
        lftest::Device<double> da(s.a), db(s.b), dx(s.b.size());
        lftest::Device<int8_t> ds(size_t(s.n));
        LF_OK_OR_FAIL(lf_solve_batched_cuda(s.n, k, da.get(), db.get(), dx.get(), ds.get(), nullptr));
        const auto gx = dx.to_host();
        const auto gs = ds.to_host();
        int differ = 0;
        for (size_t i = 0; i < gx.size(); ++i)
            differ += std::isnan(r.x[i]) ? !std::isnan(gx[i]) : !(std::fabs(gx[i] - r.x[i]) <= kParityRel * (1 + std::fabs(r.x[i])));
        LF_CHECK(differ == 0 && gs == r.singular && r.singular[5] == 1 && r.singular[7] == 1,
                 "k %d: %d solution entries or the singular flags differ between CUDA and CPU", k, differ);
    }
}

}  // namespace

int main() {
    for (int k : {1, 2, 5, 16, 40}) random_systems(6000 + uint64_t(k), k, k == 40 ? 50 : 500);
    special_systems();
    cuda_parity();
    return lftest::finish("batched LU solves against the reference, singular and non-finite systems");
}
