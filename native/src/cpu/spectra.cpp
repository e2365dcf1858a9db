// CPU Jacobian spectra and eigenvalues (see lf_jacobian_spectra_cpu and lf_jacobian_eigenvalues_cpu in
// lf.h): one matrix per task, all cores.
#include <vector>

#include "lf_error.hpp"
#include "parallel.hpp"
#include "spectra_math.hpp"
#include "validate.hpp"

extern "C" lf_status lf_jacobian_spectra_cpu(int64_t n, int32_t k, const float* jacobians, int32_t max_iter, double tol,
                                             float* spectral_norm, float* spectral_radius, int32_t* iterations) {
    return lf::guard("lf_jacobian_spectra_cpu", [&] {
        lf::validate_spectra(n, k, jacobians, max_iter, tol, spectral_norm, spectral_radius);
        const int64_t kk = int64_t(k) * k;
        lf::parallel_for(n, 16, [&](int64_t p0, int64_t p1) {
            std::vector<double> a(static_cast<size_t>(kk)), v(static_cast<size_t>(k)), w(static_cast<size_t>(k));
            for (int64_t p = p0; p < p1; ++p) {
                const float* J = jacobians + p * kk;
                int32_t used = 0;
                spectral_norm[p] = static_cast<float>(lf::spectra::power_norm(J, k, max_iter, tol, v.data(), w.data(), &used));
                spectral_radius[p] = static_cast<float>(lf::spectra::spectral_radius(J, k, a.data()));
                if (iterations != nullptr) iterations[p] = used;
            }
        });
    });
}

extern "C" lf_status lf_jacobian_eigenvalues_cpu(int64_t n, int32_t k, const float* jacobians, float* eig_re, float* eig_im) {
    return lf::guard("lf_jacobian_eigenvalues_cpu", [&] {
        lf::validate_eigenvalues(n, k, jacobians, eig_re, eig_im);
        const int64_t kk = int64_t(k) * k;
        lf::parallel_for(n, 16, [&](int64_t p0, int64_t p1) {
            std::vector<double> a(static_cast<size_t>(kk)), wr(static_cast<size_t>(k)), wi(static_cast<size_t>(k));
            for (int64_t p = p0; p < p1; ++p) {
                lf::spectra::eigenvalues(jacobians + p * kk, k, a.data(), wr.data(), wi.data());
                for (int32_t i = 0; i < k; ++i) {
                    eig_re[p * k + i] = static_cast<float>(wr[size_t(i)]);
                    eig_im[p * k + i] = static_cast<float>(wi[size_t(i)]);
                }
            }
        });
    });
}
