// CUDA twin of the batched dense solver: one thread per system running the same LU code as
// the CPU (lu_math.hpp), with its k x k scratch in global memory.
#include "../cpu/lu_math.hpp"
#include "../cpu/validate.hpp"
#include "cuda_util.cuh"

namespace {

constexpr unsigned kThreads = 64;

__global__ void solve_kernel(int64_t p0, int64_t count, int32_t k, const double* a, const double* b, double* work, double* x,
                             int8_t* singular) {
    const int64_t t = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
    if (t >= count) return;
    const int64_t p = p0 + t;
    const int64_t kk = int64_t(k) * k;
    singular[p] = lf::lu::solve(a + p * kk, b + p * k, k, work + t * kk, x + p * k) ? 0 : 1;
}

}  // namespace

extern "C" lf_status lf_solve_batched_cuda(int64_t n, int32_t k, const double* a, const double* b, double* x, int8_t* singular,
                                           void* stream) {
    return lf::guard("lf_solve_batched_cuda", [&] {
        lf::validate_solve(n, k, a, b, x, singular);
        lf::cuda::require_device();
        const cudaStream_t s = lf::cuda::as_stream(stream);
        lf::cuda::for_each_scratch_chunk(n, int64_t(k) * k, s, [&](int64_t p0, int64_t count, double* work) {
            solve_kernel<<<lf::cuda::blocks_for(count, kThreads), kThreads, 0, s>>>(p0, count, k, a, b, work, x, singular);
            lf::cuda::check(cudaGetLastError(), "solve kernel launch");
        });
    });
}
