// The CPU convolution layers of conv.cpp for liblf's own callers (the network engine): a layer's
// shape checked once, its weight prepared once, then applied to batches of items.
#pragma once

#include <cstdint>
#include <vector>

#include "latentfield/lf.h"

namespace lf::conv {

// A checked layer shape in int64 (C, H, W in; O, OH, OW out; kernel, stride, padding).
struct Dims {
    int64_t c, h, w, o, kh, kw, sh, sw, ph, pw, oh, ow;
    bool transposed;
    int64_t in_size() const { return c * h * w; }
    int64_t out_size() const { return o * oh * ow; }
};

// The shape checked as lf_conv2d_output_size documents (invalid_argument with the reason).
Dims checked(const lf_conv2d_shape* s);

// The weight in the layout apply() takes: conv2d's as given (O x C*KH*KW); conv_transpose2d's
// (C x O*KH*KW) transposed to O*KH*KW x C.
std::vector<float> kernel_weight(const Dims& d, const float* weight);

// out (rows items of O x OH x OW) = the layer applied to in, with a kernel_weight() weight;
// bias may be null.
void apply(const Dims& d, int64_t rows, const float* in, const float* kernel_weight, const float* bias, float* out);

}  // namespace lf::conv
