// CPU convolution layers (see lf_conv2d_* in lf.h and conv.hpp): channels-last items, conv2d as
// im2col + GEMM, conv_transpose2d as GEMM + col2im, on the GEMM provider (gemm.hpp).
#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "gemm.hpp"
#include "lf_error.hpp"
#include "parallel.hpp"
#include "conv.hpp"

namespace lf::conv {

Dims checked(const lf_conv2d_shape* s) {
    lf::require(s != nullptr, "shape must not be NULL");
    lf::require(s->in_channels >= 1 && s->in_height >= 1 && s->in_width >= 1 && s->out_channels >= 1,
                "in_channels, in_height, in_width and out_channels must be >= 1");
    lf::require(s->kernel_h >= 1 && s->kernel_w >= 1 && s->stride_h >= 1 && s->stride_w >= 1, "kernel and stride must be >= 1");
    lf::require(s->pad_h >= 0 && s->pad_w >= 0, "padding must be >= 0");
    lf::require(s->transposed == 0 || s->transposed == 1, "transposed must be 0 (conv2d) or 1 (conv_transpose2d)");
    if (s->transposed) {
        lf::require(s->output_pad_h >= 0 && s->output_pad_w >= 0 && s->output_pad_h < s->stride_h && s->output_pad_w < s->stride_w,
                    "output padding must be >= 0 and smaller than the stride");
    } else {
        lf::require(s->output_pad_h == 0 && s->output_pad_w == 0, "output padding is for conv_transpose2d only");
    }
    Dims d{s->in_channels, s->in_height, s->in_width, s->out_channels, s->kernel_h, s->kernel_w, s->stride_h, s->stride_w,
           s->pad_h,       s->pad_w,     0,           0,               s->transposed == 1};
    if (d.transposed) {
        d.oh = (d.h - 1) * d.sh - 2 * d.ph + d.kh + s->output_pad_h;
        d.ow = (d.w - 1) * d.sw - 2 * d.pw + d.kw + s->output_pad_w;
    } else {
        d.oh = d.h + 2 * d.ph >= d.kh ? (d.h + 2 * d.ph - d.kh) / d.sh + 1 : 0;
        d.ow = d.w + 2 * d.pw >= d.kw ? (d.w + 2 * d.pw - d.kw) / d.sw + 1 : 0;
    }
    lf::require(d.oh >= 1 && d.ow >= 1, "the layer's output would be empty (the kernel is larger than the padded input)");
    const int64_t limit = std::numeric_limits<int32_t>::max();
    lf::require(d.in_size() <= limit && d.out_size() <= limit && d.c * d.kh * d.kw * std::max(d.oh * d.ow, d.h * d.w) <= limit &&
                    d.o * d.kh * d.kw * d.h * d.w <= limit,
                "one item of the layer (or its patch matrix) exceeds 2^31 - 1 values");
    return d;
}

namespace {

// patches (OH*OW x KH*KW*C) of one channels-last item: row (i, j) holds the input window of
// output pixel (i, j), C values per kernel tap, 0 outside the input. A window row inside the
// input is KW*C contiguous values, copied in one run.
void im2col_hwc(const Dims& d, const float* x, float* patches) {
    const int64_t c = d.c, run = d.kw * c;
    for (int64_t i = 0; i < d.oh; ++i) {
        for (int64_t j = 0; j < d.ow; ++j) {
            const int64_t x0 = j * d.sw - d.pw;
            const bool columns_in = x0 >= 0 && x0 + d.kw <= d.w;
            for (int64_t u = 0; u < d.kh; ++u, patches += run) {
                const int64_t y = i * d.sh - d.ph + u;
                if (y < 0 || y >= d.h) {
                    std::fill(patches, patches + run, 0.0f);
                } else if (columns_in) {
                    const float* src = x + (y * d.w + x0) * c;
                    for (int64_t q = 0; q < run; ++q) patches[q] = src[q];
                } else {
                    for (int64_t v = 0; v < d.kw; ++v) {
                        const int64_t xx = x0 + v;
                        float* dst = patches + v * c;
                        if (xx >= 0 && xx < d.w) {
                            const float* src = x + (y * d.w + xx) * c;
                            for (int64_t q = 0; q < c; ++q) dst[q] = src[q];
                        } else {
                            std::fill(dst, dst + c, 0.0f);
                        }
                    }
                }
            }
        }
    }
}

// Adds one item's GEMM block (H*W x KH*KW*O) into its zeroed channels-last output (col2im).
void col2im_hwc(const Dims& d, const float* cols, float* out) {
    const int64_t o = d.o;
    std::fill(out, out + d.out_size(), 0.0f);
    for (int64_t i = 0; i < d.h; ++i) {
        for (int64_t j = 0; j < d.w; ++j) {
            for (int64_t u = 0; u < d.kh; ++u) {
                const int64_t y = i * d.sh - d.ph + u;
                const bool row_in = y >= 0 && y < d.oh;
                for (int64_t v = 0; v < d.kw; ++v, cols += o) {
                    const int64_t xx = j * d.sw - d.pw + v;
                    if (!row_in || xx < 0 || xx >= d.ow) continue;
                    float* dst = out + (y * d.ow + xx) * o;
                    for (int64_t q = 0; q < o; ++q) dst[q] += cols[q];
                }
            }
        }
    }
}

}  // namespace

Layer prepare(const Dims& d, const float* weight, const float* bias) {
    Layer l;
    l.d = d;
    l.weight.resize(static_cast<size_t>(d.c * d.o * d.kh * d.kw));
    const int64_t taps = d.kh * d.kw;
    for (int64_t c = 0; c < d.c; ++c)
        for (int64_t o = 0; o < d.o; ++o)
            for (int64_t t = 0; t < taps; ++t) {
                if (d.transposed) l.weight[static_cast<size_t>((t * d.o + o) * d.c + c)] = weight[(c * d.o + o) * taps + t];
                else l.weight[static_cast<size_t>((o * taps + t) * d.c + c)] = weight[(o * d.c + c) * taps + t];
            }
    if (bias != nullptr) l.bias.assign(bias, bias + d.o);
    return l;
}

int64_t scratch_size(const Dims& d, int64_t rows) {
    if (d.transposed) return rows * d.h * d.w * d.kh * d.kw * d.o;
    return pointwise(d) ? 0 : rows * d.oh * d.ow * d.kh * d.kw * d.c;
}

void apply_hwc(const Layer& l, int64_t rows, const float* in, float* out, bool with_bias, float* scratch) {
    const Dims& d = l.d;
    if (rows == 0) return;
    const int64_t taps = d.kh * d.kw;
    if (d.transposed) {
        lf::gemm_nt_serial(rows * d.h * d.w, taps * d.o, d.c, in, d.c, l.weight.data(), d.c, scratch, taps * d.o);
        const int64_t per_item = d.h * d.w * taps * d.o;
        for (int64_t r = 0; r < rows; ++r) col2im_hwc(d, scratch + r * per_item, out + r * d.out_size());
    } else {
        const float* patches = in;
        if (!pointwise(d)) {
            const int64_t per_item = d.oh * d.ow * taps * d.c;
            for (int64_t r = 0; r < rows; ++r) im2col_hwc(d, in + r * d.in_size(), scratch + r * per_item);
            patches = scratch;
        }
        lf::gemm_nt_serial(rows * d.oh * d.ow, d.o, taps * d.c, patches, taps * d.c, l.weight.data(), taps * d.c, out, d.o);
    }
    if (with_bias && !l.bias.empty()) {
        const float* b = l.bias.data();
        const int64_t pixels = rows * d.oh * d.ow;
        for (int64_t q = 0; q < pixels; ++q, out += d.o)
            for (int64_t o = 0; o < d.o; ++o) out[o] += b[o];
    }
}

void to_hwc(int64_t c, int64_t plane, int64_t rows, const float* in, float* out) {
    for (int64_t r = 0; r < rows; ++r, in += c * plane, out += c * plane)
        for (int64_t ch = 0; ch < c; ++ch)
            for (int64_t q = 0; q < plane; ++q) out[q * c + ch] = in[ch * plane + q];
}

void to_chw(int64_t c, int64_t plane, int64_t rows, const float* in, float* out) {
    for (int64_t r = 0; r < rows; ++r, in += c * plane, out += c * plane)
        for (int64_t q = 0; q < plane; ++q)
            for (int64_t ch = 0; ch < c; ++ch) out[ch * plane + q] = in[q * c + ch];
}

}  // namespace lf::conv

