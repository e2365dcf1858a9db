// Argument checks shared by a CPU kernel and its CUDA twin, so both reject the same input
// with the same sentence.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

#include "anderson_math.hpp"
#include "lf_error.hpp"

namespace lf {

// The stopping rule of every fixed-point loop (lf_fixed_point_step_cpu/_cuda, the MLP engines).
inline void validate_stop_rule(const lf_stop_rule* rule) {
    require(rule != nullptr, "rule must not be NULL");
    require(rule->tol > 0 && std::isfinite(rule->tol), "rule->tol must be finite and > 0");
    require(rule->max_iter >= 1, "rule->max_iter must be >= 1");
    require(rule->divergence_bound > 0, "rule->divergence_bound must be > 0");
}

// The arguments of a whole Picard loop (lf_mlp_fixed_points_*, lf_net_fixed_points_*), checked
// before anything is allocated, in the same order on the CPU and on CUDA.
inline void validate_picard(int64_t n, int64_t batch, const void* z0, const void* endpoints, const void* iterations,
                            const void* step_sq, const void* state, const lf_stop_rule* rule, const void* traj,
                            int32_t record_every, int32_t n_slots) {
    require(n >= 0 && batch >= 1, "n must be >= 0 and batch >= 1");
    require(n <= INT32_MAX, "at most 2^31 - 1 points per call");  // row ids are int32
    require(n == 0 || (z0 && endpoints && iterations && step_sq && state), "z0 and the outputs must not be NULL");
    validate_stop_rule(rule);
    if (traj != nullptr) require(record_every >= 1 && n_slots >= 1, "record_every and n_slots must be >= 1 when traj is given");
}

inline void validate_merge_rule(const lf_merge_rule& rule) {
    if (rule.metric == LF_METRIC_COSINE) {
        require(rule.threshold > 0 && rule.threshold <= 1, "cosine threshold must be in (0, 1]");
        require(rule.origin_radius >= 0 && std::isfinite(rule.origin_radius), "origin radius must be finite and >= 0");
    } else {
        require(rule.metric == LF_METRIC_EUCLIDEAN, "rule metric must be EUCLIDEAN or COSINE");
        require(rule.threshold > 0 && std::isfinite(rule.threshold), "euclidean radius must be finite and > 0");
    }
}

inline void validate_spectra(int64_t n, int32_t k, const void* jacobians, int32_t max_iter, double tol,
                             const void* spectral_norm, const void* spectral_radius) {
    require(n >= 0 && k >= 1, "need n >= 0 and k >= 1");
    require(max_iter >= 1, "max_iter must be >= 1");
    require(tol >= 0 && std::isfinite(tol), "tol must be finite and >= 0");
    require(n == 0 || (jacobians && spectral_norm && spectral_radius), "jacobians, spectral_norm and spectral_radius must not be NULL");
}

inline void validate_eigenvalues(int64_t n, int32_t k, const void* jacobians, const void* eig_re, const void* eig_im) {
    require(n >= 0 && k >= 1, "need n >= 0 and k >= 1");
    require(n == 0 || (jacobians && eig_re && eig_im), "jacobians, eig_re and eig_im must not be NULL");
}

inline void validate_solve(int64_t n, int32_t k, const void* a, const void* b, const void* x, const void* singular) {
    require(n >= 0 && k >= 1, "need n >= 0 and k >= 1");
    require(n == 0 || (a && b && x && singular), "a, b, x and singular must not be NULL");
}

// The scalar settings and pointers of lf_anderson_step_*; the slots themselves are checked by
// validate_anderson_slots on a host copy.
inline void validate_anderson(int64_t n, int32_t k, int32_t m, double beta, double lambda, double safeguard, const void* x,
                              const void* fx, const void* slot, const void* hist_x, const void* hist_g, const void* hist_count,
                              const void* last_res, const void* x_next, const void* fallback) {
    require(n >= 0 && k >= 1, "need n >= 0 and k >= 1");
    require(m >= 1 && m <= anderson::kMaxDepth, "m (the history depth) must be in [1, 64]");
    require(beta > 0 && beta <= 1, "beta must be in (0, 1]");
    require(lambda >= 0 && std::isfinite(lambda), "lambda must be finite and >= 0");
    require(safeguard > 0, "safeguard must be > 0 (+inf disables it)");
    require(n == 0 || (x && fx && slot && hist_x && hist_g && hist_count && last_res && x_next && fallback),
            "x, fx, slot, hist_x, hist_g, hist_count, last_res, x_next and fallback must not be NULL");
}

// Every slot >= 0 and no slot twice (two rows would write one history). slot: n host ints.
void validate_anderson_slots(int64_t n, const int32_t* slot);

// The OMP kernels refuse a dictionary atom or a signal that is not finite, or whose norm does
// not fit a float (its correlations and Gram entries would overflow the float GEMMs). Given the
// row's squared norm in double (finite_math.hpp's row_sq_norm), the sentence refusing it, or ""
// when the row is usable. what: "atom" or "signal"; of: " of the dictionary" or "".
inline std::string omp_row_refusal(const char* what, const char* of, int64_t row, double sq) {
    char msg[256];
    if (!(std::fabs(sq) <= DBL_MAX)) {
        std::snprintf(msg, sizeof msg, "%s %lld%s is not finite (it holds a NaN or Inf)", what, static_cast<long long>(row), of);
        return msg;
    }
    if (std::sqrt(sq) > FLT_MAX) {
        std::snprintf(msg, sizeof msg, "%s %lld%s has norm %.3g, beyond the float range (%.3g); rescale it", what,
                      static_cast<long long>(row), of, std::sqrt(sq), static_cast<double>(FLT_MAX));
        return msg;
    }
    return "";
}

void validate_omp(int64_t n_atoms, int64_t dim, int64_t n_signals, const float* dictionary, const float* signals,
                  int32_t max_atoms, double tol, const int32_t* support, const float* coef, const float* residual);

}  // namespace lf
