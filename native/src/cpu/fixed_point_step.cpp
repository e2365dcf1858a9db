// CPU reference of the per-point bookkeeping of a batched fixed-point step (see lf.h).
#include <cmath>
#include <cstring>

#include "fixed_point_row.hpp"
#include "lf_error.hpp"
#include "validate.hpp"

namespace {

void validate(int64_t n_active, int64_t dim, const float* z_prev, const float* z_next,
              const lf_stop_rule* rule, const int32_t* row_id, const int32_t* iterations,
              const float* step_sq, const int8_t* state, const float* endpoints,
              const float* traj, int32_t record_every, int32_t n_slots, const int32_t* keep,
              const float* z_out, const int64_t* n_keep) {
    lf::require(n_active >= 0, "n_active must be >= 0");
    lf::require(dim >= 1, "dim must be >= 1");
    lf::validate_stop_rule(rule);
    lf::require(n_keep != nullptr, "n_keep must not be NULL");
    if (n_active == 0) return;
    lf::require(z_prev && z_next && row_id && iterations && step_sq && state && endpoints && keep,
                "z_prev, z_next, row_id, iterations, step_sq, state, endpoints and keep must not be NULL");
    if (traj != nullptr) {
        lf::require(record_every >= 1, "record_every must be >= 1 when traj is given");
        lf::require(n_slots >= 1, "n_slots must be >= 1 when traj is given");
    }
    if (z_out != nullptr) {
        const char* out_begin = reinterpret_cast<const char*>(z_out);
        const char* out_end = out_begin + sizeof(float) * n_active * dim;
        for (const float* in : {z_prev, z_next}) {
            const char* b = reinterpret_cast<const char*>(in);
            const char* e = b + sizeof(float) * n_active * dim;
            lf::require(out_end <= b || e <= out_begin, "z_out must not overlap z_prev or z_next");
        }
    }
    for (int64_t i = 0; i < n_active; ++i) {
        lf::require(row_id[i] >= 0, "row_id entries must be >= 0");
        lf::require(state[row_id[i]] == LF_POINT_ACTIVE, "every row passed in must be ACTIVE");
    }
}

}  // namespace

extern "C" lf_status lf_fixed_point_step_cpu(
    int64_t n_active, int64_t dim, const float* z_prev, const float* z_next,
    const lf_stop_rule* rule, int32_t* row_id, int32_t* iterations, float* step_sq,
    int8_t* state, float* endpoints, float* traj, int32_t record_every, int32_t n_slots,
    int32_t* keep, float* z_out, int64_t* n_keep) {
    return lf::guard("lf_fixed_point_step_cpu", [&] {
        validate(n_active, dim, z_prev, z_next, rule, row_id, iterations, step_sq, state,
                 endpoints, traj, record_every, n_slots, keep, z_out, n_keep);
        const double bound_sq = rule->divergence_bound * rule->divergence_bound;
        const size_t row_bytes = sizeof(float) * static_cast<size_t>(dim);
        int64_t kept = 0;
        for (int64_t i = 0; i < n_active; ++i) {
            const float* next = z_next + i * dim;
            const int32_t g = row_id[i];
            const int8_t s = lf::step_row(dim, z_prev + i * dim, next, rule->tol, rule->max_iter, bound_sq, g, iterations,
                                          step_sq, state, endpoints, traj, record_every, n_slots);
            if (s == LF_POINT_ACTIVE) {
                keep[kept] = static_cast<int32_t>(i);
                row_id[kept] = g;
                if (z_out != nullptr) std::memcpy(z_out + kept * dim, next, row_bytes);
                ++kept;
            }
        }
        *n_keep = kept;
    });
}
