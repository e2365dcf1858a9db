// CUDA twin of the network engine (see lf_net_* in lf.h and ../cpu/net_plan.hpp): the CPU's
// compiled steps on channels-last rows, on the device. A convolution is one GEMM (cuBLAS when
// opened, else the tiled kernel) between elementwise kernels whose per-element maths is
// net_plan.hpp's (im2col_element, col2im_element with the bias fused, pad_element, the
// activations), the code ctest runs on the CPU too. The weights go to the device on a plan's first
// CUDA call. The fixed-point loop is device resident (picard_loop.cuh).
#include <algorithm>
#include <mutex>

#include "../cpu/lf_error.hpp"
#include "../cpu/net_plan.hpp"
#include "../cpu/validate.hpp"
#include "cuda_util.cuh"
#include "picard_loop.cuh"

namespace lf::net {

void free_device(lf_net& plan) noexcept {
    for (auto& st : plan.steps) {
        if (st.d_weight) (void)cudaFree(st.d_weight);
        if (st.d_bias) (void)cudaFree(st.d_bias);
        st.d_weight = st.d_bias = nullptr;
    }
    plan.on_device = false;
}

namespace {

void put(const std::vector<float>& host, float** device, cudaStream_t s) {
    if (host.empty()) return;
    lf::cuda::check(cudaMalloc(reinterpret_cast<void**>(device), host.size() * sizeof(float)), "cudaMalloc");
    lf::cuda::check(cudaMemcpyAsync(*device, host.data(), host.size() * sizeof(float), cudaMemcpyHostToDevice, s), "cudaMemcpyAsync weights");
}

}  // namespace

// On a stream of its own and complete when this returns, as lf::mlp::upload (the entry points'
// streams may be non-blocking, so a legacy-stream copy would not be ordered before their kernels).
void upload(const lf_net& plan) {
    std::lock_guard<std::mutex> hold(plan.device_lock);
    if (plan.on_device) return;
    lf::cuda::require_device();
    cudaStream_t s = nullptr;
    lf::cuda::check(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreate for the weight upload");
    auto& steps = const_cast<lf_net&>(plan);  // the device copies are the plan's cache, not its value
    try {
        for (auto& st : steps.steps) {
            if (st.op == Op::LINEAR) {
                put(st.weight, &st.d_weight, s);
                put(st.bias, &st.d_bias, s);
            } else if (st.op == Op::CONV) {
                put(st.conv.weight, &st.d_weight, s);
                put(st.conv.bias, &st.d_bias, s);
            }
        }
        lf::cuda::check(cudaStreamSynchronize(s), "cudaStreamSynchronize after the weight upload");
        (void)cudaStreamDestroy(s);
    } catch (...) {
        (void)cudaStreamSynchronize(s);
        (void)cudaStreamDestroy(s);
        free_device(steps);
        throw;
    }
    plan.on_device = true;
}

}  // namespace lf::net

namespace {

using lf::net::Op;
using lf::net::Step;

constexpr unsigned kThreads = 256;

__global__ void im2col_kernel(lf::conv::Dims d, int64_t n, const float* in, float* patches) {
    const int64_t e = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
    if (e < n) patches[e] = lf::net::im2col_element(d, in, e);
}

__global__ void col2im_kernel(lf::conv::Dims d, int64_t n, const float* cols, const float* bias, float* out) {
    const int64_t e = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
    if (e < n) out[e] = lf::net::col2im_element(d, cols, bias, e);
}

__global__ void bias_kernel(int64_t n, int64_t width, const float* bias, float* y) {
    const int64_t e = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
    if (e < n) y[e] += bias[e % width];
}

__global__ void activation_kernel(int64_t n, int32_t act, float alpha, float* x) {
    const int64_t e = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
    if (e < n) x[e] = lf::net::activate(act, alpha, x[e]);
}

__global__ void pad_kernel(lf::net::PadDims p, int64_t n, const float* in, float fill, float* out) {
    const int64_t e = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
    if (e < n) out[e] = lf::net::pad_element(p, in, e, fill);
}

// to_hwc: items c x plane -> plane x c; else back.
__global__ void transpose_kernel(int64_t c, int64_t plane, int64_t n, bool to_hwc, const float* in, float* out) {
    const int64_t e = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
    if (e >= n) return;
    const int64_t item = c * plane, r = e / item, rem = e % item;
    out[e] = to_hwc ? in[r * item + (rem % c) * plane + rem / c] : in[r * item + (rem % plane) * c + rem / plane];
}

// Tangents of `points` points (k each, rows of n values after the point's rows): the point's
// pre-activation h becomes act(h), its tangents are scaled by act'(h).
__global__ void act_tangent_kernel(int64_t points, int64_t k, int64_t n, int32_t act, float alpha, float* h, float* t) {
    const int64_t e = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
    if (e >= points * n) return;
    const int64_t p = e / n, q = e % n;
    const float x = h[e], y = lf::net::activate(act, alpha, x);
    h[e] = y;
    const float d = lf::net::derivative(act, alpha, x, y);
    for (int64_t j = 0; j < k; ++j) t[(p * k + j) * n + q] *= d;
}

__global__ void unit_tangents_kernel(int64_t points, int64_t k, float* t) {
    const int64_t e = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
    if (e >= points * k * k) return;
    t[e] = (e / k) % k == e % k ? 1.0f : 0.0f;  // element i = e % k of tangent (p, j = (e / k) % k)
}

__global__ void transpose_tangents_kernel(int64_t points, int64_t k, const float* t, float* jac) {
    const int64_t e = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
    if (e >= points * k * k) return;
    const int64_t p = e / (k * k), i = (e / k) % k, j = e % k;
    jac[e] = t[(p * k + j) * k + i];
}

void launched(const char* what) { lf::cuda::check(cudaGetLastError(), what); }

// Device buffers for `rows` rows: two of the widest row, and convolution scratch for at most
// `scratch_rows` rows at a time (a GiB at most; larger batches run each convolution in chunks).
struct Workspace {
    lf::cuda::Scratch<float> a, b, scratch;
    int64_t scratch_rows;
    Workspace(const lf_net& plan, int64_t rows, cudaStream_t s)
        : a(static_cast<size_t>(std::max<int64_t>(1, rows) * plan.widest), s),
          b(static_cast<size_t>(std::max<int64_t>(1, rows) * plan.widest), s),
          scratch(static_cast<size_t>(std::max<int64_t>(1, chunk(plan, rows)) * std::max<int64_t>(1, plan.scratch)), s),
          scratch_rows(std::max<int64_t>(1, chunk(plan, rows))) {}
    static int64_t chunk(const lf_net& plan, int64_t rows) {
        return std::min(rows, std::max<int64_t>(1, (int64_t{1} << 28) / std::max<int64_t>(1, plan.scratch)));
    }
};

void conv_rows(const Step& st, int64_t rows, const float* in, float* out, bool affine, float* scratch, cudaStream_t s) {
    const lf::conv::Dims& d = st.conv.d;
    const int64_t taps = d.kh * d.kw;
    const float* bias = affine ? st.d_bias : nullptr;
    if (d.transposed) {
        lf::cuda::gemm_nt(rows * d.h * d.w, taps * d.o, d.c, in, d.c, st.d_weight, d.c, scratch, taps * d.o, s);
        const int64_t n = rows * d.out_size();
        col2im_kernel<<<lf::cuda::blocks_for(n, kThreads), kThreads, 0, s>>>(d, n, scratch, bias, out);
        launched("col2im kernel launch");
        return;
    }
    const float* patches = in;
    if (!lf::conv::pointwise(d)) {
        const int64_t n = rows * d.oh * d.ow * taps * d.c;
        im2col_kernel<<<lf::cuda::blocks_for(n, kThreads), kThreads, 0, s>>>(d, n, in, scratch);
        launched("im2col kernel launch");
        patches = scratch;
    }
    lf::cuda::gemm_nt(rows * d.oh * d.ow, d.o, taps * d.c, patches, taps * d.c, st.d_weight, taps * d.c, out, d.o, s);
    if (bias != nullptr) {
        const int64_t n = rows * d.out_size();
        bias_kernel<<<lf::cuda::blocks_for(n, kThreads), kThreads, 0, s>>>(n, d.o, bias, out);
        launched("bias kernel launch");
    }
}

// One non-activation step, as run_step in net.cpp.
void run_step(const Step& st, int64_t rows, const float* in, float* out, bool affine, Workspace& ws, cudaStream_t s) {
    const int64_t n = rows * st.out_size;
    switch (st.op) {
        case Op::LINEAR:
            lf::cuda::gemm_nt(rows, st.out, st.in, in, st.in, st.d_weight, st.in, out, st.out, s);
            if (affine && st.d_bias != nullptr) {
                bias_kernel<<<lf::cuda::blocks_for(n, kThreads), kThreads, 0, s>>>(n, st.out, st.d_bias, out);
                launched("bias kernel launch");
            }
            break;
        case Op::CONV:
            for (int64_t r0 = 0; r0 < rows; r0 += ws.scratch_rows) {
                const int64_t m = std::min(ws.scratch_rows, rows - r0);
                conv_rows(st, m, in + r0 * st.in_size, out + r0 * st.out_size, affine, ws.scratch.get(), s);
            }
            break;
        case Op::PAD:
            pad_kernel<<<lf::cuda::blocks_for(n, kThreads), kThreads, 0, s>>>(st.pad, n, in, affine ? st.pad_value : 0.0f, out);
            launched("pad kernel launch");
            break;
        case Op::TO_HWC:
        case Op::TO_CHW:
            transpose_kernel<<<lf::cuda::blocks_for(n, kThreads), kThreads, 0, s>>>(st.c, st.plane, n, st.op == Op::TO_HWC, in, out);
            launched("transpose kernel launch");
            break;
        case Op::ACT: break;
    }
}

// f on `rows` device rows: in -> out, through ws.a and ws.b.
void apply(const lf_net& plan, int64_t rows, const float* in, float* out, Workspace& ws, cudaStream_t s) {
    if (rows == 0) return;
    float* x = ws.a.get();
    float* y = ws.b.get();
    lf::cuda::check(cudaMemcpyAsync(x, in, sizeof(float) * rows * plan.k, cudaMemcpyDeviceToDevice, s), "cudaMemcpyAsync");
    for (const auto& st : plan.steps) {
        if (st.op == Op::ACT) {
            const int64_t n = rows * st.in_size;
            activation_kernel<<<lf::cuda::blocks_for(n, kThreads), kThreads, 0, s>>>(n, st.activation, st.alpha, x);
            launched("activation kernel launch");
            continue;
        }
        run_step(st, rows, x, y, true, ws, s);
        std::swap(x, y);
    }
    lf::cuda::check(cudaMemcpyAsync(out, x, sizeof(float) * rows * plan.k, cudaMemcpyDeviceToDevice, s), "cudaMemcpyAsync");
}

void require_plan(const lf_net* plan) {
    lf::require(plan != nullptr, "plan must not be NULL");
    lf::net::upload(*plan);
}

}  // namespace

extern "C" {

lf_status lf_net_apply_cuda(const lf_net* plan, int64_t rows, const float* in, float* out, void* stream) {
    return lf::guard("lf_net_apply_cuda", [&] {
        require_plan(plan);
        lf::require(rows >= 0 && (rows == 0 || (in && out)), "rows >= 0 and in, out not NULL");
        const cudaStream_t s = lf::cuda::as_stream(stream);
        Workspace ws(*plan, rows, s);
        apply(*plan, rows, in, out, ws, s);
    });
}

lf_status lf_net_jacobians_cuda(const lf_net* plan, int64_t rows, const float* z, float* jacobians, void* stream) {
    return lf::guard("lf_net_jacobians_cuda", [&] {
        require_plan(plan);
        lf::require(rows >= 0 && (rows == 0 || (z && jacobians)), "rows >= 0 and z, jacobians not NULL");
        if (rows == 0) return;
        const cudaStream_t s = lf::cuda::as_stream(stream);
        const int64_t k = plan->k, w = plan->widest;
        // points in chunks whose tangents (chunk * k rows of up to `widest` values) stay near 2^26 floats
        const int64_t chunk = std::max<int64_t>(1, std::min(rows, (int64_t{1} << 26) / (k * w)));
        lf::cuda::Scratch<float> h(static_cast<size_t>(chunk * w), s), hn(static_cast<size_t>(chunk * w), s);
        Workspace ws(*plan, chunk * k, s);  // ws.a, ws.b carry the tangents
        for (int64_t p0 = 0; p0 < rows; p0 += chunk) {
            lf::throw_if_cancelled();
            const int64_t m = std::min(chunk, rows - p0);
            float* hp = h.get();
            float* hq = hn.get();
            float* t = ws.a.get();
            float* tn = ws.b.get();
            lf::cuda::check(cudaMemcpyAsync(hp, z + p0 * k, sizeof(float) * m * k, cudaMemcpyDeviceToDevice, s), "cudaMemcpyAsync");
            unit_tangents_kernel<<<lf::cuda::blocks_for(m * k * k, kThreads), kThreads, 0, s>>>(m, k, t);
            launched("unit tangents kernel launch");
            for (const auto& st : plan->steps) {
                if (st.op == Op::ACT) {
                    act_tangent_kernel<<<lf::cuda::blocks_for(m * st.in_size, kThreads), kThreads, 0, s>>>(m, k, st.in_size, st.activation,
                                                                                                         st.alpha, hp, t);
                    launched("activation tangent kernel launch");
                    continue;
                }
                run_step(st, m, hp, hq, true, ws, s);
                run_step(st, m * k, t, tn, false, ws, s);
                std::swap(hp, hq);
                std::swap(t, tn);
            }
            transpose_tangents_kernel<<<lf::cuda::blocks_for(m * k * k, kThreads), kThreads, 0, s>>>(m, k, t, jacobians + p0 * k * k);
            launched("transpose kernel launch");
        }
    });
}

lf_status lf_net_fixed_points_cuda(const lf_net* plan, int64_t n, const float* z0, const lf_stop_rule* rule, int64_t batch,
                                   float* endpoints, int32_t* iterations, float* step_sq, int8_t* state, float* traj,
                                   int32_t record_every, int32_t n_slots, void* stream) {
    return lf::guard("lf_net_fixed_points_cuda", [&] {
        lf::require(plan != nullptr, "plan must not be NULL");
        lf::validate_picard(n, batch, z0, endpoints, iterations, step_sq, state, rule, traj, record_every, n_slots);
        require_plan(plan);
        const cudaStream_t s = lf::cuda::as_stream(stream);
        Workspace ws(*plan, std::max<int64_t>(1, std::min(batch, n)), s);
        lf::cuda::picard_loop(plan->k, n, z0, rule, batch, endpoints, iterations, step_sq, state, traj, record_every, n_slots, s,
                              [&](int64_t rows, const float* in, float* out) { apply(*plan, rows, in, out, ws, s); });
    });
}

}  // extern "C"
