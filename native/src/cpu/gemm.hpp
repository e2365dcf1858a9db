// Run-time GEMM providers (see lf_blas_open in lf.h).
#pragma once

#include <cstdint>
#include <string>

namespace lf {

// C (m x n, row stride ldc) = A (m x k, stride lda) * B^T, B being n x k with stride ldb:
// C[i, j] = sum_l A[i, l] B[j, l]. Uses the opened CBLAS, else the built-in kernel.
void gemm_nt(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
             int64_t ldc);

// The same on the calling thread only (for callers that parallelise themselves).
void gemm_nt_serial(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
                    int64_t ldc);

// The built-in kernel alone (the reference the CBLAS path is tested against).
void gemm_nt_builtin(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                     float* c, int64_t ldc);

std::string cpu_gemm_description();
std::string cuda_gemm_description();  // defined by the CUDA part (or its absence)

}  // namespace lf
