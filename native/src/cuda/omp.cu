// CUDA twin of Batch-OMP (see lf_omp_cpu in lf.h). The atoms are checked and normalised as on
// the CPU (a refused atom or signal is reported with the CPU's sentence, after one stream
// synchronisation); G = U U^T and the correlations of a chunk of signals come from GEMMs
// (cuBLAS when opened); then one block per signal: the threads compute the residual
// correlations alpha = U x - G[:, I] gamma and their argmax, thread 0 updates the Cholesky
// factor and solves for gamma (omp_math.hpp, shared with the CPU).
#include <algorithm>
#include <cfloat>
#include <string>
#include <vector>

#include "../cpu/omp_math.hpp"
#include "../cpu/validate.hpp"
#include "block_reduce.cuh"
#include "cuda_util.cuh"
#include "finite_rows.cuh"

namespace {

using lf::cuda::block_argmin;
using lf::cuda::block_sum;

constexpr unsigned kThreads = 256;
constexpr int64_t kSignalChunk = 4096;

struct SignalWork {  // per-signal scratch in global memory, max_atoms (S) wide
    double* L;       // S x S
    double* w;       // S
    double* y;       // S
    double* gamma;   // S
    double* alpha0;  // S: correlations of the selected atoms
    int32_t* sel;    // S
};

// ||x - D_I^T gamma||^2 over the first s selected atoms, in double, reduced over the block
// (val: blockDim.x doubles of shared scratch). Every thread gets the sum.
__device__ double block_residual_sq(const float* x, int64_t dim, const float* dictionary, const SignalWork& ws, int32_t s,
                                    double* val) {
    double part = 0;
    for (int64_t j = threadIdx.x; j < dim; j += blockDim.x) {
        double rj = x[j];
        for (int32_t i = 0; i < s; ++i) rj -= ws.gamma[i] * dictionary[static_cast<int64_t>(ws.sel[i]) * dim + j];
        part += rj * rj;
    }
    return block_sum(part, val);
}

// unit[a] = d_a / ||d_a|| (zero rows stay zero) and scale[a] = ||d_a||, in double as on the
// CPU; the first atom that is not finite or whose norm exceeds FLT_MAX goes to *first_bad.
// One thread per atom.
__global__ void normalise_atoms_kernel(int64_t n_atoms, int64_t dim, const float* dictionary, float* unit, double* scale,
                                       unsigned long long* first_bad) {
    const int64_t a = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
    if (a >= n_atoms) return;
    const float* d = dictionary + a * dim;
    const double sq = lf::row_sq_norm(d, dim);
    const double norm = sqrt(sq);
    if (!lf::is_finite(sq) || norm > FLT_MAX) atomicMin(first_bad, static_cast<unsigned long long>(a));
    scale[a] = norm;
    const double inv = norm > 0 ? 1.0 / norm : 0.0;
    for (int64_t j = 0; j < dim; ++j) unit[a * dim + j] = static_cast<float>(d[j] * inv);
}

// The CPU's refusal of row `row` of x (device memory), reproduced on the host from a copy.
std::string refusal_of(const char* what, const char* of, int64_t row, const float* x, int64_t dim, cudaStream_t s) {
    std::vector<float> host(static_cast<size_t>(dim));
    lf::cuda::check(cudaMemcpyAsync(host.data(), x + row * dim, static_cast<size_t>(dim) * sizeof(float), cudaMemcpyDeviceToHost, s),
                    "copy of a refused row");
    lf::cuda::check(cudaStreamSynchronize(s), "stream synchronize");
    return lf::omp_row_refusal(what, of, row, lf::row_sq_norm(host.data(), dim));
}

// dictionary: the unit atoms U; scale[a] = ||d_a|| maps coefficients back to the atoms as given.
__global__ void omp_kernel(int64_t chunk0, int64_t rows, int64_t n_atoms, int64_t dim, const float* dictionary,
                           const double* scale, const float* gram, const float* signals, const float* corr, int32_t S, double tol,
                           double* dwork, int32_t* iwork, int32_t* support, float* coef, float* residual) {
    __shared__ double val[kThreads];
    __shared__ int64_t idx[kThreads];
    __shared__ int32_t s_count;
    __shared__ bool stop;
    const int64_t r = blockIdx.x;
    if (r >= rows) return;
    const int64_t sig = chunk0 + r;
    const float* x = signals + sig * dim;
    const float* c = corr + r * n_atoms;
    SignalWork ws;
    double* base = dwork + r * (static_cast<int64_t>(S) * S + 4 * S);
    ws.L = base;
    ws.w = base + static_cast<int64_t>(S) * S;
    ws.y = ws.w + S;
    ws.gamma = ws.y + S;
    ws.alpha0 = ws.gamma + S;
    ws.sel = iwork + r * S;

    if (threadIdx.x == 0) {
        s_count = 0;
        stop = false;
    }
    __syncthreads();
    // The tolerance test uses the residual norm recomputed exactly, as on the CPU.
    double r_sq = block_residual_sq(x, dim, dictionary, ws, 0, val);
    if (threadIdx.x == 0) stop = tol > 0 && r_sq <= tol * tol;
    __syncthreads();
    while (!stop && s_count < S) {
        const int32_t s = s_count;
        double best = 0;
        int64_t best_a = -1;
        for (int64_t a = threadIdx.x; a < n_atoms; a += blockDim.x) {
            double alpha = c[a];
            bool chosen = false;
            for (int32_t i = 0; i < s; ++i) {
                const int32_t ai = ws.sel[i];
                chosen |= ai == a;
                alpha -= ws.gamma[i] * gram[static_cast<int64_t>(ai) * n_atoms + a];
            }
            const double v = fabs(alpha);
            if (!chosen && v > best) {
                best = v;
                best_a = a;
            }
        }
        val[threadIdx.x] = -best;  // argmin of -|alpha|: ties to the lower atom
        idx[threadIdx.x] = best_a;
        __syncthreads();
        block_argmin(val, idx);
        if (threadIdx.x == 0) {
            const int64_t j = idx[0];
            if (j < 0) {
                stop = true;
            } else {
                const float* gj = gram + j * n_atoms;
                const int32_t* sel = ws.sel;
                if (!lf::omp::cholesky_append(ws.L, S, s, [&](int32_t i) { return double(gj[sel[i]]); }, gj[j], ws.w)) {
                    stop = true;
                } else {
                    ws.sel[s] = static_cast<int32_t>(j);
                    ws.alpha0[s] = c[j];
                    lf::omp::cholesky_solve(ws.L, S, s + 1, ws.alpha0, ws.y, ws.gamma);
                    s_count = s + 1;
                }
            }
        }
        __syncthreads();
        if (tol > 0 && !stop) {
            r_sq = block_residual_sq(x, dim, dictionary, ws, s_count, val);
            if (threadIdx.x == 0 && r_sq <= tol * tol) stop = true;
            __syncthreads();
        }
    }
    const int32_t s = s_count;
    r_sq = block_residual_sq(x, dim, dictionary, ws, s, val);
    for (int32_t i = threadIdx.x; i < S; i += blockDim.x) {
        support[sig * S + i] = i < s ? ws.sel[i] : -1;
        coef[sig * S + i] = i < s ? static_cast<float>(ws.gamma[i] / scale[ws.sel[i]]) : 0.0f;
    }
    if (threadIdx.x == 0) residual[sig] = static_cast<float>(sqrt(r_sq));
}

}  // namespace

