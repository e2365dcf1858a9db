// The per-row bookkeeping of one fixed-point step (lf_fixed_point_step_cpu in lf.h), shared
// by the CPU kernel and the CUDA twin of the fused MLP engine so both decide alike.
#pragma once

#include <cstdint>

#include "latentfield/lf.h"

#ifdef __CUDACC__
#define LF_FP_HD __host__ __device__
#else
#define LF_FP_HD
#endif

namespace lf {

// Finite test that survives neither NaN nor Inf: x - x is 0 exactly for finite x.
LF_FP_HD inline bool finite(double x) { return (x - x) == 0.0; }

// Applies the stopping rule to row (prev -> next) of point g: iteration count, squared step
// (in double), state, trajectory slots and, for a row that stopped, its endpoint. Returns the
// new state.
LF_FP_HD inline int8_t step_row(int64_t dim, const float* prev, const float* next, double tol, int32_t max_iter,
                                double bound_sq, int32_t g, int32_t* iterations, float* step_sq, int8_t* state,
                                float* endpoints, float* traj, int32_t record_every, int32_t n_slots) {
    double step = 0.0, norm_sq = 0.0;
    bool all_finite = true;
    for (int64_t j = 0; j < dim; ++j) {
        const double v = next[j];
        const double d = v - static_cast<double>(prev[j]);
        all_finite = all_finite && finite(v);
        step += d * d;
        norm_sq += v * v;
    }
    const int32_t t = ++iterations[g];
    step_sq[g] = static_cast<float>(step);
    int8_t s;
    if (!all_finite || !finite(step) || norm_sq > bound_sq) {
        s = LF_POINT_DIVERGED;
    } else if (step < tol) {
        s = LF_POINT_CONVERGED;
    } else if (t >= max_iter) {
        s = LF_POINT_CAPPED;
    } else {
        s = LF_POINT_ACTIVE;
    }
    state[g] = s;
    if (traj != nullptr) {
        float* slots = traj + static_cast<int64_t>(g) * n_slots * dim;
        const int32_t slot = t / record_every;
        if (t % record_every == 0 && slot < n_slots)
            for (int64_t j = 0; j < dim; ++j) slots[slot * dim + j] = next[j];
        if (s != LF_POINT_ACTIVE)
            for (int32_t q = slot + 1; q < n_slots; ++q)
                for (int64_t j = 0; j < dim; ++j) slots[q * dim + j] = next[j];
    }
    if (s != LF_POINT_ACTIVE)
        for (int64_t j = 0; j < dim; ++j) endpoints[static_cast<int64_t>(g) * dim + j] = next[j];
    return s;
}

}  // namespace lf
