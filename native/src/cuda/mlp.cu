// CUDA twin of the fused MLP engine (see lf_mlp_* in lf.h). Layers run as GEMMs (cuBLAS when
// opened, else the tiled kernel) plus a fused bias + activation kernel. The fixed-point loop is
// picard_loop.cuh's, shared with the network engine: rows stay on the device, compacted there
// every few steps, the host reading one count each time.
#include <algorithm>
#include <limits>
#include <vector>

#include "../cpu/cancel.hpp"
#include "../cpu/lf_error.hpp"
#include "../cpu/mlp_plan.hpp"
#include "../cpu/validate.hpp"
#include "cuda_util.cuh"
#include "picard_loop.cuh"

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
        lf::validate_picard(n, batch, z0, endpoints, iterations, step_sq, state, rule, traj, record_every, n_slots);
        const cudaStream_t s = lf::cuda::as_stream(stream);
        const int64_t b = std::max<int64_t>(1, std::min(batch, n));
        lf::cuda::Scratch<float> ha(static_cast<size_t>(b * plan->widest), s), hb(static_cast<size_t>(b * plan->widest), s);
        lf::cuda::picard_loop(plan->k, n, z0, rule, batch, endpoints, iterations, step_sq, state, traj, record_every, n_slots, s,
                              [&](int64_t rows, const float* in, float* out) { apply(*plan, rows, in, out, ha.get(), hb.get(), s); });
    });
}

}  // extern "C"
