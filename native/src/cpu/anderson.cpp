// CPU Anderson acceleration step (see lf_anderson_step_cpu in lf.h): one row per task, all
// cores; rows own distinct history slots, so no two tasks touch the same memory.
#include <algorithm>
#include <cstdio>
#include <vector>

#include "anderson_math.hpp"
#include "lf_error.hpp"
#include "parallel.hpp"
#include "validate.hpp"

namespace lf {

void validate_anderson_slots(int64_t n, const int32_t* slot) {
    std::vector<int32_t> sorted(slot, slot + n);
    std::sort(sorted.begin(), sorted.end());
    char msg[160];
    if (!sorted.empty() && sorted.front() < 0) {
        std::snprintf(msg, sizeof msg, "slot entries must be >= 0, got %d", sorted.front());
        throw invalid_argument(msg);
    }
    const auto twice = std::adjacent_find(sorted.begin(), sorted.end());
    if (twice != sorted.end()) {
        std::snprintf(msg, sizeof msg, "slot %d is given to two rows; every row needs its own history slot", *twice);
        throw invalid_argument(msg);
    }
}

}  // namespace lf

extern "C" lf_status lf_anderson_step_cpu(int64_t n, int32_t k, int32_t m, double beta, double lambda, double safeguard,
                                          const float* x, const float* fx, const int32_t* slot, float* hist_x, float* hist_g,
                                          int32_t* hist_count, float* last_res, float* x_next, int8_t* fallback) {
    return lf::guard("lf_anderson_step_cpu", [&] {
        lf::validate_anderson(n, k, m, beta, lambda, safeguard, x, fx, slot, hist_x, hist_g, hist_count, last_res, x_next,
                              fallback);
        lf::validate_anderson_slots(n, slot);
        const lf::anderson::Settings st{k, m, beta, lambda, safeguard};
        const int64_t ring = int64_t(m + 1) * k;
        lf::parallel_for(n, 64, [&](int64_t i0, int64_t i1) {
            std::vector<double> work(static_cast<size_t>(lf::anderson::work_doubles(m)));
            for (int64_t i = i0; i < i1; ++i) {
                const int64_t s = slot[i];
                fallback[i] = lf::anderson::step_row(st, x + i * k, fx + i * k, hist_x + s * ring, hist_g + s * ring,
                                                     hist_count + s, last_res + s, x_next + i * k, work.data());
            }
        });
    });
}
