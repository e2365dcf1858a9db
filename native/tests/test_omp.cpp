// Batch-OMP: the CPU kernel against a naive OMP (explicit residual, least squares solved
// from scratch each step) on seeded random unit-norm dictionaries; exact recovery of planted
// sparse signals; the tolerance rule; linear dependence; CUDA vs CPU (skipped without a GPU).
#include <algorithm>
#include <cstring>
#include <limits>

#include "test_util.hpp"

using lftest::gaussian;

namespace {

constexpr double kCoefAbs = 1e-4;  // coefficients vs the naive reference and across devices

struct Naive {
    std::vector<int32_t> support;
    std::vector<double> coef;
};

// Solves the s x s system A y = b by Gaussian elimination with partial pivoting.
std::vector<double> solve(std::vector<double> a, std::vector<double> b, int s) {
    for (int c = 0; c < s; ++c) {
        int p = c;
        for (int r = c + 1; r < s; ++r)
            if (std::fabs(a[r * s + c]) > std::fabs(a[p * s + c])) p = r;
        for (int j = 0; j < s; ++j) std::swap(a[c * s + j], a[p * s + j]);
        std::swap(b[c], b[p]);
        for (int r = c + 1; r < s; ++r) {
            const double f = a[r * s + c] / a[c * s + c];
            for (int j = c; j < s; ++j) a[r * s + j] -= f * a[c * s + j];
            b[r] -= f * b[c];
        }
    }
    std::vector<double> y(s);
    for (int r = s - 1; r >= 0; --r) {
        double v = b[r];
        for (int j = r + 1; j < s; ++j) v -= a[r * s + j] * y[j];
        y[r] = v / a[r * s + r];
    }
    return y;
}

Naive naive_omp(const std::vector<float>& d, int64_t atoms, int64_t dim, const float* x, int S) {
    Naive out;
    std::vector<double> r(x, x + dim);
    for (int s = 0; s < S; ++s) {
        int64_t best = -1;
        double best_v = 0;
        for (int64_t a = 0; a < atoms; ++a) {
            if (std::find(out.support.begin(), out.support.end(), a) != out.support.end()) continue;
            double c = 0;
            for (int64_t j = 0; j < dim; ++j) c += d[size_t(a * dim + j)] * r[size_t(j)];
            if (std::fabs(c) > best_v) best_v = std::fabs(c), best = a;
        }
        if (best < 0) break;
        out.support.push_back(int32_t(best));
        const int n = int(out.support.size());
        std::vector<double> g(static_cast<size_t>(n * n)), b(static_cast<size_t>(n));
        for (int i = 0; i < n; ++i) {
            for (int k = 0; k < n; ++k) {
                double v = 0;
                for (int64_t j = 0; j < dim; ++j) v += double(d[size_t(out.support[i] * dim + j)]) * d[size_t(out.support[k] * dim + j)];
                g[size_t(i * n + k)] = v;
            }
            double v = 0;
            for (int64_t j = 0; j < dim; ++j) v += double(d[size_t(out.support[i] * dim + j)]) * x[j];
            b[size_t(i)] = v;
        }
        out.coef = solve(g, b, n);
        for (int64_t j = 0; j < dim; ++j) {
            r[size_t(j)] = x[j];
            for (int i = 0; i < n; ++i) r[size_t(j)] -= out.coef[size_t(i)] * d[size_t(out.support[i] * dim + j)];
        }
    }
    return out;
}

void vs_naive(uint64_t seed) {
    std::mt19937_64 rng(seed);
    const int64_t dim = 8 + int64_t(rng() % 56), atoms = dim + int64_t(rng() % 200), m = 1 + int64_t(rng() % 150);
    const int S = 1 + int(rng() % uint64_t(std::min<int64_t>(dim - 1, 24)));
    auto d = gaussian(rng, size_t(atoms * dim));
    lftest::normalise_rows(d, atoms, dim);
    auto x = gaussian(rng, size_t(m * dim));
    std::vector<int32_t> support(static_cast<size_t>(m * S));
    std::vector<float> coef(static_cast<size_t>(m * S)), residual(static_cast<size_t>(m));
    LF_OK_OR_FAIL(lf_omp_cpu(atoms, dim, m, d.data(), x.data(), S, 0.0, support.data(), coef.data(), residual.data()));
    int wrong = 0;
    double worst = 0;
    for (int64_t i = 0; i < m; ++i) {
        const Naive want = naive_omp(d, atoms, dim, &x[size_t(i * dim)], S);
        for (int s = 0; s < S; ++s) {
            const int32_t w = s < int(want.support.size()) ? want.support[size_t(s)] : -1;
            if (support[size_t(i * S + s)] != w) ++wrong;
            else if (w >= 0) worst = std::max(worst, std::fabs(coef[size_t(i * S + s)] - want.coef[size_t(s)]));
        }
    }
    LF_CHECK(wrong == 0, "seed %llu (%lld atoms, dim %lld, S %d): %d support entries differ from naive OMP",
             (unsigned long long)seed, (long long)atoms, (long long)dim, S, wrong);
    LF_CHECK(worst <= kCoefAbs, "seed %llu: coefficients differ from naive OMP by %.3g", (unsigned long long)seed, worst);
}

void planted_recovery_and_tolerance() {
    std::mt19937_64 rng(77);
    const int64_t dim = 64, atoms = 128, m = 50;
    const int S = 4;
    auto d = gaussian(rng, size_t(atoms * dim));
    lftest::normalise_rows(d, atoms, dim);
    std::vector<float> x(size_t(m * dim), 0.0f);
    std::vector<std::vector<int32_t>> planted(static_cast<size_t>(m));
    for (int64_t i = 0; i < m; ++i) {
        while (planted[size_t(i)].size() < size_t(S)) {
            const int32_t a = int32_t(rng() % uint64_t(atoms));
            if (std::find(planted[size_t(i)].begin(), planted[size_t(i)].end(), a) == planted[size_t(i)].end()) planted[size_t(i)].push_back(a);
        }
        for (int32_t a : planted[size_t(i)]) {
            const float c = 1.0f + float(rng() % 1000) / 1000.0f;
            for (int64_t j = 0; j < dim; ++j) x[size_t(i * dim + j)] += c * d[size_t(a * dim + j)];
        }
    }
    const int cap = 10;
    std::vector<int32_t> support(static_cast<size_t>(m * cap));
    std::vector<float> coef(static_cast<size_t>(m * cap)), residual(static_cast<size_t>(m));
    // with a tolerance the pursuit stops after the planted atoms
    LF_OK_OR_FAIL(lf_omp_cpu(atoms, dim, m, d.data(), x.data(), cap, 1e-3, support.data(), coef.data(), residual.data()));
    int missed = 0;
    for (int64_t i = 0; i < m; ++i) {
        std::vector<int32_t> got(support.begin() + i * cap, support.begin() + i * cap + S);
        std::sort(got.begin(), got.end());
        auto want = planted[size_t(i)];
        std::sort(want.begin(), want.end());
        missed += got != want || support[size_t(i * cap + S)] != -1 || residual[size_t(i)] > 1e-3f;
    }
    LF_CHECK(missed == 0, "%d of %lld planted 4-sparse signals not recovered exactly with tol 1e-3", missed, (long long)m);
    // linear dependence: a dictionary of one atom repeated stops after one atom
    const float twice[] = {0.6f, 0.8f, 0.6f, 0.8f};
    const float y[] = {3, 4};
    int32_t sup[2];
    float cf[2], res;
    LF_OK_OR_FAIL(lf_omp_cpu(2, 2, 1, twice, y, 2, 0.0, sup, cf, &res));
    LF_CHECK(sup[0] == 0 && sup[1] == -1 && std::fabs(cf[0] - 5.0f) < 1e-5f && res < 1e-5f,
             "duplicate atom: support %d %d coef %g residual %g", sup[0], sup[1], cf[0], res);
    LF_CHECK(lf_omp_cpu(2, 2, 1, twice, y, 3, 0.0, sup, cf, &res) == LF_ERR_INVALID_ARGUMENT &&
                 std::strstr(lf_last_error(), "max_atoms") != nullptr,
             "max_atoms above the atom count accepted");
}

// Scale invariance (issue 11: atoms of norm 1e20 once selected nothing, their Gram entries
// overflowing float): scaling atom a by c_a leaves the support and residual unchanged and
// divides its coefficient by c_a. Then the refusals: a NaN/Inf atom or signal, an atom whose
// norm exceeds the float range; each named, nothing written.
struct Scaled {
    int64_t dim = 16, atoms = 64, m = 40;
    int S = 5;
    std::vector<float> unit, scaled, x;
    std::vector<double> factor;
    Scaled() {
        std::mt19937_64 rng(99);
        unit = gaussian(rng, size_t(atoms * dim));
        lftest::normalise_rows(unit, atoms, dim);
        x = gaussian(rng, size_t(m * dim));
        const double choices[] = {1e20, 1e-3, 7.0, 1e20, 1.0, 3e-20, 1e30};
        scaled = unit;
        for (int64_t a = 0; a < atoms; ++a) {
            factor.push_back(choices[size_t(a) % 7]);
            for (int64_t j = 0; j < dim; ++j) scaled[size_t(a * dim + j)] = float(unit[size_t(a * dim + j)] * factor.back());
        }
    }
};

struct Codes {
    std::vector<int32_t> support;
    std::vector<float> coef, residual;
    Codes(int64_t m, int S) : support(size_t(m * S), 7), coef(size_t(m * S), 7), residual(size_t(m), 7) {}
};

void scale_invariance_and_refusals() {
    const Scaled t;
    Codes u(t.m, t.S), c(t.m, t.S), big(t.m, t.S);
    LF_OK_OR_FAIL(lf_omp_cpu(t.atoms, t.dim, t.m, t.unit.data(), t.x.data(), t.S, 0.0, u.support.data(), u.coef.data(), u.residual.data()));
    LF_OK_OR_FAIL(lf_omp_cpu(t.atoms, t.dim, t.m, t.scaled.data(), t.x.data(), t.S, 0.0, c.support.data(), c.coef.data(), c.residual.data()));
    int wrong = 0;
    for (size_t p = 0; p < u.support.size(); ++p) {
        wrong += c.support[p] != u.support[p];
        if (c.support[p] >= 0 && c.support[p] == u.support[p])
            wrong += !(std::fabs(double(c.coef[p]) * t.factor[size_t(c.support[p])] - u.coef[p]) <= kCoefAbs * std::max(1.0f, std::fabs(u.coef[p])));
    }
    for (size_t i = 0; i < size_t(t.m); ++i) wrong += !(std::fabs(c.residual[i] - u.residual[i]) <= 1e-4f * std::max(1.0f, u.residual[i]));
    LF_CHECK(wrong == 0, "%d support / coefficient / residual entries change when atoms are scaled by 1e-3 .. 1e30", wrong);
    // every atom of norm 1e20 (the case): the same atoms as at norm 1, not none
    std::vector<float> all_big(t.unit);
    for (auto& v : all_big) v *= 1e20f;
    LF_OK_OR_FAIL(lf_omp_cpu(t.atoms, t.dim, t.m, all_big.data(), t.x.data(), t.S, 0.0, big.support.data(), big.coef.data(), big.residual.data()));
    LF_CHECK(big.support == u.support, "atoms of norm 1e20 select other atoms than atoms of norm 1 (first: %d vs %d)", big.support[0], u.support[0]);
    // refusals, each naming the first offending row; the outputs are left as they were
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    struct Refusal {
        const char* what;
        int64_t atom_row, signal_row;  // -1: none
        float value;
        const char* message;
    };
    const Refusal refusals[] = {
        {"NaN atom", 2, -1, nan, "atom 2 of the dictionary is not finite"},
        {"Inf atom", 5, 9, -inf, "atom 5 of the dictionary is not finite"},  // atoms are checked before signals
        {"Inf signal", -1, 9, inf, "signal 9 is not finite"},
        {"atom beyond the float range", 3, -1, 3e38f, "atom 3 of the dictionary has norm"},
        {"signal beyond the float range", -1, 4, 3e38f, "signal 4 has norm"},
    };
    for (const Refusal& r : refusals) {
        std::vector<float> d(t.unit), x(t.x);
        if (r.atom_row >= 0) d[size_t(r.atom_row * t.dim)] = d[size_t(r.atom_row * t.dim + 1)] = r.value;
        if (r.signal_row >= 0) x[size_t(r.signal_row * t.dim)] = x[size_t(r.signal_row * t.dim + 1)] = r.value;
        Codes out(t.m, t.S);
        const lf_status st = lf_omp_cpu(t.atoms, t.dim, t.m, d.data(), x.data(), t.S, 0.0, out.support.data(), out.coef.data(), out.residual.data());
        LF_CHECK(st == LF_ERR_INVALID_ARGUMENT && std::strstr(lf_last_error(), r.message) != nullptr, "%s: status %d, message '%s'", r.what, st,
                 lf_last_error());
        LF_CHECK(std::all_of(out.support.begin(), out.support.end(), [](int32_t v) { return v == 7; }), "%s: outputs written", r.what);
        if (!lftest::cuda_available()) continue;
        lftest::Device<float> dd(d), dx(x);
        lftest::Device<int32_t> gs(out.support);
        lftest::Device<float> gc(out.coef), gr(out.residual);
        const lf_status gst = lf_omp_cuda(t.atoms, t.dim, t.m, dd.get(), dx.get(), t.S, 0.0, gs.get(), gc.get(), gr.get(), nullptr);
        LF_CHECK(gst == LF_ERR_INVALID_ARGUMENT && std::strstr(lf_last_error(), r.message) != nullptr, "CUDA %s: status %d, message '%s'", r.what,
                 gst, lf_last_error());
    }
    if (!lftest::cuda_available()) {
        lftest::report_skip("OMP on scaled dictionaries and its refusals, CUDA vs CPU");
        return;
    }
    lftest::Device<float> ds(t.scaled), dx(t.x);
    lftest::Device<int32_t> gs(c.support.size());
    lftest::Device<float> gc(c.coef.size()), gr(c.residual.size());
    LF_OK_OR_FAIL(lf_omp_cuda(t.atoms, t.dim, t.m, ds.get(), dx.get(), t.S, 0.0, gs.get(), gc.get(), gr.get(), nullptr));
    auto hs = gs.to_host();
    auto hc = gc.to_host();
    int differ = 0;
    for (size_t p = 0; p < hs.size(); ++p)
        differ += hs[p] != c.support[p] ||
                  !(std::fabs(double(hc[p]) - c.coef[p]) <= kCoefAbs * std::max(1.0, std::fabs(double(c.coef[p]))));
    LF_CHECK(differ == 0, "%d OMP entries on the scaled dictionary differ between CUDA and CPU", differ);
    std::printf("CUDA parity checked: OMP on a scaled dictionary and its refusals\n");
}

void cuda_parity(uint64_t seed) {
    if (!lftest::cuda_available()) {
        lftest::report_skip("OMP CUDA vs CPU parity");
        return;
    }
    std::mt19937_64 rng(seed);
    const int64_t dim = 128, atoms = 1024, m = 3000;
    const int S = 32;
    auto d = gaussian(rng, size_t(atoms * dim));
    lftest::normalise_rows(d, atoms, dim);
    auto x = gaussian(rng, size_t(m * dim));
    std::vector<int32_t> cs(static_cast<size_t>(m * S));
    std::vector<float> cc(static_cast<size_t>(m * S)), cr(static_cast<size_t>(m));
    LF_OK_OR_FAIL(lf_omp_cpu(atoms, dim, m, d.data(), x.data(), S, 0.0, cs.data(), cc.data(), cr.data()));
    lftest::Device<float> dd(d), dx(x);
    lftest::Device<int32_t> gs(cs.size());
    lftest::Device<float> gc(cc.size()), gr(cr.size());
    LF_OK_OR_FAIL(lf_omp_cuda(atoms, dim, m, dd.get(), dx.get(), S, 0.0, gs.get(), gc.get(), gr.get(), nullptr));
    auto hs = gs.to_host();
    auto hc = gc.to_host();
    auto hr = gr.to_host();
    int64_t differ = 0;
    double worst = 0, worst_residual = 0;
    for (int64_t i = 0; i < m; ++i) {
        bool same = std::equal(hs.begin() + i * S, hs.begin() + (i + 1) * S, cs.begin() + i * S);
        differ += !same;
        if (!same) continue;
        for (int s = 0; s < S; ++s) worst = std::max(worst, double(std::fabs(hc[size_t(i * S + s)] - cc[size_t(i * S + s)])));
        // residuals are recomputed in double on both sides: they differ only through the coefficients
        worst_residual = std::max(worst_residual, std::fabs(double(hr[size_t(i)]) - cr[size_t(i)]) / std::max(1.0, double(cr[size_t(i)])));
    }
    // a near-tie of correlations may flip one selection in float; allow 0.5% of signals
    LF_CHECK(differ <= m / 200, "seed %llu: %lld of %lld supports differ between CUDA and CPU", (unsigned long long)seed,
             (long long)differ, (long long)m);
    LF_CHECK(worst <= kCoefAbs, "seed %llu: coefficients differ by %.3g between CUDA and CPU", (unsigned long long)seed, worst);
    LF_CHECK(worst_residual <= 1e-4, "seed %llu: residuals differ by %.3g (relative) between CUDA and CPU", (unsigned long long)seed,
             worst_residual);
    std::printf("CUDA parity checked: OMP (seed %llu, %lld of %lld supports differ, max coef diff %.3g, max residual diff %.3g)\n",
                (unsigned long long)seed, (long long)differ, (long long)m, worst, worst_residual);

    // the tolerance path: signals built from 3 atoms plus a little noise stop at ||r|| <= tol on both sides
    const int64_t mt = 500;
    std::vector<float> xt(static_cast<size_t>(mt * dim));
    std::uniform_int_distribution<int64_t> pick(0, atoms - 1);
    std::normal_distribution<float> noise(0.0f, 1e-4f);
    for (int64_t i = 0; i < mt; ++i) {
        for (int64_t t = 0; t < dim; ++t) xt[size_t(i * dim + t)] = noise(rng);
        for (int a = 0; a < 3; ++a) {
            const int64_t j = pick(rng);
            for (int64_t t = 0; t < dim; ++t) xt[size_t(i * dim + t)] += float(a + 1) * d[size_t(j * dim + t)];
        }
    }
    const double tol = 1e-2;
    std::vector<int32_t> ts(static_cast<size_t>(mt * S));
    std::vector<float> tc(static_cast<size_t>(mt * S)), tr(static_cast<size_t>(mt));
    LF_OK_OR_FAIL(lf_omp_cpu(atoms, dim, mt, d.data(), xt.data(), S, tol, ts.data(), tc.data(), tr.data()));
    lftest::Device<float> dxt(xt);
    lftest::Device<int32_t> gts(ts.size());
    lftest::Device<float> gtc(tc.size()), gtr(tr.size());
    LF_OK_OR_FAIL(lf_omp_cuda(atoms, dim, mt, dd.get(), dxt.get(), S, tol, gts.get(), gtc.get(), gtr.get(), nullptr));
    auto hts = gts.to_host();
    auto htr = gtr.to_host();
    int64_t stops_differ = 0;
    for (int64_t i = 0; i < mt; ++i) {
        const auto used = [&](const std::vector<int32_t>& sup) { return std::count_if(sup.begin() + i * S, sup.begin() + (i + 1) * S, [](int32_t v) { return v >= 0; }); };
        stops_differ += used(hts) != used(ts) || !(htr[size_t(i)] <= tol) || !(tr[size_t(i)] <= tol);
    }
    LF_CHECK(stops_differ == 0, "seed %llu: %lld of %lld signals stop differently under tol %.0e on CUDA and CPU", (unsigned long long)seed,
             (long long)stops_differ, (long long)mt, tol);
    std::printf("CUDA parity checked: OMP tolerance path (%lld of %lld stops differ)\n", (long long)stops_differ, (long long)mt);
}

}  // namespace

int main() {
    for (uint64_t seed = 1; seed <= 30; ++seed) vs_naive(seed);
    planted_recovery_and_tolerance();
    scale_invariance_and_refusals();
    cuda_parity(3);
    return lftest::finish("OMP matches naive OMP (seeds 1-30) and recovers planted supports");
}