extern "C" lf_status lf_omp_cuda(int64_t n_atoms, int64_t dim, int64_t n_signals, const float* dictionary,
                                 const float* signals, int32_t max_atoms, double tol, int32_t* support, float* coef,
                                 float* residual, void* stream) {
    return lf::guard("lf_omp_cuda", [&] {
        lf::validate_omp(n_atoms, dim, n_signals, dictionary, signals, max_atoms, tol, support, coef, residual);
        lf::cuda::require_device();
        if (n_signals == 0) return;
        const cudaStream_t st = lf::cuda::as_stream(stream);
        // Check and normalise the atoms, check the signals (as the CPU does, same order, same
        // sentences), then run on the unit atoms U.
        lf::cuda::Scratch<float> unit(static_cast<size_t>(n_atoms * dim), st);
        lf::cuda::Scratch<double> scale(static_cast<size_t>(n_atoms), st);
        lf::cuda::Scratch<unsigned long long> bad(2, st);
        lf::cuda::check(cudaMemsetAsync(bad.get(), 0xFF, 2 * sizeof(unsigned long long), st), "cudaMemsetAsync");
        normalise_atoms_kernel<<<lf::cuda::blocks_for(n_atoms, kThreads), kThreads, 0, st>>>(n_atoms, dim, dictionary, unit.get(),
                                                                                           scale.get(), bad.get());
        lf::cuda::check(cudaGetLastError(), "normalise atoms kernel launch");
        lf::cuda::first_bad_row_kernel<<<lf::cuda::blocks_for(n_signals, kThreads), kThreads, 0, st>>>(
            n_signals, dim, signals, static_cast<double>(FLT_MAX), bad.get() + 1);
        lf::cuda::check(cudaGetLastError(), "signal check kernel launch");
        unsigned long long first_bad[2];
        lf::cuda::check(cudaMemcpyAsync(first_bad, bad.get(), sizeof first_bad, cudaMemcpyDeviceToHost, st), "copy of the row checks");
        lf::cuda::check(cudaStreamSynchronize(st), "stream synchronize");
        if (first_bad[0] != ~0ull)
            throw lf::invalid_argument(refusal_of("atom", " of the dictionary", static_cast<int64_t>(first_bad[0]), dictionary, dim, st));
        if (first_bad[1] != ~0ull)
            throw lf::invalid_argument(refusal_of("signal", "", static_cast<int64_t>(first_bad[1]), signals, dim, st));
        const float* U = unit.get();
        lf::cuda::Scratch<float> gram(static_cast<size_t>(n_atoms * n_atoms), st);
        lf::cuda::gemm_nt(n_atoms, n_atoms, dim, U, dim, U, dim, gram.get(), n_atoms, st);
        const int64_t S = max_atoms;
        const int64_t per_signal = (S * S + 4 * S) * 8 + S * 4 + n_atoms * 4;  // scratch bytes
        const int64_t chunk = std::max<int64_t>(1, std::min({n_signals, kSignalChunk, (int64_t{1} << 29) / per_signal}));
        lf::cuda::Scratch<float> corr(static_cast<size_t>(chunk * n_atoms), st);
        lf::cuda::Scratch<double> dwork(static_cast<size_t>(chunk * (S * S + 4 * S)), st);
        lf::cuda::Scratch<int32_t> iwork(static_cast<size_t>(chunk * S), st);
        for (int64_t s0 = 0; s0 < n_signals; s0 += chunk) {
            const int64_t rows = std::min(chunk, n_signals - s0);
            lf::cuda::gemm_nt(rows, n_atoms, dim, signals + s0 * dim, dim, U, dim, corr.get(), n_atoms, st);
            omp_kernel<<<static_cast<unsigned>(rows), kThreads, 0, st>>>(s0, rows, n_atoms, dim, U, scale.get(), gram.get(),
                                                                         signals, corr.get(), max_atoms, tol, dwork.get(),
                                                                         iwork.get(), support, coef, residual);
            lf::cuda::check(cudaGetLastError(), "omp kernel launch");
        }
    });
}
