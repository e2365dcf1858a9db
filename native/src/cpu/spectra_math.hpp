// Spectra of one small square matrix in double, host and device code alike (the CPU kernel
// runs it per matrix on all cores, the CUDA twin per matrix on one thread):
//  - spectral norm ||J||_2 by power iteration on J^T J;
//  - all eigenvalues, and the spectral radius max |lambda(J)| from the same routine, by
//    balancing, reduction to Hessenberg form by stabilised elimination and the Francis
//    double-shift QR iteration (the EISPACK balanc/elmhes/hqr sequence as given in Numerical
//    Recipes, 2nd ed., section 11.5-11.6).
// A matrix with a NaN or Inf entry has no spectrum: every function returns NaN for it at once
// (lf.h), and every loop is bounded, so no input can keep a thread spinning.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstdint>

#include "finite_math.hpp"

#ifdef __CUDACC__
#define LF_SP_HD __host__ __device__
#else
#define LF_SP_HD
#endif

namespace lf::spectra {

// Balancing sweeps at most: balancing only preconditions the QR iteration, so stopping early
// changes no eigenvalue. Finite matrices settle in a few sweeps; the cap is a guard.
constexpr int32_t kMaxBalanceSweeps = 256;

// True when every entry of the k x k matrix J is finite.
LF_SP_HD inline bool all_finite(const float* J, int32_t k) {
    for (int64_t p = 0; p < int64_t(k) * k; ++p)
        if (!lf::is_finite(J[p])) return false;
    return true;
}

// max(radius, v) that keeps a NaN: a modulus that could not be computed poisons the radius
// (fmax would drop it and report the other eigenvalues' maximum, possibly 0).
LF_SP_HD inline double max_modulus(double radius, double v) { return (radius != radius || v != v) ? NAN : fmax(radius, v); }

// Power iteration on J^T J (k x k, row-major J). v, w: k doubles of scratch. Start vector:
// v_j = 1 + 0.5 sin(1.7 j + 0.3), generic enough not to be orthogonal to a top singular vector
// of a structured matrix. Stops when the Rayleigh quotient lambda = ||J v||^2 changes by at
// most tol * lambda, or after max_iter steps; returns sqrt(lambda), *used = steps taken.
// A non-finite J gives NaN with *used = 0.
LF_SP_HD inline double power_norm(const float* J, int32_t k, int32_t max_iter, double tol, double* v, double* w,
                                  int32_t* used) {
    if (!all_finite(J, k)) {
        *used = 0;
        return NAN;
    }
    double nv = 0;
    for (int32_t j = 0; j < k; ++j) {
        v[j] = 1.0 + 0.5 * sin(1.7 * j + 0.3);
        nv += v[j] * v[j];
    }
    nv = sqrt(nv);
    for (int32_t j = 0; j < k; ++j) v[j] /= nv;
    double lambda = 0;
    int32_t it = 0;
    while (it < max_iter) {
        ++it;
        // w = J v, lambda = ||w||^2; v = J^T w / ||J^T w||
        double next = 0;
        for (int32_t i = 0; i < k; ++i) {
            double s = 0;
            for (int32_t j = 0; j < k; ++j) s += double(J[i * k + j]) * v[j];
            w[i] = s;
            next += s * s;
        }
        double nu = 0;
        for (int32_t j = 0; j < k; ++j) {
            double s = 0;
            for (int32_t i = 0; i < k; ++i) s += double(J[i * k + j]) * w[i];
            v[j] = s;
            nu += s * s;
        }
        const bool done = it > 1 && fabs(next - lambda) <= tol * next;
        lambda = next;
        if (nu == 0 || done) break;
        nu = sqrt(nu);
        for (int32_t j = 0; j < k; ++j) v[j] /= nu;
    }
    *used = it;
    return sqrt(lambda);
}

// Copies J (k x k, float) into a (k*k doubles, row-major), balances it and reduces it to upper
// Hessenberg form, which keeps the eigenvalues. Returns false, a untouched, when J has a NaN or
// Inf entry.
LF_SP_HD inline bool balanced_hessenberg(const float* J, int32_t k, double* a) {
#define LF_A(i, j) a[((i) - 1) * static_cast<int64_t>(k) + ((j) - 1)]
    const int32_t n = k;
    if (!all_finite(J, k)) return false;
    for (int64_t p = 0; p < int64_t(k) * k; ++p) a[p] = J[p];
    // balanc: rescale rows and columns by powers of 2 so their norms are close. The scaling
    // loops run only on finite sums (an infinite c never drops below g: the hang of issue 11,
    // reachable before the finiteness check above existed), and the sweeps are capped.
    const double radix = 2.0, sqrdx = radix * radix;
    for (int32_t sweep = 0, done = 0; !done && sweep < kMaxBalanceSweeps; ++sweep) {
        done = 1;
        for (int32_t i = 1; i <= n; ++i) {
            double r = 0, c = 0;
            for (int32_t j = 1; j <= n; ++j)
                if (j != i) {
                    c += fabs(LF_A(j, i));
                    r += fabs(LF_A(i, j));
                }
            if (c != 0 && r != 0 && lf::is_finite(c) && lf::is_finite(r)) {
                double g = r / radix, f = 1.0;
                const double s = c + r;
                while (c < g && lf::is_finite(c)) {
                    f *= radix;
                    c *= sqrdx;
                }
                g = r * radix;
                while (c > g && lf::is_finite(c)) {
                    f /= radix;
                    c /= sqrdx;
                }
                if ((c + r) / f < 0.95 * s && lf::is_finite(f) && f != 0) {
                    done = 0;
                    g = 1.0 / f;
                    for (int32_t j = 1; j <= n; ++j) LF_A(i, j) *= g;
                    for (int32_t j = 1; j <= n; ++j) LF_A(j, i) *= f;
                }
            }
        }
    }
    // elmhes: reduce to upper Hessenberg form by elimination with pivoting
    for (int32_t m = 2; m < n; ++m) {
        double x = 0;
        int32_t i = m;
        for (int32_t j = m; j <= n; ++j)
            if (fabs(LF_A(j, m - 1)) > fabs(x)) {
                x = LF_A(j, m - 1);
                i = j;
            }
        if (i != m) {
            for (int32_t j = m - 1; j <= n; ++j) {
                const double t = LF_A(i, j);
                LF_A(i, j) = LF_A(m, j);
                LF_A(m, j) = t;
            }
            for (int32_t j = 1; j <= n; ++j) {
                const double t = LF_A(j, i);
                LF_A(j, i) = LF_A(j, m);
                LF_A(j, m) = t;
            }
        }
        if (x != 0) {
            for (i = m + 1; i <= n; ++i) {
                double y = LF_A(i, m - 1);
                if (y != 0) {
                    y /= x;
                    LF_A(i, m - 1) = y;
                    for (int32_t j = m; j <= n; ++j) LF_A(i, j) -= y * LF_A(m, j);
                    for (int32_t j = 1; j <= n; ++j) LF_A(j, m) += y * LF_A(j, i);
                }
            }
        }
    }
    for (int32_t i = 3; i <= n; ++i)  // drop the multipliers left below the subdiagonal
        for (int32_t j = 1; j <= i - 2; ++j) LF_A(i, j) = 0;
    return true;
#undef LF_A
}

// hqr: the eigenvalues of the upper Hessenberg matrix a (n x n, row-major, destroyed) by the
// Francis double-shift QR iteration. emit(re, im) receives each of the n eigenvalues once (a
// complex pair as (re, +im) then (re, -im)), in the order they deflate. Returns false, having
// emitted only some, when one eigenvalue needs more than 30 sweeps, as EISPACK would report.
template <typename Emit>
LF_SP_HD bool hessenberg_qr(double* a, int32_t n, Emit&& emit) {
#define LF_A(i, j) a[((i) - 1) * static_cast<int64_t>(n) + ((j) - 1)]
    double anorm = 0;
    for (int32_t i = 1; i <= n; ++i)
        for (int32_t j = (i > 1 ? i - 1 : 1); j <= n; ++j) anorm += fabs(LF_A(i, j));
    int32_t nn = n;
    double t = 0;
    while (nn >= 1) {
        int32_t its = 0, l;
        do {
            for (l = nn; l >= 2; --l) {
                double s = fabs(LF_A(l - 1, l - 1)) + fabs(LF_A(l, l));
                if (s == 0) s = anorm;
                if (fabs(LF_A(l, l - 1)) <= DBL_EPSILON * s) {
                    LF_A(l, l - 1) = 0;
                    break;
                }
            }
            double x = LF_A(nn, nn);
            if (l == nn) {  // one real eigenvalue
                emit(x + t, 0.0);
                --nn;
            } else {
                double y = LF_A(nn - 1, nn - 1);
                double w = LF_A(nn, nn - 1) * LF_A(nn - 1, nn);
                if (l == nn - 1) {  // a 2 x 2 block: two real or a complex pair
                    const double p = 0.5 * (y - x);
                    const double q = p * p + w;
                    double z = sqrt(fabs(q));
                    x += t;
                    if (q >= 0) {
                        z = p + (p >= 0 ? fabs(z) : -fabs(z));
                        emit(x + z, 0.0);
                        emit(z != 0 ? x - w / z : x + z, 0.0);
                    } else {
                        emit(x + p, z);
                        emit(x + p, -z);
                    }
                    nn -= 2;
                } else {
                    if (its == 30) return false;
                    if (its == 10 || its == 20) {  // exceptional shift
                        t += x;
                        for (int32_t i = 1; i <= nn; ++i) LF_A(i, i) -= x;
                        const double s = fabs(LF_A(nn, nn - 1)) + fabs(LF_A(nn - 1, nn - 2));
                        y = x = 0.75 * s;
                        w = -0.4375 * s * s;
                    }
                    ++its;
                    int32_t m;
                    double p = 0, q = 0, r = 0, z;
                    for (m = nn - 2; m >= l; --m) {
                        z = LF_A(m, m);
                        r = x - z;
                        double s = y - z;
                        p = (r * s - w) / LF_A(m + 1, m) + LF_A(m, m + 1);
                        q = LF_A(m + 1, m + 1) - z - r - s;
                        r = LF_A(m + 2, m + 1);
                        s = fabs(p) + fabs(q) + fabs(r);
                        p /= s;
                        q /= s;
                        r /= s;
                        if (m == l) break;
                        const double u = fabs(LF_A(m, m - 1)) * (fabs(q) + fabs(r));
                        const double v = fabs(p) * (fabs(LF_A(m - 1, m - 1)) + fabs(z) + fabs(LF_A(m + 1, m + 1)));
                        if (u <= DBL_EPSILON * v) break;
                    }
                    for (int32_t i = m + 2; i <= nn; ++i) {
                        LF_A(i, i - 2) = 0;
                        if (i != m + 2) LF_A(i, i - 3) = 0;
                    }
                    for (int32_t kk = m; kk <= nn - 1; ++kk) {
                        if (kk != m) {
                            p = LF_A(kk, kk - 1);
                            q = LF_A(kk + 1, kk - 1);
                            r = 0;
                            if (kk != nn - 1) r = LF_A(kk + 2, kk - 1);
                            x = fabs(p) + fabs(q) + fabs(r);
                            if (x != 0) {
                                p /= x;
                                q /= x;
                                r /= x;
                            }
                        }
                        const double root = sqrt(p * p + q * q + r * r);
                        const double s = p >= 0 ? root : -root;
                        if (s != 0) {
                            if (kk == m) {
                                if (l != m) LF_A(kk, kk - 1) = -LF_A(kk, kk - 1);
                            } else {
                                LF_A(kk, kk - 1) = -s * x;
                            }
                            p += s;
                            x = p / s;
                            y = q / s;
                            z = r / s;
                            q /= p;
                            r /= p;
                            for (int32_t j = kk; j <= nn; ++j) {
                                p = LF_A(kk, j) + q * LF_A(kk + 1, j);
                                if (kk != nn - 1) {
                                    p += r * LF_A(kk + 2, j);
                                    LF_A(kk + 2, j) -= p * z;
                                }
                                LF_A(kk + 1, j) -= p * y;
                                LF_A(kk, j) -= p * x;
                            }
                            const int32_t mmin = nn < kk + 3 ? nn : kk + 3;
                            for (int32_t i = l; i <= mmin; ++i) {
                                p = x * LF_A(i, kk) + y * LF_A(i, kk + 1);
                                if (kk != nn - 1) {
                                    p += z * LF_A(i, kk + 2);
                                    LF_A(i, kk + 2) -= p * r;
                                }
                                LF_A(i, kk + 1) -= p * q;
                                LF_A(i, kk) -= p;
                            }
                        }
                    }
                }
            }
        } while (l < nn - 1);
    }
    return true;
#undef LF_A
}

// |re + i im|, written as the QR iteration always measured it (a real eigenvalue by fabs).
LF_SP_HD inline double modulus(double re, double im) { return im == 0 ? fabs(re) : sqrt(re * re + im * im); }

// max |eigenvalue| of J (k x k). a: k*k doubles of scratch (destroyed). Returns NaN when J has a
// NaN or Inf entry, or when the QR iteration fails to converge.
LF_SP_HD inline double spectral_radius(const float* J, int32_t k, double* a) {
    if (!balanced_hessenberg(J, k, a)) return NAN;
    double radius = 0;
    const bool converged = hessenberg_qr(a, k, [&](double re, double im) { radius = max_modulus(radius, modulus(re, im)); });
    return converged ? radius : NAN;
}

// True when eigenvalue a = (ar, ai) comes before b in lf_jacobian_eigenvalues' order: larger
// modulus first; on equal moduli the larger real part, then the positive imaginary part.
LF_SP_HD inline bool comes_before(double ar, double ai, double br, double bi) {
    const double ma = modulus(ar, ai), mb = modulus(br, bi);
    if (ma != mb) return ma > mb;
    if (ar != br) return ar > br;
    return ai > bi;
}

// All k eigenvalues of J into wr[i] + i wi[i] (k doubles each), sorted by comes_before
// (insertion sort: O(k^2), small beside the O(k^3) of QR). a: k*k doubles of scratch. Returns
// false, with every wr/wi NaN, when J has a NaN or Inf entry, when QR fails to converge, or when
// an eigenvalue is not finite.
LF_SP_HD inline bool eigenvalues(const float* J, int32_t k, double* a, double* wr, double* wi) {
    int32_t count = 0;
    bool ok = balanced_hessenberg(J, k, a) && hessenberg_qr(a, k, [&](double re, double im) {
                  if (count < k) {
                      wr[count] = re;
                      wi[count] = im;
                  }
                  ++count;
              });
    ok = ok && count == k;
    for (int32_t i = 0; ok && i < k; ++i) ok = lf::is_finite(wr[i]) && lf::is_finite(wi[i]);
    if (!ok) {
        for (int32_t i = 0; i < k; ++i) wr[i] = wi[i] = NAN;
        return false;
    }
    for (int32_t i = 1; i < k; ++i) {
        const double r = wr[i], im = wi[i];
        int32_t j = i;
        for (; j > 0 && comes_before(r, im, wr[j - 1], wi[j - 1]); --j) {
            wr[j] = wr[j - 1];
            wi[j] = wi[j - 1];
        }
        wr[j] = r;
        wi[j] = im;
    }
    return true;
}

}  // namespace lf::spectra
