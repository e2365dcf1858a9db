// The MLP plan behind the opaque lf_mlp handle (see lf.h), shared by the CPU engine and its
// CUDA twin, and the activations as host/device functions.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "latentfield/lf.h"

#ifdef __CUDACC__
#define LF_MLP_HD __host__ __device__
#else
#define LF_MLP_HD
#endif

namespace lf::mlp {

struct Layer {
    int32_t in = 0, out = 0, activation = LF_ACT_IDENTITY;
    std::vector<float> weight, bias;  // host copies (bias zero-filled when absent)
    float* d_weight = nullptr;        // device copies for a CUDA plan
    float* d_bias = nullptr;
};

LF_MLP_HD inline float activate(int32_t act, float x) {
    switch (act) {
        case LF_ACT_RELU: return x > 0.0f ? x : 0.0f;
        case LF_ACT_TANH: return tanhf(x);
        case LF_ACT_SIGMOID: return 1.0f / (1.0f + expf(-x));
        case LF_ACT_GELU: return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
        default: return x;
    }
}

// d act / dx at pre-activation x with output y = act(x).
LF_MLP_HD inline float derivative(int32_t act, float x, float y) {
    switch (act) {
        case LF_ACT_RELU: return x > 0.0f ? 1.0f : 0.0f;
        case LF_ACT_TANH: return 1.0f - y * y;
        case LF_ACT_SIGMOID: return y * (1.0f - y);
        case LF_ACT_GELU: return 0.5f * (1.0f + erff(x * 0.70710678118654752f)) + x * 0.39894228040143268f * expf(-0.5f * x * x);
        default: return 1.0f;
    }
}

}  // namespace lf::mlp

struct lf_mlp {
    int32_t device = 0;  // 0 CPU, 1 CUDA
    int32_t k = 0;
    int32_t widest = 0;  // largest layer width, for scratch sizing
    std::vector<lf::mlp::Layer> layers;
};
