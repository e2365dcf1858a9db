// Row finiteness on the device, shared by the CUDA twins: the same test (finite_math.hpp) as
// their CPU kernels, so both leave out or refuse exactly the same rows.
#pragma once

#include <cstdint>

#include "../cpu/finite_math.hpp"
#include "cuda_util.cuh"

namespace lf::cuda {
namespace {

// flag[i] = 1 when row i of x (rows x dim) is finite, else 0. One thread per row.
__global__ void finite_rows_kernel(int64_t rows, int64_t dim, const float* x, int8_t* flag) {
    const int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
    if (i < rows) flag[i] = lf::row_finite(x + i * dim, dim) ? 1 : 0;
}

// *first = min(*first, i) for every row i whose squared norm (in double) is not finite or
// whose norm exceeds limit: the first row the caller refuses. One thread per row; *first must
// start at ULLONG_MAX.
__global__ void first_bad_row_kernel(int64_t rows, int64_t dim, const float* x, double limit, unsigned long long* first) {
    const int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
    if (i >= rows) return;
    const double sq = lf::row_sq_norm(x + i * dim, dim);
    if (!lf::is_finite(sq) || sqrt(sq) > limit) atomicMin(first, static_cast<unsigned long long>(i));
}

// True when every entry of row (dim wide) is finite; every thread of the block must call it
// and gets the same answer.
__device__ inline bool block_row_finite(const float* row, int64_t dim) {
    int bad = 0;
    for (int64_t j = threadIdx.x; j < dim; j += blockDim.x) bad |= !lf::is_finite(row[j]);
    return __syncthreads_or(bad) == 0;
}

}  // namespace
}  // namespace lf::cuda