extern "C" {

lf_status lf_conv2d_output_size(const lf_conv2d_shape* shape, int32_t* out_height, int32_t* out_width) {
    return lf::guard("lf_conv2d_output_size", [&] {
        lf::require(out_height != nullptr && out_width != nullptr, "out_height and out_width must not be NULL");
        const lf::conv::Dims d = lf::conv::checked(shape);
        *out_height = static_cast<int32_t>(d.oh);
        *out_width = static_cast<int32_t>(d.ow);
    });
}

lf_status lf_conv2d_apply_cpu(const lf_conv2d_shape* shape, int64_t rows, const float* in, const float* weight, const float* bias,
                              float* out) {
    return lf::guard("lf_conv2d_apply_cpu", [&] {
        const lf::conv::Dims d = lf::conv::checked(shape);
        lf::require(rows >= 0, "rows must be >= 0");
        lf::require(rows == 0 || (in && weight && out), "in, weight and out must not be NULL");
        if (rows == 0) return;
        const lf::conv::Layer layer = lf::conv::prepare(d, weight, bias);
        // items in chunks of about 2^18 floats of scratch, each turned channels last, convolved and turned back
        const int64_t per_item = std::max({d.in_size(), d.out_size(), lf::conv::scratch_size(d, 1)});
        const int64_t chunk = std::max<int64_t>(1, (int64_t{1} << 18) / per_item);
        lf::parallel_for(rows, chunk, [&](int64_t r0, int64_t r1) {
            const int64_t m = r1 - r0;
            std::vector<float> x(static_cast<size_t>(m * d.in_size())), y(static_cast<size_t>(m * d.out_size())),
                scratch(static_cast<size_t>(lf::conv::scratch_size(d, m)));
            lf::conv::to_hwc(d.c, d.h * d.w, m, in + r0 * d.in_size(), x.data());
            lf::conv::apply_hwc(layer, m, x.data(), y.data(), true, scratch.data());
            lf::conv::to_chw(d.o, d.oh * d.ow, m, y.data(), out + r0 * d.out_size());
        });
    });
}

}  // extern "C"
