// CUDA twins of the Jacobian spectra and eigenvalues: one thread per matrix running the same
// double-precision code as the CPU (spectra_math.hpp), with its scratch in global memory.
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

__global__ void eigenvalues_kernel(int64_t p0, int64_t count, int32_t k, const float* jacobians, double* work, float* eig_re,
                                   float* eig_im) {
    const int64_t t = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
    if (t >= count) return;
    const int64_t p = p0 + t;
    const int64_t kk = int64_t(k) * k;
    double* a = work + t * (kk + 2 * k);
    double* wr = a + kk;
    double* wi = wr + k;
    lf::spectra::eigenvalues(jacobians + p * kk, k, a, wr, wi);
    for (int32_t i = 0; i < k; ++i) {
        eig_re[p * k + i] = static_cast<float>(wr[i]);
        eig_im[p * k + i] = static_cast<float>(wi[i]);
    }
}

}  // namespace

extern "C" lf_status lf_jacobian_spectra_cuda(int64_t n, int32_t k, const float* jacobians, int32_t max_iter, double tol,
                                              float* spectral_norm, float* spectral_radius, int32_t* iterations,
                                              void* stream) {
    return lf::guard("lf_jacobian_spectra_cuda", [&] {
        lf::validate_spectra(n, k, jacobians, max_iter, tol, spectral_norm, spectral_radius);
        lf::cuda::require_device();
        const cudaStream_t s = lf::cuda::as_stream(stream);
        lf::cuda::for_each_scratch_chunk(n, int64_t(k) * k + 2 * k, s, [&](int64_t p0, int64_t count, double* work) {
            spectra_kernel<<<lf::cuda::blocks_for(count, kThreads), kThreads, 0, s>>>(p0, count, k, jacobians, max_iter, tol, work,
                                                                                     spectral_norm, spectral_radius, iterations);
            lf::cuda::check(cudaGetLastError(), "spectra kernel launch");
        });
    });
}

extern "C" lf_status lf_jacobian_eigenvalues_cuda(int64_t n, int32_t k, const float* jacobians, float* eig_re, float* eig_im,
                                                  void* stream) {
    return lf::guard("lf_jacobian_eigenvalues_cuda", [&] {
        lf::validate_eigenvalues(n, k, jacobians, eig_re, eig_im);
        lf::cuda::require_device();
        const cudaStream_t s = lf::cuda::as_stream(stream);
        lf::cuda::for_each_scratch_chunk(n, int64_t(k) * k + 2 * k, s, [&](int64_t p0, int64_t count, double* work) {
            eigenvalues_kernel<<<lf::cuda::blocks_for(count, kThreads), kThreads, 0, s>>>(p0, count, k, jacobians, work, eig_re,
                                                                                         eig_im);
            lf::cuda::check(cudaGetLastError(), "eigenvalues kernel launch");
        });
    });
}
