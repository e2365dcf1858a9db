// CPU Batch-OMP (see lf_omp_cpu in lf.h): the atoms are normalised (in double, then stored as
// float), G = U U^T and the correlations U x of a tile of signals (U: the unit atoms) come
// from GEMMs; each signal then runs its own pursuit with a progressive Cholesky factor,
// signals in parallel, and its coefficients are mapped back to the atoms as given.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "finite_math.hpp"
#include "gemm.hpp"
#include "lf_error.hpp"
#include "omp_math.hpp"
#include "parallel.hpp"
#include "validate.hpp"

namespace {

constexpr int64_t kSignalTile = 1024;

struct Workspace {
    std::vector<double> L, w, y, gamma, alpha0_sel, alpha;
    std::vector<int32_t> sel;
    std::vector<char> chosen;
    Workspace(int32_t s, int64_t atoms)
        : L(static_cast<size_t>(s) * s), w(s), y(s), gamma(s), alpha0_sel(s), alpha(static_cast<size_t>(atoms)),
          sel(s), chosen(static_cast<size_t>(atoms)) {}
};

// One signal's pursuit over the unit atoms (dictionary: U); scale[a] = ||d_a|| maps its
// coefficients back to the atoms as given.
void pursue(int64_t n_atoms, int64_t dim, const float* dictionary, const double* scale, const float* gram, const float* x,
            const float* corr, int32_t max_atoms, double tol, Workspace& ws, int32_t* support, float* coef,
            float* residual) {
    std::fill(ws.chosen.begin(), ws.chosen.end(), 0);
    for (int64_t a = 0; a < n_atoms; ++a) ws.alpha[a] = corr[a];
    // The tolerance test uses the residual norm recomputed exactly (O(dim |I|)): the cheap
    // Batch-OMP update ||x||^2 - <alpha0_I, gamma> cancels badly in float near the tolerance.
    auto residual_sq = [&](int32_t s) {
        double r_sq = 0;
        for (int64_t c = 0; c < dim; ++c) {
            double r = x[c];
            for (int32_t i = 0; i < s; ++i) r -= ws.gamma[i] * dictionary[static_cast<int64_t>(ws.sel[i]) * dim + c];
            r_sq += r * r;
        }
        return r_sq;
    };
    const double tol_sq = tol * tol;
    int32_t s = 0;
    double r_sq = residual_sq(0);
    while (s < max_atoms && !(tol > 0 && r_sq <= tol_sq)) {
        int64_t j = -1;
        double best = 0;
        for (int64_t a = 0; a < n_atoms; ++a) {
            const double v = std::fabs(ws.alpha[a]);
            if (!ws.chosen[a] && v > best) {
                best = v;
                j = a;
            }
        }
        if (j < 0) break;  // no remaining correlation: the residual is orthogonal to every atom
        const float* gj = gram + j * n_atoms;
        if (!lf::omp::cholesky_append(ws.L.data(), max_atoms, s, [&](int32_t i) { return double(gj[ws.sel[i]]); },
                                      gj[j], ws.w.data()))
            break;
        ws.sel[s] = static_cast<int32_t>(j);
        ws.chosen[j] = 1;
        ws.alpha0_sel[s] = corr[j];
        ++s;
        lf::omp::cholesky_solve(ws.L.data(), max_atoms, s, ws.alpha0_sel.data(), ws.y.data(), ws.gamma.data());
        // alpha = alpha0 - G[:, I] gamma
        for (int64_t a = 0; a < n_atoms; ++a) ws.alpha[a] = corr[a];
        for (int32_t i = 0; i < s; ++i) {
            const float* gi = gram + static_cast<int64_t>(ws.sel[i]) * n_atoms;
            const double g = ws.gamma[i];
            for (int64_t a = 0; a < n_atoms; ++a) ws.alpha[a] -= g * gi[a];
        }
        if (tol > 0) r_sq = residual_sq(s);
    }
    if (!(tol > 0)) r_sq = residual_sq(s);  // with a tolerance r_sq is already current
    for (int32_t i = 0; i < max_atoms; ++i) {
        support[i] = i < s ? ws.sel[i] : -1;
        coef[i] = i < s ? static_cast<float>(ws.gamma[i] / scale[ws.sel[i]]) : 0.0f;
    }
    *residual = static_cast<float>(std::sqrt(r_sq));
}

}  // namespace

