// Convolution layers (lf_conv2d_apply_cpu) against direct double-precision loops written from
// PyTorch's definitions, on the shapes of the shipped conv models and on odd ones (stride 1,
// non-square kernels and strides, output padding, no bias); the adjoint identity between
// conv2d and conv_transpose2d; and the refusals.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "conv_reference.hpp"
#include "test_util.hpp"

using lftest::gaussian;

namespace {

void against_reference(const char* what, const lf_conv2d_shape& s, int64_t rows, bool with_bias, uint64_t seed) {
    int32_t oh = 0, ow = 0;
    LF_OK_OR_FAIL(lf_conv2d_output_size(&s, &oh, &ow));
    const int64_t in = int64_t(s.in_channels) * s.in_height * s.in_width, out = int64_t(s.out_channels) * oh * ow;
    auto x = gaussian(seed, size_t(rows * in));
    auto w = gaussian(seed + 1, size_t(s.in_channels) * s.out_channels * s.kernel_h * s.kernel_w,
                      float(1.0 / std::sqrt(double(s.in_channels * s.kernel_h * s.kernel_w))));
    auto b = gaussian(seed + 2, size_t(s.out_channels), 0.1f);
    std::vector<float> y(static_cast<size_t>(rows * out), std::nanf(""));
    LF_OK_OR_FAIL(lf_conv2d_apply_cpu(&s, rows, x.data(), w.data(), with_bias ? b.data() : nullptr, y.data()));
    const auto expected = lftest::conv_reference(s, rows, x, w, with_bias ? b.data() : nullptr, oh, ow);
    double worst = 0, scale = 1;
    for (size_t i = 0; i < y.size(); ++i) {
        const double d = std::fabs(double(y[i]) - expected[i]);
        worst = std::isnan(d) ? INFINITY : std::max(worst, d);
        scale = std::max(scale, 1 + std::fabs(expected[i]));
    }
    LF_CHECK(worst <= 1e-5 * scale, "%s: differs from the direct sum by %.3g (scale %.3g)", what, worst, scale);
    std::printf("%-58s %dx%d -> %dx%dx%d, max diff %.2g\n", what, s.in_height, s.in_width, s.out_channels, oh, ow, worst);
}

// <conv_transpose2d(x), y> = <x, conv2d(y)> for the same weight, stride and padding (no bias).
void adjoint() {
    lf_conv2d_shape fwd{6, 9, 9, 5, 3, 3, 2, 2, 1, 1, 0, 0, 0};  // 6 -> 5 channels, 9x9 -> 5x5
    int32_t oh = 0, ow = 0;
    LF_OK_OR_FAIL(lf_conv2d_output_size(&fwd, &oh, &ow));
    lf_conv2d_shape back{5, oh, ow, 6, 3, 3, 2, 2, 1, 1, 0, 0, 1};  // 5x5 -> 9x9 (output_pad 0)
    int32_t bh = 0, bw = 0;
    LF_OK_OR_FAIL(lf_conv2d_output_size(&back, &bh, &bw));
    LF_CHECK(bh == 9 && bw == 9, "conv_transpose2d of the 5x5 output is %dx%d, not 9x9", bh, bw);
    // conv2d's weight is O x C x K x K = 5 x 6 x 3 x 3; read as conv_transpose2d's (C' = 5) x (O' = 6) x K x K it is the same array
    auto w = gaussian(31, 5 * 6 * 9, 0.2f);
    auto u = gaussian(32, 6 * 81), v = gaussian(33, size_t(5) * oh * ow);
    std::vector<float> cu(static_cast<size_t>(5) * oh * ow), tv(6 * 81);
    LF_OK_OR_FAIL(lf_conv2d_apply_cpu(&fwd, 1, u.data(), w.data(), nullptr, cu.data()));
    LF_OK_OR_FAIL(lf_conv2d_apply_cpu(&back, 1, v.data(), w.data(), nullptr, tv.data()));
    double lhs = 0, rhs = 0, mag = 0;
    for (size_t i = 0; i < cu.size(); ++i) lhs += double(cu[i]) * v[i], mag += std::fabs(double(cu[i]) * v[i]);
    for (size_t i = 0; i < tv.size(); ++i) rhs += double(u[i]) * tv[i];
    LF_CHECK(std::fabs(lhs - rhs) <= 1e-5 * mag, "<conv2d(u), v> = %.9g but <u, conv_transpose2d(v)> = %.9g", lhs, rhs);
    std::printf("adjoint: <conv2d(u), v> = %.7g, <u, conv_transpose2d(v)> = %.7g\n", lhs, rhs);
}

void refusals() {
    int32_t oh = 0, ow = 0;
    lf_conv2d_shape bad_pad{4, 8, 8, 8, 3, 3, 2, 2, 1, 1, 2, 0, 1};
    LF_CHECK(lf_conv2d_output_size(&bad_pad, &oh, &ow) == LF_ERR_INVALID_ARGUMENT, "output padding 2 with stride 2 accepted");
    LF_CHECK(std::strstr(lf_last_error(), "output padding") != nullptr, "message: %s", lf_last_error());
    lf_conv2d_shape conv_out_pad{4, 8, 8, 8, 3, 3, 2, 2, 1, 1, 1, 1, 0};
    LF_CHECK(lf_conv2d_output_size(&conv_out_pad, &oh, &ow) == LF_ERR_INVALID_ARGUMENT, "output padding on a conv2d accepted");
    lf_conv2d_shape empty{1, 2, 2, 1, 5, 5, 1, 1, 0, 0, 0, 0, 0};
    LF_CHECK(lf_conv2d_output_size(&empty, &oh, &ow) == LF_ERR_INVALID_ARGUMENT, "a 5x5 kernel on a 2x2 image accepted");
    LF_CHECK(std::strstr(lf_last_error(), "empty") != nullptr, "message: %s", lf_last_error());
    lf_conv2d_shape ok{1, 4, 4, 1, 3, 3, 1, 1, 1, 1, 0, 0, 0};
    float x[16] = {0}, w[9] = {0}, y[16];
    LF_CHECK(lf_conv2d_apply_cpu(&ok, 1, nullptr, w, nullptr, y) == LF_ERR_INVALID_ARGUMENT, "NULL input accepted");
    LF_CHECK(lf_conv2d_apply_cpu(&ok, -1, x, w, nullptr, y) == LF_ERR_INVALID_ARGUMENT, "negative rows accepted");
    LF_OK_OR_FAIL(lf_conv2d_apply_cpu(&ok, 0, nullptr, nullptr, nullptr, nullptr));
    LF_CHECK(lf_conv2d_apply_cpu(nullptr, 1, x, w, nullptr, y) == LF_ERR_INVALID_ARGUMENT, "NULL shape accepted");
}

}  // namespace

