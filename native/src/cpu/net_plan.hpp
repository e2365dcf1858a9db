// The network plan behind the opaque lf_net handle (see lf.h): compiled once by net.cpp into
// steps on channels-last rows, run by the CPU engine (net.cpp) and its CUDA twin (net.cu). The
// activations and the per-element maths of the device kernels (im2col, the col2im gather, the
// pad) are host/device functions here, so ctest runs the GPU's arithmetic against the CPU layers
// on machines without a GPU.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

#include "conv.hpp"
#include "mlp_plan.hpp"

namespace lf::net {

enum class Op : int32_t { LINEAR, CONV, ACT, PAD, TO_HWC, TO_CHW };

// A PAD step's geometry: channels-last items c x h x w -> c x out_h x out_w, the input placed at
// (top, left) (negative: cropped).
struct PadDims {
    int64_t c = 0, h = 0, w = 0, top = 0, left = 0, out_h = 0, out_w = 0;
};

struct Step {
    Op op = Op::LINEAR;
    int64_t in_size = 0, out_size = 0;
    int32_t in = 0, out = 0;          // LINEAR
    std::vector<float> weight, bias;  // LINEAR: out x in, in the compiled layouts; bias empty when absent
    conv::Layer conv;                 // CONV
    int32_t activation = LF_ACT_IDENTITY;
    float alpha = 0.0f;               // ACT
    PadDims pad;                      // PAD
    float pad_value = 0.0f;
    int64_t c = 0, plane = 0;         // TO_HWC / TO_CHW: c channels of `plane` pixels
    mutable float* d_weight = nullptr;  // the CUDA twin's copies (LINEAR, CONV), uploaded on first use
    mutable float* d_bias = nullptr;
};

LF_MLP_HD inline float activate(int32_t act, float alpha, float x) {
    switch (act) {
        case LF_ACT_LEAKY_RELU: return x > 0.0f ? x : alpha * x;
        case LF_ACT_SILU: return x / (1.0f + expf(-x));
        default: return lf::mlp::activate(act, x);
    }
}

// d act / dx at pre-activation x with output y = act(x).
LF_MLP_HD inline float derivative(int32_t act, float alpha, float x, float y) {
    switch (act) {
        case LF_ACT_LEAKY_RELU: return x > 0.0f ? 1.0f : alpha;
        case LF_ACT_SILU: {
            const float s = 1.0f / (1.0f + expf(-x));
            return s + x * s * (1.0f - s);
        }
        default: return lf::mlp::derivative(act, x, y);
    }
}

// Element e of conv2d's patch matrix (rows*OH*OW x KH*KW*C, columns (u, v, c)) of channels-last
// items `in`: the input value under kernel tap (u, v) of output pixel (i, j), 0 outside.
LF_MLP_HD inline float im2col_element(const conv::Dims& d, const float* in, int64_t e) {
    const int64_t c = e % d.c;
    int64_t t = e / d.c;
    const int64_t v = t % d.kw;
    t /= d.kw;
    const int64_t u = t % d.kh;
    t /= d.kh;
    const int64_t j = t % d.ow;
    t /= d.ow;
    const int64_t i = t % d.oh, r = t / d.oh;
    const int64_t y = i * d.sh - d.ph + u, x = j * d.sw - d.pw + v;
    return (y >= 0 && y < d.h && x >= 0 && x < d.w) ? in[r * d.in_size() + (y * d.w + x) * d.c + c] : 0.0f;
}

// Element e (rows x OH x OW x O) of conv_transpose2d's channels-last output, gathered from its
// GEMM block Z (rows*H*W x KH*KW*O): the sum of Z over the input pixels (i, j) and taps (u, v)
// with i*stride - pad + u = y (and the same for x), plus the bias (or not, when bias is null).
LF_MLP_HD inline float col2im_element(const conv::Dims& d, const float* cols, const float* bias, int64_t e) {
    const int64_t o = e % d.o;
    int64_t t = e / d.o;
    const int64_t x = t % d.ow;
    t /= d.ow;
    const int64_t y = t % d.oh, r = t / d.oh;
    const int64_t kko = d.kh * d.kw * d.o;
    float acc = bias != nullptr ? bias[o] : 0.0f;
    for (int64_t u = 0; u < d.kh; ++u) {
        const int64_t yy = y + d.ph - u;
        if (yy < 0 || yy % d.sh != 0 || yy / d.sh >= d.h) continue;
        const int64_t i = yy / d.sh;
        for (int64_t v = 0; v < d.kw; ++v) {
            const int64_t xx = x + d.pw - v;
            if (xx < 0 || xx % d.sw != 0 || xx / d.sw >= d.w) continue;
            acc += cols[((r * d.h + i) * d.w + xx / d.sw) * kko + (u * d.kw + v) * d.o + o];
        }
    }
    return acc;
}

// Element e (rows x out_h x out_w x c) of a PAD step's output: the input value, or `fill` on the border.
LF_MLP_HD inline float pad_element(const PadDims& p, const float* in, int64_t e, float fill) {
    const int64_t ch = e % p.c;
    int64_t t = e / p.c;
    const int64_t j = t % p.out_w;
    t /= p.out_w;
    const int64_t i = t % p.out_h, r = t / p.out_h;
    const int64_t si = i - p.top, sj = j - p.left;
    return (si >= 0 && si < p.h && sj >= 0 && sj < p.w) ? in[r * p.c * p.h * p.w + (si * p.w + sj) * p.c + ch] : fill;
}

}  // namespace lf::net

struct lf_net {
    int32_t k = 0;
    int64_t widest = 0;   // the most values a row holds between steps
    int64_t scratch = 0;  // the convolutions' scratch for one row
    std::vector<lf::net::Step> steps;
    mutable std::mutex device_lock;  // the CUDA twin uploads the weights on first use
    mutable bool on_device = false;
    ~lf_net();
};

namespace lf::net {
// The weights of every LINEAR and CONV step to the device (once; LF_ERR_NO_DEVICE without one),
// and back off (net.cu; no-ops in a build without CUDA).
void upload(const lf_net& plan);
void free_device(lf_net& plan) noexcept;
}  // namespace lf::net
