// CUDA twin of the Jacobian spectra: one thread per matrix running the same double-precision
// code as the CPU (spectra_math.hpp), with its scratch in global memory.
#include <algorithm>

#include "../cpu/spectra_math.hpp"
#include "../cpu/validate.hpp"
#include "cuda_util.cuh"

namespace {

constexpr unsigned kThreads = 64;

__global__ void spectra_kernel(int64_t p0, int64_t count, int32_t k, const float* jacobians, int32_t max_iter, double tol,
                               double* work, float* spectral_norm, float* spectral_radius, int32_t* iterations) {
    const int64_t t = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
    if (t >= count) return;
    const int64_t p = p0 + t;
    const int64_t kk = int64_t(k) * k;
    double* a = work + t * (kk + 2 * k);
    const float* J = jacobians + p * kk;
    int32_t used = 0;
    spectral_norm[p] = static_cast<float>(lf::spectra::power_norm(J, k, max_iter, tol, a, a + k, &used));
    spectral_radius[p] = static_cast<float>(lf::spectra::spectral_radius(J, k, a));
    if (iterations != nullptr) iterations[p] = used;
}

}  // namespace

extern "C" lf_status lf_jacobian_spectra_cuda(int64_t n, int32_t k, const float* jacobians, int32_t max_iter, double tol,
                                              float* spectral_norm, float* spectral_radius, int32_t* iterations,
                                              void* stream) {
    return lf::guard("lf_jacobian_spectra_cuda", [&] {
        lf::validate_spectra(n, k, jacobians, max_iter, tol, spectral_norm, spectral_radius);
        lf::cuda::require_device();
        if (n == 0) return;
        const cudaStream_t s = lf::cuda::as_stream(stream);
        const int64_t per = int64_t(k) * k + 2 * k;
        const int64_t chunk = std::max<int64_t>(1, std::min<int64_t>(n, (int64_t{1} << 27) / per));
        lf::cuda::Scratch<double> work(static_cast<size_t>(chunk * per), s);
        for (int64_t p0 = 0; p0 < n; p0 += chunk) {
            const int64_t count = std::min(chunk, n - p0);
            spectra_kernel<<<lf::cuda::blocks_for(count, kThreads), kThreads, 0, s>>>(p0, count, k, jacobians, max_iter, tol,
                                                                                     work.get(), spectral_norm, spectral_radius,
                                                                                     iterations);
            lf::cuda::check(cudaGetLastError(), "spectra kernel launch");
        }
    });
}
