// Dense LU with partial pivoting in double for one small system, host and device code alike:
// the batched solver (lf_solve_batched_* in lf.h) runs it per system, the Anderson step
// (anderson_math.hpp) on its normal equations. Every loop is bounded by k.
#pragma once

#include <cmath>
#include <cstdint>

#include "finite_math.hpp"

#ifdef __CUDACC__
#define LF_LU_HD __host__ __device__
#else
#define LF_LU_HD
#endif

namespace lf::lu {

// A pivot below this fraction of the largest |entry| of the matrix counts as zero: the system
// is (numerically) singular and no solution is written.
constexpr double kSingularPivot = 1e-14;

// Solves A x = b in place: a (k x k, row-major) is destroyed, b (k) becomes x. Gaussian
// elimination with partial pivoting (the row of largest |entry| in the column; ties: the upper
// row). Returns false, a and b then undefined, when an entry of A or b is NaN or Inf, when a
// pivot is 0 or below kSingularPivot * max |A_ij|, or when x is not finite (overflow).
LF_LU_HD inline bool solve_in_place(double* a, double* b, int32_t k) {
    const int64_t n = k;
    double amax = 0;
    bool finite = true;
    for (int64_t p = 0; p < n * n; ++p) {
        finite = finite && lf::is_finite(a[p]);
        amax = fmax(amax, fabs(a[p]));
    }
    for (int64_t i = 0; i < n; ++i) finite = finite && lf::is_finite(b[i]);
    if (!finite) return false;
    const double tiny = kSingularPivot * amax;
    for (int64_t c = 0; c < n; ++c) {
        int64_t piv = c;
        for (int64_t r = c + 1; r < n; ++r)
            if (fabs(a[r * n + c]) > fabs(a[piv * n + c])) piv = r;
        const double d = a[piv * n + c];
        if (!(fabs(d) > 0) || fabs(d) < tiny) return false;
        if (piv != c) {
            for (int64_t j = c; j < n; ++j) {
                const double t = a[c * n + j];
                a[c * n + j] = a[piv * n + j];
                a[piv * n + j] = t;
            }
            const double t = b[c];
            b[c] = b[piv];
            b[piv] = t;
        }
        for (int64_t r = c + 1; r < n; ++r) {
            const double f = a[r * n + c] / d;
            if (f == 0) continue;
            for (int64_t j = c + 1; j < n; ++j) a[r * n + j] -= f * a[c * n + j];
            b[r] -= f * b[c];
        }
    }
    for (int64_t i = n - 1; i >= 0; --i) {
        double v = b[i];
        for (int64_t j = i + 1; j < n; ++j) v -= a[i * n + j] * b[j];
        b[i] = v / a[i * n + i];
        if (!lf::is_finite(b[i])) return false;
    }
    return true;
}

// One system of lf_solve_batched: x = A^{-1} b with A (k x k) and b (k) left intact; lu: k*k
// doubles of scratch; x may be b. Returns false, with x all NaN, when the system is singular or
// not finite (see solve_in_place).
LF_LU_HD inline bool solve(const double* a, const double* b, int32_t k, double* lu, double* x) {
    for (int64_t p = 0; p < int64_t(k) * k; ++p) lu[p] = a[p];
    for (int32_t i = 0; i < k; ++i) x[i] = b[i];
    if (solve_in_place(lu, x, k)) return true;
    for (int32_t i = 0; i < k; ++i) x[i] = NAN;
    return false;
}

}  // namespace lf::lu
