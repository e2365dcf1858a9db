// Finiteness tests shared by the CPU kernels and their CUDA twins (host and device code alike),
// so that both decide "not finite" (NaN or +-Inf) for exactly the same inputs. Written with
// fabs rather than isfinite, which host and device headers declare differently.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstdint>

#ifdef __CUDACC__
#define LF_FIN_HD __host__ __device__
#else
#define LF_FIN_HD
#endif

namespace lf {

// False for NaN and +-Inf.
LF_FIN_HD inline bool is_finite(double x) { return fabs(x) <= DBL_MAX; }

// True when every entry of the row is finite.
LF_FIN_HD inline bool row_finite(const float* row, int64_t dim) {
    for (int64_t j = 0; j < dim; ++j)
        if (!is_finite(row[j])) return false;
    return true;
}

// sum_j row[j]^2 in double: finite exactly when the row is (float entries square to at most
// ~1.2e77, far inside the double range).
LF_FIN_HD inline double row_sq_norm(const float* row, int64_t dim) {
    double s = 0;
    for (int64_t j = 0; j < dim; ++j) s += static_cast<double>(row[j]) * row[j];
    return s;
}

}  // namespace lf
