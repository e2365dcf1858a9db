// CPU batched dense solver (see lf_solve_batched_cpu in lf.h): one system per task, all cores.
#include <vector>

#include "lf_error.hpp"
#include "lu_math.hpp"
#include "parallel.hpp"
#include "validate.hpp"

extern "C" lf_status lf_solve_batched_cpu(int64_t n, int32_t k, const double* a, const double* b, double* x, int8_t* singular) {
    return lf::guard("lf_solve_batched_cpu", [&] {
        lf::validate_solve(n, k, a, b, x, singular);
        const int64_t kk = int64_t(k) * k;
        lf::parallel_for(n, 64, [&](int64_t p0, int64_t p1) {
            std::vector<double> lu(static_cast<size_t>(kk));
            for (int64_t p = p0; p < p1; ++p)
                singular[p] = lf::lu::solve(a + p * kk, b + p * k, k, lu.data(), x + p * k) ? 0 : 1;
        });
    });
}
