// A convolution layer in double, straight from the sums in lf.h (lf_conv2d_shape): the
// reference of test_conv and test_net.
#pragma once

#include <cstdint>
#include <vector>

#include "latentfield/lf.h"

namespace lftest {

template <typename T>
inline std::vector<double> conv_reference(const lf_conv2d_shape& s, int64_t rows, const std::vector<T>& x, const std::vector<float>& w,
                              const float* bias, int32_t oh, int32_t ow) {
    const int64_t C = s.in_channels, H = s.in_height, W = s.in_width, O = s.out_channels, KH = s.kernel_h, KW = s.kernel_w;
    std::vector<double> y(static_cast<size_t>(rows * O * oh * ow), 0.0);
    for (int64_t r = 0; r < rows; ++r) {
        const T* xi = x.data() + r * C * H * W;
        double* yi = y.data() + r * O * oh * ow;
        if (!s.transposed) {
            for (int64_t o = 0; o < O; ++o)
                for (int64_t i = 0; i < oh; ++i)
                    for (int64_t j = 0; j < ow; ++j) {
                        double acc = bias ? bias[o] : 0.0;
                        for (int64_t c = 0; c < C; ++c)
                            for (int64_t u = 0; u < KH; ++u)
                                for (int64_t v = 0; v < KW; ++v) {
                                    const int64_t a = i * s.stride_h - s.pad_h + u, b = j * s.stride_w - s.pad_w + v;
                                    if (a >= 0 && a < H && b >= 0 && b < W)
                                        acc += double(w[size_t(((o * C + c) * KH + u) * KW + v)]) * double(xi[(c * H + a) * W + b]);
                                }
                        yi[(o * oh + i) * ow + j] = acc;
                    }
        } else {
            for (int64_t c = 0; c < C; ++c)
                for (int64_t i = 0; i < H; ++i)
                    for (int64_t j = 0; j < W; ++j)
                        for (int64_t o = 0; o < O; ++o)
                            for (int64_t u = 0; u < KH; ++u)
                                for (int64_t v = 0; v < KW; ++v) {
                                    const int64_t a = i * s.stride_h - s.pad_h + u, b = j * s.stride_w - s.pad_w + v;
                                    if (a >= 0 && a < oh && b >= 0 && b < ow)
                                        yi[(o * oh + a) * ow + b] += double(w[size_t(((c * O + o) * KH + u) * KW + v)]) * double(xi[(c * H + i) * W + j]);
                                }
            if (bias)
                for (int64_t o = 0; o < O; ++o)
                    for (int64_t q = 0; q < int64_t(oh) * ow; ++q) yi[o * oh * ow + q] += bias[o];
        }
    }
    return y;
}

}  // namespace lftest
