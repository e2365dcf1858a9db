// CUDA twin of the Anderson acceleration step: one thread per row running the same code as
// the CPU (anderson_math.hpp), with its normal equations in global memory. The slots are
// checked on a host copy (one synchronisation of the stream), with the CPU's sentences.
#include <vector>

#include "../cpu/anderson_math.hpp"
#include "../cpu/validate.hpp"
#include "cuda_util.cuh"

namespace {

constexpr unsigned kThreads = 64;

__global__ void anderson_kernel(int64_t i0, int64_t count, lf::anderson::Settings st, const float* x, const float* fx,
                                const int32_t* slot, float* hist_x, float* hist_g, int32_t* hist_count, float* last_res,
                                double* work, float* x_next, int8_t* fallback) {
    const int64_t t = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
    if (t >= count) return;
    const int64_t i = i0 + t;
    const int64_t s = slot[i];
    const int64_t ring = int64_t(st.m + 1) * st.k;
    fallback[i] = lf::anderson::step_row(st, x + i * st.k, fx + i * st.k, hist_x + s * ring, hist_g + s * ring, hist_count + s,
                                         last_res + s, x_next + i * st.k, work + t * lf::anderson::work_doubles(st.m));
}

}  // namespace

extern "C" lf_status lf_anderson_step_cuda(int64_t n, int32_t k, int32_t m, double beta, double lambda, double safeguard,
                                           const float* x, const float* fx, const int32_t* slot, float* hist_x, float* hist_g,
                                           int32_t* hist_count, float* last_res, float* x_next, int8_t* fallback, void* stream) {
    return lf::guard("lf_anderson_step_cuda", [&] {
        lf::validate_anderson(n, k, m, beta, lambda, safeguard, x, fx, slot, hist_x, hist_g, hist_count, last_res, x_next,
                              fallback);
        lf::cuda::require_device();
        if (n == 0) return;
        const cudaStream_t s = lf::cuda::as_stream(stream);
        std::vector<int32_t> host(static_cast<size_t>(n));
        lf::cuda::check(cudaMemcpyAsync(host.data(), slot, static_cast<size_t>(n) * sizeof(int32_t), cudaMemcpyDeviceToHost, s),
                        "copy of the slots");
        lf::cuda::check(cudaStreamSynchronize(s), "stream synchronize");
        lf::validate_anderson_slots(n, host.data());
        const lf::anderson::Settings st{k, m, beta, lambda, safeguard};
        lf::cuda::for_each_scratch_chunk(n, lf::anderson::work_doubles(m), s, [&](int64_t i0, int64_t count, double* work) {
            anderson_kernel<<<lf::cuda::blocks_for(count, kThreads), kThreads, 0, s>>>(i0, count, st, x, fx, slot, hist_x, hist_g,
                                                                                      hist_count, last_res, work, x_next, fallback);
            lf::cuda::check(cudaGetLastError(), "anderson kernel launch");
        });
    });
}