namespace lf {
void validate_omp(int64_t n_atoms, int64_t dim, int64_t n_signals, const float* dictionary, const float* signals,
                  int32_t max_atoms, double tol, const int32_t* support, const float* coef, const float* residual) {
    require(n_atoms >= 1 && dim >= 1, "the dictionary must hold at least one atom of dimension >= 1");
    require(n_atoms <= std::numeric_limits<int32_t>::max(), "at most 2^31 - 1 atoms");
    require(n_signals >= 0, "n_signals must be >= 0");
    require(max_atoms >= 1, "max_atoms must be >= 1");
    require(max_atoms <= n_atoms, "max_atoms must not exceed the number of atoms");
    require(tol >= 0 && std::isfinite(tol), "tol must be finite and >= 0");
    require(n_signals == 0 || (dictionary && signals && support && coef && residual),
            "dictionary, signals, support, coef and residual must not be NULL");
}
}  // namespace lf

extern "C" lf_status lf_omp_cpu(int64_t n_atoms, int64_t dim, int64_t n_signals, const float* dictionary,
                                const float* signals, int32_t max_atoms, double tol, int32_t* support, float* coef,
                                float* residual) {
    return lf::guard("lf_omp_cpu", [&] {
        lf::validate_omp(n_atoms, dim, n_signals, dictionary, signals, max_atoms, tol, support, coef, residual);
        if (n_signals == 0) return;
        // Scale-invariant selection: the pursuit runs on the unit atoms d_a / ||d_a|| (zero atoms
        // stay zero and are never selected), so atoms of norm 1e20 are chosen as those of norm 1.
        std::vector<float> unit(static_cast<size_t>(n_atoms * dim));
        std::vector<double> scale(static_cast<size_t>(n_atoms));
        for (int64_t a = 0; a < n_atoms; ++a) {
            const double sq = lf::row_sq_norm(dictionary + a * dim, dim);
            const std::string refusal = lf::omp_row_refusal("atom", " of the dictionary", a, sq);
            if (!refusal.empty()) throw lf::invalid_argument(refusal);
            scale[a] = std::sqrt(sq);
            const double inv = scale[a] > 0 ? 1.0 / scale[a] : 0.0;
            for (int64_t j = 0; j < dim; ++j) unit[a * dim + j] = static_cast<float>(dictionary[a * dim + j] * inv);
        }
        for (int64_t i = 0; i < n_signals; ++i) {
            const std::string refusal = lf::omp_row_refusal("signal", "", i, lf::row_sq_norm(signals + i * dim, dim));
            if (!refusal.empty()) throw lf::invalid_argument(refusal);
        }
        const float* U = unit.data();
        std::vector<float> gram(static_cast<size_t>(n_atoms * n_atoms));
        lf::gemm_nt(n_atoms, n_atoms, dim, U, dim, U, dim, gram.data(), n_atoms);
        std::vector<float> corr;
        for (int64_t s0 = 0; s0 < n_signals; s0 += kSignalTile) {
            const int64_t rows = std::min(n_signals, s0 + kSignalTile) - s0;
            corr.resize(static_cast<size_t>(rows * n_atoms));
            lf::gemm_nt(rows, n_atoms, dim, signals + s0 * dim, dim, U, dim, corr.data(), n_atoms);
            lf::parallel_for(rows, 8, [&](int64_t r0, int64_t r1) {
                Workspace ws(max_atoms, n_atoms);
                for (int64_t r = r0; r < r1; ++r) {
                    const int64_t i = s0 + r;
                    pursue(n_atoms, dim, U, scale.data(), gram.data(), signals + i * dim, corr.data() + r * n_atoms,
                           max_atoms, tol, ws, support + i * max_atoms, coef + i * max_atoms, residual + i);
                }
            });
        }
    });
}
