// The CPU Picard loop shared by liblf's fused engines (lf_mlp_fixed_points_cpu,
// lf_net_fixed_points_cpu): up to `batch` rows in flight, each step f applied to the active
// rows, lf_fixed_point_step_cpu's bookkeeping (the stopping rule, compaction), freed rows
// refilled with the next starts in start order; the cancellation flag is checked before every
// step. apply(rows, in, out) evaluates f on `rows` rows of k values.
#pragma once

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "cancel.hpp"
#include "lf_error.hpp"
#include "validate.hpp"

namespace lf {

inline void check_status(lf_status s) {
    if (s != LF_OK) throw status_error(s, lf_last_error());
}

template <typename Apply>
void picard_loop(int64_t k, int64_t n, const float* z0, const lf_stop_rule* rule, int64_t batch, float* endpoints,
                 int32_t* iterations, float* step_sq, int8_t* state, float* traj, int32_t record_every, int32_t n_slots,
                 Apply&& apply) {
    validate_picard(n, batch, z0, endpoints, iterations, step_sq, state, rule, traj, record_every, n_slots);
    if (n == 0) return;
    const int64_t b = std::min(batch, n);
    std::fill(iterations, iterations + n, 0);
    std::fill(step_sq, step_sq + n, 0.0f);
    std::fill(state, state + n, int8_t{LF_POINT_ACTIVE});
    if (traj != nullptr) {
        for (int64_t g = 0; g < n; ++g) std::copy(z0 + g * k, z0 + (g + 1) * k, traj + g * n_slots * k);
    }
    std::vector<float> cur(static_cast<size_t>(b * k)), mapped(static_cast<size_t>(b * k)), next(static_cast<size_t>(b * k));
    std::vector<int32_t> row_id(static_cast<size_t>(b)), keep(static_cast<size_t>(b));
    int64_t admitted = 0, active = 0;
    while (true) {
        throw_if_cancelled();
        const int64_t room = std::min(b - active, n - admitted);
        if (room > 0) {
            std::memcpy(cur.data() + active * k, z0 + admitted * k, sizeof(float) * room * k);
            for (int64_t j = 0; j < room; ++j) row_id[static_cast<size_t>(active + j)] = static_cast<int32_t>(admitted + j);
            admitted += room;
            active += room;
        }
        if (active == 0) break;
        apply(active, cur.data(), mapped.data());
        int64_t kept = 0;
        check_status(lf_fixed_point_step_cpu(active, k, cur.data(), mapped.data(), rule, row_id.data(), iterations, step_sq, state,
                                             endpoints, traj, record_every, n_slots, keep.data(), next.data(), &kept));
        std::swap(cur, next);
        active = kept;
    }
}

}  // namespace lf
