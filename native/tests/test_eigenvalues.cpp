// All eigenvalues of batched Jacobians (lf_jacobian_eigenvalues_* in lf.h): matrices with
// known spectra (diagonal, rotation-scaling, a companion matrix, defective Jordan blocks), the
// order of the output, random matrices against the spectral radius of lf_jacobian_spectra_cpu
// and the trace / determinant identities, NaN and Inf; CUDA vs CPU when a GPU exists.
#include <algorithm>
#include <complex>
#include <cstring>
#include <limits>

#include "test_util.hpp"

namespace {

using cplx = std::complex<double>;

constexpr double kKnownTol = 1e-5;    // float inputs, float outputs: a few float ulps
constexpr double kJordanTol = 1e-4;   // a defective eigenvalue moves by (eps ||J||)^(1/3)
constexpr double kIdentityRel = 1e-4; // trace = sum, det = product, relative to sum |lambda|
constexpr double kParityRel = 1e-5;   // CUDA vs CPU, same double code

struct Eig {
    std::vector<float> re, im;
};

Eig eig_cpu(const std::vector<float>& j, int64_t n, int k) {
    Eig e{std::vector<float>(size_t(n * k), -7.f), std::vector<float>(size_t(n * k), -7.f)};
    LF_OK_OR_FAIL(lf_jacobian_eigenvalues_cpu(n, k, j.data(), e.re.data(), e.im.data()));
    return e;
}

// Matrix p of the batch against the expected eigenvalues, in the documented order.
void expect(const char* what, const Eig& e, int64_t p, int k, const std::vector<cplx>& want, double tol) {
    for (int i = 0; i < k; ++i) {
        const cplx got(e.re[size_t(p * k + i)], e.im[size_t(p * k + i)]);
        LF_CHECK(std::abs(got - want[size_t(i)]) <= tol, "%s: eigenvalue %d is %.9g%+.9gi, want %.9g%+.9gi", what, i, got.real(),
                 got.imag(), want[size_t(i)].real(), want[size_t(i)].imag());
    }
}

void known_spectra() {
    // diagonal, with a modulus tie (2 and -2: the larger real part first)
    const std::vector<float> diag = {0.5f, 0, 0, 0, 0, -3, 0, 0, 0, 0, 2, 0, 0, 0, 0, -2};
    expect("diagonal", eig_cpu(diag, 1, 4), 0, 4, {-3.0, 2.0, -2.0, 0.5}, kKnownTol);
    // rotation-scaling a +- ib: the positive imaginary part first
    const std::vector<float> rot = {0.6f, -0.8f, 0.8f, 0.6f};
    expect("rotation-scaling", eig_cpu(rot, 1, 2), 0, 2, {cplx(0.6, 0.8), cplx(0.6, -0.8)}, kKnownTol);
    // companion matrix of (x - 3)(x + 2)(x - 1)(x^2 - x + 0.5): roots 3, -2, 1, 0.5 +- 0.5i;
    // every coefficient is a multiple of 0.5, exact in float
    const std::vector<cplx> roots = {3.0, -2.0, 1.0, cplx(0.5, 0.5), cplx(0.5, -0.5)};
    std::vector<cplx> c = {1.0};  // coefficients, highest degree first
    for (const cplx& r : roots) {
        std::vector<cplx> next(c.size() + 1, 0.0);
        for (size_t i = 0; i < c.size(); ++i) {
            next[i] += c[i];
            next[i + 1] -= r * c[i];
        }
        c = next;
    }
    const int d = 5;
    std::vector<float> comp(size_t(d * d), 0.f);
    for (int j = 0; j < d; ++j) comp[size_t(j)] = static_cast<float>(-c[size_t(j + 1)].real());
    for (int i = 1; i < d; ++i) comp[size_t(i * d + i - 1)] = 1.f;
    expect("companion matrix", eig_cpu(comp, 1, d), 0, d, roots, kKnownTol);
    // a defective Jordan block (eigenvalue 2, one eigenvector), upper and reversed (lower)
    const std::vector<float> jordan = {2, 1, 0, 0, 2, 1, 0, 0, 2,  2, 0, 0, 1, 2, 0, 0, 1, 2};
    const Eig ej = eig_cpu(jordan, 2, 3);
    expect("Jordan block", ej, 0, 3, {2.0, 2.0, 2.0}, kJordanTol);
    expect("reversed Jordan block", ej, 1, 3, {2.0, 2.0, 2.0}, kJordanTol);
    // 1 x 1 and the zero matrix
    expect("1 x 1", eig_cpu({-0.25f}, 1, 1), 0, 1, {-0.25}, 0.0);
    expect("zero 3 x 3", eig_cpu(std::vector<float>(9, 0.f), 1, 3), 0, 3, {0.0, 0.0, 0.0}, 0.0);
}

// Random k x k Gaussian matrices: the first modulus is the spectral radius of
// lf_jacobian_spectra_cpu, the order is the documented one, sum = trace and product = det.
void random_matrices(uint64_t seed, int k, int count) {
    const std::vector<float> j = lftest::gaussian(seed, size_t(count) * k * k, 1.0f / std::sqrt(float(k)));
    const Eig e = eig_cpu(j, count, k);
    std::vector<float> norm(static_cast<size_t>(count)), radius(static_cast<size_t>(count));
    LF_OK_OR_FAIL(lf_jacobian_spectra_cpu(count, k, j.data(), 1000, 1e-12, norm.data(), radius.data(), nullptr));
    int wrong_radius = 0, wrong_order = 0, wrong_trace = 0, wrong_det = 0;
    for (int p = 0; p < count; ++p) {
        const float* re = e.re.data() + size_t(p) * k;
        const float* im = e.im.data() + size_t(p) * k;
        std::vector<double> a(j.begin() + long(p) * k * k, j.begin() + long(p + 1) * k * k);
        double trace = 0, scale = 0;
        cplx sum = 0, product = 1;
        for (int i = 0; i < k; ++i) {
            const cplx l(re[i], im[i]);
            trace += a[size_t(i * k + i)];
            sum += l;
            product *= l;
            scale += std::abs(l);
            if (i > 0 && std::abs(l) > std::abs(cplx(re[i - 1], im[i - 1])) * (1 + 1e-6)) ++wrong_order;
            if (im[i] > 0 && !(i + 1 < k && re[i + 1] == re[i] && im[i + 1] == -im[i])) ++wrong_order;  // a + ib, a - ib
        }
        // first-order bound of the product's error when every eigenvalue is off by tol * rho
        double cofactors = 0;
        for (int i = 0; i < k; ++i) {
            double others = 1;
            for (int l = 0; l < k; ++l)
                if (l != i) others *= std::abs(cplx(re[l], im[l]));
            cofactors += others;
        }
        const double det = static_cast<double>(lftest::naive_eliminate(a, k, nullptr));
        wrong_radius += !(std::fabs(std::abs(cplx(re[0], im[0])) - radius[size_t(p)]) <= 1e-6 * radius[size_t(p)]);
        wrong_trace += !(std::abs(sum - trace) <= kIdentityRel * scale);
        wrong_det += !(std::abs(product - det) <= kIdentityRel * radius[size_t(p)] * cofactors);
    }
    LF_CHECK(wrong_radius + wrong_order + wrong_trace + wrong_det == 0,
             "seed %llu k %d: of %d matrices %d radius, %d order, %d trace and %d determinant mismatches", (unsigned long long)seed,
             k, count, wrong_radius, wrong_order, wrong_trace, wrong_det);
}

// NaN / Inf: all k eigenvalues NaN for that matrix, its finite neighbours unaffected.
void non_finite() {
    const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
    const std::vector<float> batch = {0.5f, 0, 0, 0.25f,  1, 1, inf, 1,  nan, 0, 0, 0.5f,  0, -2, 2, 0};
    const Eig e = eig_cpu(batch, 4, 2);
    for (int p : {1, 2})
        for (int i = 0; i < 2; ++i)
            LF_CHECK(std::isnan(e.re[size_t(p * 2 + i)]) && std::isnan(e.im[size_t(p * 2 + i)]),
                     "non-finite matrix %d: eigenvalue %d is %g%+gi, want NaN", p, i, e.re[size_t(p * 2 + i)], e.im[size_t(p * 2 + i)]);
    expect("finite neighbour 0", e, 0, 2, {0.5, 0.25}, kKnownTol);
    expect("finite neighbour 3", e, 3, 2, {cplx(0, 2), cplx(0, -2)}, kKnownTol);
    float re = 0, im = 0;
    LF_CHECK(lf_jacobian_eigenvalues_cpu(1, 0, batch.data(), &re, &im) == LF_ERR_INVALID_ARGUMENT &&
                 std::strstr(lf_last_error(), "k >= 1") != nullptr,
             "k = 0 accepted (%s)", lf_last_error());
    LF_CHECK(lf_jacobian_eigenvalues_cpu(1, 2, batch.data(), nullptr, &im) == LF_ERR_INVALID_ARGUMENT, "NULL eig_re accepted");
}

void cuda_parity() {
    if (!lftest::cuda_available()) {
        lftest::report_skip("Jacobian eigenvalues, CUDA vs CPU (random, known and non-finite matrices)");
        return;
    }
    for (int k : {2, 5, 16, 64}) {
        const int count = k == 64 ? 20 : 200;
        std::vector<float> j = lftest::gaussian(700 + uint64_t(k), size_t(count) * k * k);
        j[size_t(3 * k * k + 1)] = std::numeric_limits<float>::quiet_NaN();  // matrix 3 is undefined
        const Eig e = eig_cpu(j, count, k);
        lftest::Device<float> dj(j), dre(j.size() / size_t(k)), dim(j.size() / size_t(k));
        LF_OK_OR_FAIL(lf_jacobian_eigenvalues_cuda(count, k, dj.get(), dre.get(), dim.get(), nullptr));
        const auto gre = dre.to_host(), gim = dim.to_host();
        int differ = 0;
        for (size_t i = 0; i < e.re.size(); ++i) {
            const double scale = std::max(1.0, double(std::abs(std::complex<float>(e.re[i], e.im[i]))));
            differ += std::isnan(e.re[i]) ? !(std::isnan(gre[i]) && std::isnan(gim[i]))
                                          : !(std::fabs(gre[i] - e.re[i]) <= kParityRel * scale &&
                                              std::fabs(gim[i] - e.im[i]) <= kParityRel * scale);
        }
        LF_CHECK(differ == 0, "k %d: %d eigenvalues differ between CUDA and CPU", k, differ);
    }
}

}  // namespace

int main() {
    known_spectra();
    for (int k : {1, 2, 3, 8, 16, 64}) random_matrices(5000 + uint64_t(k), k, k == 64 ? 20 : 200);
    non_finite();
    cuda_parity();
    return lftest::finish("eigenvalues of known, random (k = 1..64) and non-finite matrices");
}
