// CUDA twin of the fused MLP engine (see lf_mlp_* in lf.h). Layers run as GEMMs (cuBLAS when
// opened, else the tiled kernel) plus a fused bias + activation kernel. The fixed-point loop
// keeps every row on the device: a bookkeeping kernel applies the stopping rule per row
// (fixed_point_row.hpp, the CPU's code), the host reads one byte per row to build the
// compaction order, a gather kernel compacts, and the next starts are copied in behind. The host
// checks the cancellation flag (lf_cancel_request) before every step, as the CPU loop does.
#include <algorithm>
#include <limits>
#include <vector>

#include "../cpu/cancel.hpp"
#include "../cpu/fixed_point_row.hpp"
#include "../cpu/lf_error.hpp"
#include "../cpu/mlp_plan.hpp"
#include "../cpu/validate.hpp"
#include "cuda_util.cuh"

namespace lf::mlp {

void free_device(lf_mlp& plan) noexcept {
    for (auto& l : plan.layers) {
        if (l.d_weight) (void)cudaFree(l.d_weight);
        if (l.d_bias) (void)cudaFree(l.d_bias);
        l.d_weight = l.d_bias = nullptr;
    }
}

// Weights go up on a stream of their own and are complete when this returns: a plain cudaMemcpy
// runs on the legacy default stream, which does not order against the non-blocking streams the
// entry points may be given (lf_cuda_stream_create), so kernels there could read weights still in
// flight.
void upload(lf_mlp& plan) {
    lf::cuda::require_device();
    cudaStream_t s = nullptr;
    lf::cuda::check(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreate for the weight upload");
    try {
        for (auto& l : plan.layers) {
            lf::cuda::check(cudaMalloc(reinterpret_cast<void**>(&l.d_weight), l.weight.size() * sizeof(float)), "cudaMalloc");
            lf::cuda::check(cudaMalloc(reinterpret_cast<void**>(&l.d_bias), l.bias.size() * sizeof(float)), "cudaMalloc");
            lf::cuda::check(cudaMemcpyAsync(l.d_weight, l.weight.data(), l.weight.size() * sizeof(float), cudaMemcpyHostToDevice, s),
                            "cudaMemcpyAsync weights");
            lf::cuda::check(cudaMemcpyAsync(l.d_bias, l.bias.data(), l.bias.size() * sizeof(float), cudaMemcpyHostToDevice, s),
                            "cudaMemcpyAsync biases");
        }
        lf::cuda::check(cudaStreamSynchronize(s), "cudaStreamSynchronize after the weight upload");
        (void)cudaStreamDestroy(s);
    } catch (...) {
        (void)cudaStreamSynchronize(s);
        (void)cudaStreamDestroy(s);
        free_device(plan);
        throw;
    }
}

}  // namespace lf::mlp

namespace {

constexpr unsigned kThreads = 256;

__global__ void bias_activation_kernel(int64_t rows, int32_t out, const float* bias, int32_t act, float* y) {
    const int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
    if (i >= rows * out) return;
    y[i] = lf::mlp::activate(act, y[i] + bias[i % out]);
}

void apply(const lf_mlp& plan, int64_t rows, const float* in, float* out, float* a, float* b, cudaStream_t s) {
    if (rows == 0) return;
    const float* x = in;
    const size_t last = plan.layers.size() - 1;
    for (size_t i = 0; i < plan.layers.size(); ++i) {
        const auto& l = plan.layers[i];
        float* y = i == last ? out : (i % 2 == 0 ? a : b);
        lf::cuda::gemm_nt(rows, l.out, l.in, x, l.in, l.d_weight, l.in, y, l.out, s);
        bias_activation_kernel<<<lf::cuda::blocks_for(rows * l.out, kThreads), kThreads, 0, s>>>(rows, l.out, l.d_bias, l.activation, y);
        lf::cuda::check(cudaGetLastError(), "bias/activation kernel launch");
        x = y;
    }
}

__global__ void step_kernel(int64_t active, int64_t k, const float* cur, const float* mapped, double tol, int32_t max_iter,
                            double bound_sq, const int32_t* row_id, int32_t* iterations, float* step_sq, int8_t* state,
                            float* endpoints, float* traj, int32_t record_every, int32_t n_slots, int8_t* still_active) {
    const int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
    if (i >= active) return;
    const int8_t s = lf::step_row(k, cur + i * k, mapped + i * k, tol, max_iter, bound_sq, row_id[i], iterations, step_sq,
                                  state, endpoints, traj, record_every, n_slots);
    still_active[i] = s == LF_POINT_ACTIVE ? 1 : 0;
}

__global__ void gather_kernel(int64_t kept, int64_t k, const int32_t* positions, const float* mapped, float* next) {
    const int64_t e = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
    if (e >= kept * k) return;
    next[e] = mapped[int64_t(positions[e / k]) * k + e % k];
}

__global__ void init_kernel(int64_t n, int64_t k, const float* z0, int32_t* iterations, float* step_sq, int8_t* state,
                            float* traj, int32_t n_slots) {
    const int64_t g = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
    if (g >= n) return;
    iterations[g] = 0;
    step_sq[g] = 0.0f;
    state[g] = LF_POINT_ACTIVE;
    if (traj != nullptr)
        for (int64_t j = 0; j < k; ++j) traj[g * n_slots * k + j] = z0[g * k + j];
}

__global__ void unit_tangents_kernel(int64_t rows, int64_t k, float* t) {
    const int64_t e = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
    if (e >= rows * k * k) return;
    const int64_t j = (e / k) % k, i = e % k;  // element i of tangent (p, j)
    t[e] = i == j ? 1.0f : 0.0f;
}

// h = act(pre + b); tangents of point p scaled by act'(pre + b).
__global__ void tangent_kernel(int64_t rows, int64_t k, int32_t out, const float* pre, const float* bias, int32_t act, float* h,
                               float* t) {
    const int64_t e = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
    if (e >= rows * out) return;
    const int64_t p = e / out;
    const int32_t o = static_cast<int32_t>(e % out);
    const float x = pre[e] + bias[o];
    const float y = lf::mlp::activate(act, x);
    h[e] = y;
    const float d = lf::mlp::derivative(act, x, y);
    for (int64_t j = 0; j < k; ++j) t[(p * k + j) * out + o] *= d;
}

__global__ void transpose_tangents_kernel(int64_t rows, int64_t k, const float* t, float* jac) {
    const int64_t e = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
    if (e >= rows * k * k) return;
    const int64_t p = e / (k * k), i = (e / k) % k, j = e % k;
    jac[e] = t[(p * k + j) * k + i];
}

}  // namespace

extern "C" {

lf_status lf_mlp_jacobians_cuda(const lf_mlp* plan, int64_t rows, const float* z, float* jacobians, void* stream) {
    return lf::guard("lf_mlp_jacobians_cuda", [&] {
        lf::require(plan != nullptr, "plan must not be NULL");
        lf::require(plan->device == 1, "this plan lives on the CPU; use the _cpu entry point");
        lf::require(rows >= 0 && (rows == 0 || (z && jacobians)), "rows >= 0 and z, jacobians not NULL");
        if (rows == 0) return;
        const cudaStream_t s = lf::cuda::as_stream(stream);
        const int64_t k = plan->k, w = plan->widest;
        lf::cuda::Scratch<float> h(static_cast<size_t>(rows * w), s), pre(static_cast<size_t>(rows * w), s);
        lf::cuda::Scratch<float> ta(static_cast<size_t>(rows * k * w), s), tb(static_cast<size_t>(rows * k * w), s);
        lf::cuda::check(cudaMemcpyAsync(h.get(), z, sizeof(float) * rows * k, cudaMemcpyDeviceToDevice, s), "cudaMemcpyAsync");
        unit_tangents_kernel<<<lf::cuda::blocks_for(rows * k * k, kThreads), kThreads, 0, s>>>(rows, k, ta.get());
        lf::cuda::check(cudaGetLastError(), "unit tangents kernel launch");
        float* t = ta.get();
        float* tn = tb.get();
        for (const auto& l : plan->layers) {
            lf::cuda::gemm_nt(rows, l.out, l.in, h.get(), l.in, l.d_weight, l.in, pre.get(), l.out, s);
            lf::cuda::gemm_nt(rows * k, l.out, l.in, t, l.in, l.d_weight, l.in, tn, l.out, s);
            tangent_kernel<<<lf::cuda::blocks_for(rows * l.out, kThreads), kThreads, 0, s>>>(rows, k, l.out, pre.get(), l.d_bias,
                                                                                              l.activation, h.get(), tn);
            lf::cuda::check(cudaGetLastError(), "tangent kernel launch");
            std::swap(t, tn);
        }
        transpose_tangents_kernel<<<lf::cuda::blocks_for(rows * k * k, kThreads), kThreads, 0, s>>>(rows, k, t, jacobians);
        lf::cuda::check(cudaGetLastError(), "transpose kernel launch");
    });
}

lf_status lf_mlp_apply_cuda(const lf_mlp* plan, int64_t rows, const float* in, float* out, void* stream) {
    return lf::guard("lf_mlp_apply_cuda", [&] {
        lf::require(plan != nullptr, "plan must not be NULL");
        lf::require(plan->device == 1, "this plan lives on the CPU; use the _cpu entry point");
        lf::require(rows >= 0 && (rows == 0 || (in && out)), "rows >= 0 and in, out not NULL");
        const cudaStream_t s = lf::cuda::as_stream(stream);
        lf::cuda::Scratch<float> a(static_cast<size_t>(std::max<int64_t>(1, rows) * plan->widest), s);
        lf::cuda::Scratch<float> b(static_cast<size_t>(std::max<int64_t>(1, rows) * plan->widest), s);
        apply(*plan, rows, in, out, a.get(), b.get(), s);
    });
}

lf_status lf_mlp_fixed_points_cuda(const lf_mlp* plan, int64_t n, const float* z0, const lf_stop_rule* rule, int64_t batch,
                                   float* endpoints, int32_t* iterations, float* step_sq, int8_t* state, float* traj,
                                   int32_t record_every, int32_t n_slots, void* stream) {
    return lf::guard("lf_mlp_fixed_points_cuda", [&] {
        lf::require(plan != nullptr, "plan must not be NULL");
        lf::require(plan->device == 1, "this plan lives on the CPU; use the _cpu entry point");
        lf::require(n >= 0 && batch >= 1, "n must be >= 0 and batch >= 1");
        lf::require(n <= std::numeric_limits<int32_t>::max(), "at most 2^31 - 1 points per call");  // row ids are int32
        lf::require(n == 0 || (z0 && endpoints && iterations && step_sq && state), "z0 and the outputs must not be NULL");
        lf::validate_stop_rule(rule);  // the CPU twin's checks and sentences (tol finite and > 0, ...)
        if (traj != nullptr) lf::require(record_every >= 1 && n_slots >= 1, "record_every and n_slots must be >= 1 when traj is given");
        if (n == 0) return;
        const cudaStream_t s = lf::cuda::as_stream(stream);
        const int64_t k = plan->k, b = std::min(batch, n);
        const double bound_sq = rule->divergence_bound * rule->divergence_bound;
        init_kernel<<<lf::cuda::blocks_for(n, kThreads), kThreads, 0, s>>>(n, k, z0, iterations, step_sq, state, traj, n_slots);
        lf::cuda::check(cudaGetLastError(), "init kernel launch");
        lf::cuda::Scratch<float> cur(static_cast<size_t>(b * k), s), mapped(static_cast<size_t>(b * k), s), next(static_cast<size_t>(b * k), s);
        lf::cuda::Scratch<float> ha(static_cast<size_t>(b * plan->widest), s), hb(static_cast<size_t>(b * plan->widest), s);
        lf::cuda::Scratch<int32_t> d_row(static_cast<size_t>(b), s), d_pos(static_cast<size_t>(b), s);
        lf::cuda::Scratch<int8_t> d_flag(static_cast<size_t>(b), s);
        std::vector<int32_t> row_id(static_cast<size_t>(b)), pos(static_cast<size_t>(b));
        std::vector<int8_t> flag(static_cast<size_t>(b));
        float* pcur = cur.get();
        float* pnext = next.get();
        int64_t admitted = 0, active = 0;
        while (true) {
            lf::throw_if_cancelled();  // scratch is freed in stream order: queued kernels finish first
            const int64_t room = std::min(b - active, n - admitted);
            if (room > 0) {
                lf::cuda::check(cudaMemcpyAsync(pcur + active * k, z0 + admitted * k, sizeof(float) * room * k,
                                                cudaMemcpyDeviceToDevice, s), "cudaMemcpyAsync refill");
                for (int64_t j = 0; j < room; ++j) row_id[active + j] = static_cast<int32_t>(admitted + j);
                admitted += room;
                active += room;
            }
            if (active == 0) break;
            lf::cuda::check(cudaMemcpyAsync(d_row.get(), row_id.data(), sizeof(int32_t) * active, cudaMemcpyHostToDevice, s),
                            "cudaMemcpyAsync row ids");
            apply(*plan, active, pcur, mapped.get(), ha.get(), hb.get(), s);
            step_kernel<<<lf::cuda::blocks_for(active, kThreads), kThreads, 0, s>>>(
                active, k, pcur, mapped.get(), rule->tol, rule->max_iter, bound_sq, d_row.get(), iterations, step_sq, state,
                endpoints, traj, record_every, n_slots, d_flag.get());
            lf::cuda::check(cudaGetLastError(), "step kernel launch");
            lf::cuda::check(cudaMemcpyAsync(flag.data(), d_flag.get(), size_t(active), cudaMemcpyDeviceToHost, s), "cudaMemcpyAsync flags");
            lf::cuda::check(cudaStreamSynchronize(s), "cudaStreamSynchronize");
            int64_t kept = 0;
            for (int64_t i = 0; i < active; ++i)
                if (flag[size_t(i)]) {
                    pos[size_t(kept)] = static_cast<int32_t>(i);
                    row_id[size_t(kept)] = row_id[size_t(i)];
                    ++kept;
                }
            if (kept > 0) {
                lf::cuda::check(cudaMemcpyAsync(d_pos.get(), pos.data(), sizeof(int32_t) * kept, cudaMemcpyHostToDevice, s),
                                "cudaMemcpyAsync positions");
                gather_kernel<<<lf::cuda::blocks_for(kept * k, kThreads), kThreads, 0, s>>>(kept, k, d_pos.get(), mapped.get(), pnext);
                lf::cuda::check(cudaGetLastError(), "gather kernel launch");
            }
            std::swap(pcur, pnext);
            active = kept;
        }
        lf::cuda::check(cudaStreamSynchronize(s), "cudaStreamSynchronize");
    });
}

}  // extern "C"
