// One step of type-II Anderson acceleration (Walker and Ni, SIAM J. Numer. Anal. 49(4), 2011)
// for one row, host and device code alike: the CPU kernel runs it per row on all cores, the
// CUDA twin per row on one thread. See lf_anderson_step_cpu in lf.h for the contract.
#pragma once

#include <cmath>
#include <cstdint>

#include "finite_math.hpp"
#include "lu_math.hpp"

#ifdef __CUDACC__
#define LF_AA_HD __host__ __device__
#else
#define LF_AA_HD
#endif

namespace lf::anderson {

// The deepest history (m) accepted: the normal equations are m x m per row.
constexpr int32_t kMaxDepth = 64;

// hist_count is kept below this bound, at the same value modulo m + 1 (so the ring position
// and a full window are unchanged), so that no run, however long, overflows it.
constexpr int32_t kCountWrap = 1 << 30;

struct Settings {
    int32_t k, m;
    double beta, lambda, safeguard;
};

// Doubles of scratch one row needs: the m x m normal matrix and its right-hand side.
LF_AA_HD inline int64_t work_doubles(int32_t m) { return int64_t(m) * m + m; }

// x_next = x + beta (fx - x), with beta == 1 written as fx itself, so that a Picard step is
// bitwise f(x). Entry by entry: x_next may be x or fx.
LF_AA_HD inline void mixing_step(int32_t k, double beta, const float* x, const float* fx, float* x_next) {
    for (int32_t j = 0; j < k; ++j)
        x_next[j] = beta == 1.0 ? fx[j] : static_cast<float>(x[j] + beta * (static_cast<double>(fx[j]) - x[j]));
}

// One row: x and fx (k floats each), the ring buffers of its slot hx and hg ((m + 1) x k floats
// each, entry e at row e % (m + 1)), its count and last residual norm. Writes x_next (k floats,
// may be x) and returns the fallback flag. work: work_doubles(m) doubles of scratch.
LF_AA_HD inline int8_t step_row(const Settings& st, const float* x, const float* fx, float* hx, float* hg, int32_t* count,
                                float* last_res, float* x_next, double* work) {
    const int32_t k = st.k, depth = st.m + 1;
    double gsq = 0;
    bool finite = true;
    for (int32_t j = 0; j < k; ++j) {
        finite = finite && lf::is_finite(x[j]) && lf::is_finite(fx[j]);
        const double g = static_cast<double>(fx[j]) - x[j];
        gsq += g * g;
    }
    if (!finite) {  // the caller's stopping rule calls the row diverged
        for (int32_t j = 0; j < k; ++j) x_next[j] = fx[j];
        *count = 0;
        *last_res = NAN;
        return 1;
    }
    const double gnorm = sqrt(gsq);
    int32_t c = *count > 0 ? *count : 0;
    int8_t fallback = 0;
    if (c > 0 && gnorm > st.safeguard * static_cast<double>(*last_res)) {  // the residual grew: restart
        c = 0;
        fallback = 1;
    }
    const int32_t pos = c % depth;
    for (int32_t j = 0; j < k; ++j) {
        hx[int64_t(pos) * k + j] = x[j];
        hg[int64_t(pos) * k + j] = static_cast<float>(static_cast<double>(fx[j]) - x[j]);
    }
    c = c + 1 < kCountWrap ? c + 1 : depth + (c + 1) % depth;
    *count = c;
    *last_res = static_cast<float>(gnorm);
    const int32_t mk = c - 1 < st.m ? c - 1 : st.m;
    if (mk == 0) {
        mixing_step(k, st.beta, x, fx, x_next);
        return fallback;
    }
    // The window holds the entries pushed at c - 1 - mk .. c - 1; difference i is entry i + 1
    // minus entry i of the window. Normal equations (dG^T dG + ridge I) gamma = dG^T g.
    const int32_t first = c - 1 - mk;
    auto entry = [&](const float* h, int32_t e) { return h + int64_t(e % depth) * k; };
    double* A = work;
    double* gamma = work + int64_t(mk) * mk;
    double trace = 0;
    for (int32_t i = 0; i < mk; ++i) {
        const float* gi0 = entry(hg, first + i);
        const float* gi1 = entry(hg, first + i + 1);
        for (int32_t l = 0; l <= i; ++l) {
            const float* gl0 = entry(hg, first + l);
            const float* gl1 = entry(hg, first + l + 1);
            double s = 0;
            for (int32_t j = 0; j < k; ++j)
                s += (static_cast<double>(gi1[j]) - gi0[j]) * (static_cast<double>(gl1[j]) - gl0[j]);
            A[int64_t(i) * mk + l] = A[int64_t(l) * mk + i] = s;
        }
        double s = 0;
        for (int32_t j = 0; j < k; ++j) s += (static_cast<double>(gi1[j]) - gi0[j]) * (static_cast<double>(fx[j]) - x[j]);
        gamma[i] = s;
        trace += A[int64_t(i) * mk + i];
    }
    const double ridge = st.lambda * trace / mk;  // lambda ||dG||_F^2 / mk
    for (int32_t i = 0; i < mk; ++i) A[int64_t(i) * mk + i] += ridge;
    if (!lf::lu::solve_in_place(A, gamma, mk)) {  // no usable gamma: restart from this entry alone
        for (int32_t j = 0; j < k && pos != 0; ++j) {
            hx[j] = hx[int64_t(pos) * k + j];
            hg[j] = hg[int64_t(pos) * k + j];
        }
        *count = 1;
        mixing_step(k, st.beta, x, fx, x_next);
        return 1;
    }
    for (int32_t j = 0; j < k; ++j) {
        double v = x[j] + st.beta * (static_cast<double>(fx[j]) - x[j]);
        for (int32_t i = 0; i < mk; ++i) {
            const int64_t r0 = int64_t((first + i) % depth) * k + j, r1 = int64_t((first + i + 1) % depth) * k + j;
            v -= ((static_cast<double>(hx[r1]) - hx[r0]) + st.beta * (static_cast<double>(hg[r1]) - hg[r0])) * gamma[i];
        }
        x_next[j] = static_cast<float>(v);
    }
    return fallback;
}

}  // namespace lf::anderson