int main() {
    // the shipped fmnist-conv models (d = 32): encoder 3x3 stride 2 pad 1, decoder transposed, output padding 1
    against_reference("conv2d 1 -> 32, 32x32, stride 2 (fmnist-conv, first layer)", {1, 32, 32, 32, 3, 3, 2, 2, 1, 1, 0, 0, 0}, 3, true, 1);
    against_reference("conv2d 64 -> 128, 8x8, stride 2", {64, 8, 8, 128, 3, 3, 2, 2, 1, 1, 0, 0, 0}, 2, true, 2);
    against_reference("conv_transpose2d 256 -> 128, 2x2, stride 2, output pad 1", {256, 2, 2, 128, 3, 3, 2, 2, 1, 1, 1, 1, 1}, 3, true, 3);
    against_reference("conv_transpose2d 32 -> 1, 16x16, stride 2, output pad 1", {32, 16, 16, 1, 3, 3, 2, 2, 1, 1, 1, 1, 1}, 2, true, 4);
    // the kinds oneDNN gets wrong on some CPUs (stride 1, 4 input channels), the spatial-latent model's code layers
    against_reference("conv_transpose2d 4 -> 8, 8x8, stride 1", {4, 8, 8, 8, 3, 3, 1, 1, 1, 1, 0, 0, 1}, 5, true, 5);
    against_reference("conv2d 8 -> 4, 8x8, stride 1, no bias", {8, 8, 8, 4, 3, 3, 1, 1, 1, 1, 0, 0, 0}, 5, false, 6);
    // odd shapes: non-square images, kernels, strides and paddings; no padding; kernel 1
    against_reference("conv2d 3 -> 5, 7x10, kernel 3x2, stride 2x1, pad 0x1", {3, 7, 10, 5, 3, 2, 2, 1, 0, 1, 0, 0, 0}, 4, true, 7);
    against_reference("conv_transpose2d 3 -> 2, 5x4, kernel 2x3, stride 3x2, pad 1x0, out pad 2x1",
                      {3, 5, 4, 2, 2, 3, 3, 2, 1, 0, 2, 1, 1}, 4, false, 8);
    against_reference("conv2d 6 -> 6, 5x5, kernel 1", {6, 5, 5, 6, 1, 1, 1, 1, 0, 0, 0, 0, 0}, 3, true, 9);
    adjoint();
    refusals();
    return lftest::finish("convolution layers match their direct sums");
}
