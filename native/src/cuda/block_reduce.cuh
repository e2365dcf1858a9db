// Block-wide reductions over shared scratch with one slot per thread (blockDim.x a power of
// two), shared by the CUDA twins. Every thread of the block must call them.
#pragma once

#include <cstdint>

namespace lf::cuda {

// Argmin of (val, idx) pairs, ties to the lower index, idx < 0 meaning "no candidate";
// the result is left in slot 0.
__device__ inline void block_argmin(double* val, int64_t* idx) {
    for (unsigned width = blockDim.x / 2; width > 0; width /= 2) {
        if (threadIdx.x < width) {
            const double v = val[threadIdx.x + width];
            const int64_t i = idx[threadIdx.x + width];
            if (i >= 0 && (idx[threadIdx.x] < 0 || v < val[threadIdx.x] || (v == val[threadIdx.x] && i < idx[threadIdx.x]))) {
                val[threadIdx.x] = v;
                idx[threadIdx.x] = i;
            }
        }
        __syncthreads();
    }
}

// Sum of every thread's {@code part}; every thread gets it, and val may be reused afterwards.
__device__ inline double block_sum(double part, double* val) {
    val[threadIdx.x] = part;
    __syncthreads();
    for (unsigned w = blockDim.x / 2; w > 0; w /= 2) {
        if (threadIdx.x < w) val[threadIdx.x] += val[threadIdx.x + w];
        __syncthreads();
    }
    const double total = val[0];
    __syncthreads();
    return total;
}

}  // namespace lf::cuda
