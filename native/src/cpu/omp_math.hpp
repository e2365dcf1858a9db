// The per-signal Batch-OMP iteration shared by the CPU kernel and the CUDA twin's thread 0:
// progressive Cholesky factor L of G_II (row-major, max_atoms x max_atoms, double) and the
// two triangular solves. See lf_omp_cpu in lf.h for the algorithm.
#pragma once

#include <cstdint>

#ifdef __CUDACC__
#define LF_OMP_HD __host__ __device__
#else
#define LF_OMP_HD
#endif

namespace lf::omp {

// Relative size of the smallest Cholesky pivot accepted: below it the new atom is (nearly)
// a linear combination of those already selected and the pursuit stops.
constexpr double kPivotFloor = 1e-10;

// Appends atom j as the s-th selected one (s = number already selected): row s of L.
// g_col(i) returns G[I_i, j] for i < s, gjj = G[j, j]. w is scratch of s doubles. Returns
// false when the pivot is too small (linear dependence).
template <typename GCol>
LF_OMP_HD bool cholesky_append(double* L, int32_t ld, int32_t s, GCol g_col, double gjj, double* w) {
    double ww = 0;
    for (int32_t i = 0; i < s; ++i) {  // forward solve L w = G[I, j]
        double v = g_col(i);
        for (int32_t p = 0; p < i; ++p) v -= L[i * ld + p] * w[p];
        w[i] = v / L[i * ld + i];
        ww += w[i] * w[i];
    }
    const double pivot = gjj - ww;
    if (!(pivot > kPivotFloor * (gjj > 0 ? gjj : 1.0))) return false;
    for (int32_t p = 0; p < s; ++p) L[s * ld + p] = w[p];
    L[s * ld + s] = sqrt(pivot);
    return true;
}

// gamma = (L L^T)^{-1} b over the first s rows; y is scratch of s doubles.
LF_OMP_HD inline void cholesky_solve(const double* L, int32_t ld, int32_t s, const double* b, double* y, double* gamma) {
    for (int32_t i = 0; i < s; ++i) {
        double v = b[i];
        for (int32_t p = 0; p < i; ++p) v -= L[i * ld + p] * y[p];
        y[i] = v / L[i * ld + i];
    }
    for (int32_t i = s - 1; i >= 0; --i) {
        double v = y[i];
        for (int32_t p = i + 1; p < s; ++p) v -= L[p * ld + i] * gamma[p];
        gamma[i] = v / L[i * ld + i];
    }
}

}  // namespace lf::omp
