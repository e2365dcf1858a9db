// One step of Anderson acceleration (lf_anderson_step_* in lf.h): on a linear contraction it
// needs far fewer steps than Picard; on f(x) = cos(x) it follows a naive double reference of
// the same formula step for step; the safeguard restarts a history whose residual grew; slots
// follow their points when rows are permuted or compacted; NaN rows; argument checks; CUDA vs
// CPU when a GPU exists.
#include <algorithm>
#include <cstring>
#include <limits>

#include "test_util.hpp"

namespace {

constexpr int kK = 8;                  // width of the linear problem
constexpr double kRho = 0.9;           // its spectral radius
constexpr double kConverged = 1e-6;    // ||g|| below this ends a run
constexpr int kMaxSteps = 2000;
constexpr double kReferenceRel = 1e-6; // kernel vs naive double reference, per step (of max(1, |x|))
constexpr double kParityRel = 1e-5;    // CUDA vs CPU (same code, float outputs)

struct Settings {
    int32_t m;
    double beta, lambda, safeguard;
};

// The caller's per-slot state.
struct History {
    int32_t k, m;
    std::vector<float> hx, hg, last_res;
    std::vector<int32_t> count;
    History(int32_t slots, int32_t k_, int32_t m_)
        : k(k_), m(m_), hx(size_t(slots) * size_t(m_ + 1) * size_t(k_)), hg(hx.size()), last_res(size_t(slots)),
          count(size_t(slots), 0) {}
};

// One CPU step of n rows; returns the fallback flags.
std::vector<int8_t> step(History& h, const Settings& st, const std::vector<float>& x, const std::vector<float>& fx,
                         const std::vector<int32_t>& slot, std::vector<float>& x_next) {
    const int64_t n = int64_t(slot.size());
    std::vector<int8_t> fallback(size_t(n), -1);
    x_next.assign(x.size(), -7.f);
    LF_OK_OR_FAIL(lf_anderson_step_cpu(n, h.k, st.m, st.beta, st.lambda, st.safeguard, x.data(), fx.data(), slot.data(),
                                       h.hx.data(), h.hg.data(), h.count.data(), h.last_res.data(), x_next.data(),
                                       fallback.data()));
    return fallback;
}

// f(x) = A x + b with A = H diag(lambda) H (H a Householder reflection: A symmetric, rho(A) =
// 0.9) and b = (I - A) x* for the fixed point x*_j = 0.3 sin(j + shift); in double, rounded to
// float as a latent map would return it.
struct Linear {
    std::vector<double> A, b;
    explicit Linear(double shift) : A(size_t(kK * kK)), b(size_t(kK)) {
        const double lambda[kK] = {kRho, -0.85, 0.7, 0.5, -0.4, 0.3, -0.2, 0.1};
        double v[kK], vv = 0, xstar[kK];
        for (int j = 0; j < kK; ++j) {
            v[j] = 1.0 + 0.25 * j;
            vv += v[j] * v[j];
            xstar[j] = 0.3 * std::sin(j + shift);
        }
        double H[kK][kK];
        for (int i = 0; i < kK; ++i)
            for (int j = 0; j < kK; ++j) H[i][j] = (i == j) - 2 * v[i] * v[j] / vv;
        for (int i = 0; i < kK; ++i)
            for (int j = 0; j < kK; ++j) {
                double s = 0;
                for (int l = 0; l < kK; ++l) s += H[i][l] * lambda[l] * H[l][j];
                A[size_t(i * kK + j)] = s;
            }
        for (int i = 0; i < kK; ++i) {
            double s = xstar[i];
            for (int j = 0; j < kK; ++j) s -= A[size_t(i * kK + j)] * xstar[j];
            b[size_t(i)] = s;
        }
    }
    void apply(const float* x, float* fx) const {
        for (int i = 0; i < kK; ++i) {
            double s = b[size_t(i)];
            for (int j = 0; j < kK; ++j) s += A[size_t(i * kK + j)] * x[j];
            fx[i] = static_cast<float>(s);
        }
    }
};

double residual(const float* x, const float* fx, int k) {
    double s = 0;
    for (int j = 0; j < k; ++j) s += (double(fx[j]) - x[j]) * (double(fx[j]) - x[j]);
    return std::sqrt(s);
}

// Steps until ||f(x) - x|| < kConverged from x0: Picard (x = f(x)) or Anderson.
int steps_to_converge(const Linear& f, bool anderson, const Settings& st) {
    std::vector<float> x(static_cast<size_t>(kK)), fx(static_cast<size_t>(kK)), next;
    for (int j = 0; j < kK; ++j) x[size_t(j)] = 2.0f * std::cos(1.3f * float(j));
    History h(1, kK, st.m);
    for (int t = 0; t < kMaxSteps; ++t) {
        f.apply(x.data(), fx.data());
        if (residual(x.data(), fx.data(), kK) < kConverged) return t;
        if (anderson) {
            step(h, st, x, fx, {0}, next);
            x = next;
        } else {
            x = fx;
        }
    }
    return kMaxSteps;
}

void linear_contraction() {
    const Linear f(0.0);
    const Settings st{5, 1.0, 0.0, 1.0};
    const int picard = steps_to_converge(f, false, st), anderson = steps_to_converge(f, true, st);
    std::printf("linear map, k = %d, rho(A) = %.1f: ||g|| < %.0e after %d Picard and %d Anderson (m = 5) steps\n", kK, kRho,
                kConverged, picard, anderson);
    LF_CHECK(picard < kMaxSteps && anderson * 3 <= picard, "Anderson took %d steps, Picard %d: want at least 3x fewer", anderson,
             picard);
}

// Naive double Anderson for a scalar map, straight from the formula of lf.h (its history rounded
// to float as lf.h stores it). Fed the kernel's iterates, it differs by rounding only.
struct ScalarReference {
    Settings st;
    std::vector<double> xs, gs;  // history, oldest first
    double last = 0;
    double step(double x, double fx, bool* fallback) {
        const double g = fx - x;
        *fallback = false;
        if (!xs.empty() && std::fabs(g) > st.safeguard * last) {
            xs.clear();
            gs.clear();
            *fallback = true;
        }
        xs.push_back(x);
        gs.push_back(double(float(g)));  // lf.h: the history is stored in float
        if (xs.size() > size_t(st.m + 1)) {
            xs.erase(xs.begin());
            gs.erase(gs.begin());
        }
        last = std::fabs(g);
        const int mk = int(xs.size()) - 1;
        if (mk == 0) return x + st.beta * g;
        std::vector<double> dG(static_cast<size_t>(mk)), dX(static_cast<size_t>(mk)), A(static_cast<size_t>(mk * mk));
        std::vector<long double> gamma(static_cast<size_t>(mk));
        double fro = 0;
        for (int i = 0; i < mk; ++i) {
            dG[size_t(i)] = gs[size_t(i + 1)] - gs[size_t(i)];
            dX[size_t(i)] = xs[size_t(i + 1)] - xs[size_t(i)];
            fro += dG[size_t(i)] * dG[size_t(i)];
            gamma[size_t(i)] = dG[size_t(i)] * g;
        }
        for (int i = 0; i < mk; ++i)
            for (int l = 0; l < mk; ++l) A[size_t(i * mk + l)] = dG[size_t(i)] * dG[size_t(l)] + (i == l) * st.lambda * fro / mk;
        lftest::naive_eliminate(A, mk, &gamma);
        double next = x + st.beta * g;
        for (int i = 0; i < mk; ++i) next -= (dX[size_t(i)] + st.beta * dG[size_t(i)]) * double(gamma[size_t(i)]);
        return next;
    }
};

void cosine_against_reference() {
    for (const Settings st : {Settings{1, 1.0, 0.0, 1.0}, Settings{3, 0.7, 1e-3, 1.0}, Settings{2, 1.0, 1e-2, 1e9}})
        for (const double x0 : {0.0, 1.0, 3.0, -2.0}) {
            ScalarReference ref{st, {}, {}, 0};
            History h(1, 1, st.m);
            std::vector<float> x = {float(x0)}, next;
            int compared = 0;
            for (int t = 0; t < 40; ++t) {
                std::vector<float> fx = {std::cos(x[0])};
                if (std::fabs(fx[0] - x[0]) < 1e-7) break;  // converged to float precision
                const std::vector<int8_t> fb = step(h, st, x, fx, {0}, next);
                bool want_fb = false;
                const double xr = ref.step(x[0], fx[0], &want_fb);  // the same inputs, in double
                LF_CHECK(std::fabs(next[0] - xr) <= kReferenceRel * std::max(1.0, std::fabs(xr)) && fb[0] == int8_t(want_fb),
                         "cos, m %d beta %g lambda %g, x0 %g, step %d: x_next %.9g fallback %d, reference %.9g fallback %d", st.m,
                         st.beta, st.lambda, x0, t, next[0], fb[0], xr, int(want_fb));
                x = next;
                ++compared;
            }
            LF_CHECK(compared >= 3 && std::fabs(std::cos(x[0]) - x[0]) < 1e-6, "cos from %g: %d steps compared, ended at %.9g", x0,
                     compared, x[0]);
        }
}

void safeguard_restarts() {
    const Settings st{3, 1.0, 0.0, 1.0};
    History h(1, 2, st.m);
    std::vector<float> next;
    auto fb = step(h, st, {0, 0}, {1, 0}, {0}, next);  // g = (1, 0): a fresh history, Picard
    LF_CHECK(fb[0] == 0 && h.count[0] == 1 && next == std::vector<float>({1, 0}) && h.last_res[0] == 1,
             "first step: fallback %d count %d x_next (%g, %g) last_res %g", fb[0], h.count[0], next[0], next[1], h.last_res[0]);
    fb = step(h, st, {1, 0}, {4, 0}, {0}, next);  // ||g|| = 3 > 1 * 1: restart, Picard
    LF_CHECK(fb[0] == 1 && h.count[0] == 1 && next == std::vector<float>({4, 0}) && h.last_res[0] == 3,
             "growing residual: fallback %d count %d x_next (%g, %g) last_res %g, want 1 1 (4, 0) 3", fb[0], h.count[0], next[0], next[1],
             h.last_res[0]);
    History loose(1, 2, st.m);
    const Settings lenient{3, 1.0, 0.0, 5.0};
    step(loose, lenient, {0, 0}, {1, 0}, {0}, next);
    fb = step(loose, lenient, {1, 0}, {4, 0}, {0}, next);  // 3 <= 5 * 1: an Anderson step
    LF_CHECK(fb[0] == 0 && loose.count[0] == 2, "safeguard 5: fallback %d count %d, want 0 2", fb[0], loose.count[0]);
    // a singular least-squares problem (dG = 0, lambda = 0) falls back and keeps this entry alone
    History flat(1, 2, st.m);
    step(flat, st, {0, 0}, {1, 1}, {0}, next);
    fb = step(flat, st, {5, 5}, {6, 6}, {0}, next);  // the same g: dG = 0
    LF_CHECK(fb[0] == 1 && flat.count[0] == 1 && next == std::vector<float>({6, 6}) && flat.hx[0] == 5,
             "singular normal equations: fallback %d count %d x_next (%g, %g) hist_x[0] %g, want 1 1 (6, 6) 5", fb[0], flat.count[0],
             next[0], next[1], flat.hx[0]);
}

// Three linear problems in slots 4, 1, 3 of 5, stepped with rows in a fixed order and with rows
// permuted every step: the same iterates, bitwise. Then problem 1 leaves and a new point takes
// its slot (hist_count reset by the caller): its first step is Picard, bitwise f(x).
void slots_follow_points() {
    const std::vector<Linear> f = {Linear(0.0), Linear(1.0), Linear(2.0)};
    const std::vector<int32_t> home = {4, 1, 3};
    const Settings st{4, 1.0, 1e-10, 1.0};
    History fixed(5, kK, st.m), moved(5, kK, st.m);
    std::vector<std::vector<float>> xa(3, std::vector<float>(size_t(kK))), xb;
    for (int q = 0; q < 3; ++q)
        for (int j = 0; j < kK; ++j) xa[size_t(q)][size_t(j)] = float(q + 1) * std::sin(float(j));
    xb = xa;
    int mismatched = 0;
    for (int t = 0; t < 12; ++t) {
        std::vector<int> order = {0, 1, 2};
        std::rotate(order.begin(), order.begin() + t % 3, order.end());
        if (t % 2) std::reverse(order.begin(), order.end());
        for (int pass = 0; pass < 2; ++pass) {
            const bool permuted = pass == 1;
            auto& xs = permuted ? xb : xa;
            std::vector<float> x, fx(size_t(3 * kK)), next;
            std::vector<int32_t> slot;
            for (int r = 0; r < 3; ++r) {
                const int q = permuted ? order[size_t(r)] : r;
                x.insert(x.end(), xs[size_t(q)].begin(), xs[size_t(q)].end());
                f[size_t(q)].apply(xs[size_t(q)].data(), fx.data() + r * kK);
                slot.push_back(home[size_t(q)]);
            }
            step(permuted ? moved : fixed, st, x, fx, slot, next);
            for (int r = 0; r < 3; ++r) {
                const int q = permuted ? order[size_t(r)] : r;
                std::copy(next.begin() + r * kK, next.begin() + (r + 1) * kK, xs[size_t(q)].begin());
            }
        }
        mismatched += xa != xb;
    }
    LF_CHECK(mismatched == 0, "permuting the rows changed the iterates at %d of 12 steps", mismatched);
    // compaction: problem 1 leaves, a new point takes slot 1
    moved.count[1] = 0;
    std::vector<float> x = xb[2], fx(size_t(2 * kK)), next;
    x.insert(x.end(), {1, 2, 3, 4, 5, 6, 7, 8});
    f[2].apply(x.data(), fx.data());
    f[0].apply(x.data() + kK, fx.data() + kK);
    std::vector<float> want_other;
    step(fixed, st, xa[2], std::vector<float>(fx.begin(), fx.begin() + kK), {3}, want_other);
    const auto fb = step(moved, st, x, fx, {3, 1}, next);
    LF_CHECK(std::equal(next.begin() + kK, next.end(), fx.begin() + kK) && fb[1] == 0 && moved.count[1] == 1,
             "a new point in a reused slot: not a Picard step (fallback %d, count %d)", fb[1], moved.count[1]);
    LF_CHECK(std::equal(next.begin(), next.begin() + kK, want_other.begin()), "the remaining point changed after compaction");
}

// A row with NaN in fx: x_next = fx, fallback 1, its history reset; its neighbours step as if
// it were absent; its next finite step starts afresh.
void nan_rows() {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const Linear f(0.5);
    const Settings st{3, 1.0, 0.0, 1.0};
    History with(3, kK, st.m), without(3, kK, st.m);
    std::vector<float> x(static_cast<size_t>(3 * kK)), fx(static_cast<size_t>(3 * kK)), next, alone;
    for (size_t i = 0; i < x.size(); ++i) x[i] = 0.1f * float(i % 7);
    for (int t = 0; t < 4; ++t) {
        for (int r = 0; r < 3; ++r) f.apply(x.data() + r * kK, fx.data() + r * kK);
        if (t == 2) fx[size_t(kK + 3)] = nan;
        const auto fb = step(with, st, x, fx, {0, 1, 2}, next);
        std::vector<float> xo(x.begin(), x.begin() + kK), fo(fx.begin(), fx.begin() + kK);
        xo.insert(xo.end(), x.begin() + 2 * kK, x.end());
        fo.insert(fo.end(), fx.begin() + 2 * kK, fx.end());
        step(without, st, xo, fo, {0, 2}, alone);
        LF_CHECK(std::equal(alone.begin(), alone.begin() + kK, next.begin()) && std::equal(alone.begin() + kK, alone.end(), next.begin() + 2 * kK),
                 "step %d: the finite rows changed beside a NaN row", t);
        if (t == 2) {
            LF_CHECK(fb[1] == 1 && with.count[1] == 0 && std::isnan(with.last_res[1]) && std::isnan(next[size_t(kK + 3)]) &&
                         next[size_t(kK)] == fx[size_t(kK)],
                     "NaN row: fallback %d count %d last_res %g, want 1 0 NaN and x_next = fx", fb[1], with.count[1], with.last_res[1]);
            std::copy(x.begin() + kK, x.begin() + 2 * kK, next.begin() + kK);  // the caller restarts it where it was
        }
        if (t == 3) LF_CHECK(fb[1] == 0 && with.count[1] == 1, "after the NaN: fallback %d count %d, want a fresh start", fb[1], with.count[1]);
        x = next;
    }
}

void bad_arguments() {
    History h(2, 2, 3);
    const std::vector<float> x = {0, 0, 1, 1}, fx = {1, 1, 2, 2};
    std::vector<float> next(4, -7.f);
    std::vector<int8_t> fb(2, -7);
    struct Bad {
        int32_t m;
        double beta, lambda, safeguard;
        std::vector<int32_t> slot;
        const char* says;
    };
    const Bad bad[] = {{0, 1, 0, 1, {0, 1}, "m (the history depth)"}, {65, 1, 0, 1, {0, 1}, "m (the history depth)"},
                       {3, 0, 0, 1, {0, 1}, "beta"},                  {3, 1.5, 0, 1, {0, 1}, "beta"},
                       {3, 1, -1, 1, {0, 1}, "lambda"},               {3, 1, 0, 0, {0, 1}, "safeguard"},
                       {3, 1, 0, 1, {1, 1}, "two rows"},              {3, 1, 0, 1, {0, -1}, ">= 0"}};
    for (const Bad& b : bad) {
        const lf_status s = lf_anderson_step_cpu(2, 2, b.m, b.beta, b.lambda, b.safeguard, x.data(), fx.data(), b.slot.data(), h.hx.data(),
                                                 h.hg.data(), h.count.data(), h.last_res.data(), next.data(), fb.data());
        LF_CHECK(s == LF_ERR_INVALID_ARGUMENT && std::strstr(lf_last_error(), b.says) != nullptr,
                 "m %d beta %g lambda %g safeguard %g: status %d (%s), want a refusal naming '%s'", b.m, b.beta, b.lambda, b.safeguard, s,
                 lf_last_error(), b.says);
    }
    LF_CHECK(next == std::vector<float>(4, -7.f) && fb == std::vector<int8_t>(2, -7) && h.count == std::vector<int32_t>(2, 0),
             "a refused call wrote its outputs");
}

// The CUDA twin against the CPU, step by step from the same inputs: three linear problems in
// permuted slots, one of them with a NaN at step 5.
void cuda_parity() {
    if (!lftest::cuda_available()) {
        lftest::report_skip("Anderson step, CUDA vs CPU (linear problems, permuted slots, a NaN row)");
        return;
    }
    const Linear f(0.25);
    const Settings st{5, 0.8, 1e-8, 1.0};
    const int slots = 4;
    History h(slots, kK, st.m);
    lftest::Device<float> dhx(h.hx), dhg(h.hg), dlast(h.last_res);
    lftest::Device<int32_t> dcount(h.count);
    std::vector<float> x(static_cast<size_t>(3 * kK)), fx(static_cast<size_t>(3 * kK)), next;
    for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.7f * float(i));
    int differ = 0;
    for (int t = 0; t < 25; ++t) {
        const std::vector<int32_t> slot = t % 2 ? std::vector<int32_t>{3, 0, 2} : std::vector<int32_t>{2, 0, 3};
        if (t > 0) std::swap_ranges(x.begin(), x.begin() + kK, x.begin() + 2 * kK);  // rows 0 and 2 trade places with their slots
        for (int r = 0; r < 3; ++r) f.apply(x.data() + r * kK, fx.data() + r * kK);
        if (t == 5) fx[size_t(kK + 1)] = std::numeric_limits<float>::quiet_NaN();
        const auto fb = step(h, st, x, fx, slot, next);
        lftest::Device<float> dx(x), dfx(fx), dnext(x.size());
        lftest::Device<int32_t> dslot(slot);
        lftest::Device<int8_t> dfb(size_t(3));
        LF_OK_OR_FAIL(lf_anderson_step_cuda(3, kK, st.m, st.beta, st.lambda, st.safeguard, dx.get(), dfx.get(), dslot.get(), dhx.get(),
                                            dhg.get(), dcount.get(), dlast.get(), dnext.get(), dfb.get(), nullptr));
        const auto gnext = dnext.to_host();
        const auto gfb = dfb.to_host();
        for (size_t i = 0; i < next.size(); ++i)
            differ += std::isnan(next[i]) ? !std::isnan(gnext[i]) : !(std::fabs(gnext[i] - next[i]) <= kParityRel * (1 + std::fabs(next[i])));
        differ += gfb != fb;
        x = next;
        if (t == 5) std::fill(x.begin() + kK, x.begin() + 2 * kK, 0.5f);
    }
    differ += dcount.to_host() != h.count;
    LF_CHECK(differ == 0, "%d values differ between the CUDA and CPU Anderson steps", differ);
}

}  // namespace

int main() {
    linear_contraction();
    cosine_against_reference();
    safeguard_restarts();
    slots_follow_points();
    nan_rows();
    bad_arguments();
    cuda_parity();
    return lftest::finish("Anderson steps: faster than Picard, equal to the reference, safeguarded, slot-stable");
}
