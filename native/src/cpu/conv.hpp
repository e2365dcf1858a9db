// The CPU convolution layers of conv.cpp for liblf's own callers (the network engine and
// lf_conv2d_apply_cpu): a layer's shape checked once and its weight rearranged once, then applied
// on the calling thread to items stored channels last (H x W x C, the channels of a pixel
// adjacent), where a convolution is one GEMM whose output is already the next layer's input:
//   conv2d            Y (items*OH*OW x O) = P W^T, P the patches (row (i, j): the input window
//                     of output pixel (i, j), columns (u, v, c)), W (O x KH*KW*C);
//   conv_transpose2d  Z (items*H*W x KH*KW*O) = X Wt^T, X the items themselves, Wt (KH*KW*O x C);
//                     input pixel (i, j) adds Z's block (u, v) to output pixel
//                     (i*stride - pad + u, j*stride - pad + v).
#pragma once

#include <cstdint>
#include <vector>

#include "latentfield/lf.h"
#include "mlp_plan.hpp"  // LF_MLP_HD: Dims is used by the CUDA twin's kernels too

namespace lf::conv {

// A checked layer shape in int64 (C, H, W in; O, OH, OW out; kernel, stride, padding).
struct Dims {
    int64_t c, h, w, o, kh, kw, sh, sw, ph, pw, oh, ow;
    bool transposed;
    LF_MLP_HD int64_t in_size() const { return c * h * w; }
    LF_MLP_HD int64_t out_size() const { return o * oh * ow; }
};

// A 1 x 1 convolution with stride 1 and no padding: its input is its own patch matrix.
inline bool pointwise(const Dims& d) {
    return !d.transposed && d.kh == 1 && d.kw == 1 && d.sh == 1 && d.sw == 1 && d.ph == 0 && d.pw == 0;
}

// The shape checked as lf_conv2d_output_size documents (invalid_argument with the reason).
Dims checked(const lf_conv2d_shape* s);

// A layer ready for channels-last items.
struct Layer {
    Dims d{};
    std::vector<float> weight;  // conv2d: W (O x KH*KW*C); conv_transpose2d: Wt (KH*KW*O x C)
    std::vector<float> bias;    // O values, or empty
};

// The layer from PyTorch's weight (conv2d: O x C x KH x KW; conv_transpose2d: C x O x KH x KW)
// and bias (O values, or null).
Layer prepare(const Dims& d, const float* weight, const float* bias);

// Floats of scratch apply_hwc needs for `rows` items (its patch matrix or block of columns); the
// CUDA twin takes the same GEMM form and sizes its scratch by this too.
int64_t scratch_size(const Dims& d, int64_t rows);

// out (rows items OH x OW x O) = the layer applied to in (rows items H x W x C), bias added when
// with_bias, on the calling thread; scratch holds scratch_size(d, rows) floats.
void apply_hwc(const Layer& l, int64_t rows, const float* in, float* out, bool with_bias, float* scratch);

// rows items C x plane -> plane x C (to_hwc), and back (to_chw).
void to_hwc(int64_t c, int64_t plane, int64_t rows, const float* in, float* out);
void to_chw(int64_t c, int64_t plane, int64_t rows, const float* in, float* out);

}  // namespace lf::conv
