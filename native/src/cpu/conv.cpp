// CPU convolution layers (see lf_conv2d_* in lf.h): conv2d as im2col + GEMM, conv_transpose2d
// as GEMM + col2im, both on the GEMM provider (gemm.hpp), one GEMM per chunk of items; the
// rearrangements run on liblf's workers, one item per task.
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

}  // namespace lf::conv

namespace {

using lf::conv::Dims;

// patches (OH*OW x C*KH*KW): row q = (i, j) holds the input window of output pixel q, 0 outside.
void im2col(const Dims& d, const float* x, float* patches) {
    const int64_t ckk = d.c * d.kh * d.kw;
    for (int64_t i = 0; i < d.oh; ++i) {
        for (int64_t j = 0; j < d.ow; ++j) {
            float* row = patches + (i * d.ow + j) * ckk;
            for (int64_t c = 0; c < d.c; ++c) {
                for (int64_t u = 0; u < d.kh; ++u) {
                    const int64_t y = i * d.sh - d.ph + u;
                    for (int64_t v = 0; v < d.kw; ++v) {
                        const int64_t xx = j * d.sw - d.pw + v;
                        *row++ = (y >= 0 && y < d.h && xx >= 0 && xx < d.w) ? x[(c * d.h + y) * d.w + xx] : 0.0f;
                    }
                }
            }
        }
    }
}

void add_bias(const Dims& d, const float* bias, float* out) {
    if (bias == nullptr) return;
    const int64_t plane = d.oh * d.ow;
    for (int64_t o = 0; o < d.o; ++o)
        for (int64_t q = 0; q < plane; ++q) out[o * plane + q] += bias[o];
}

// Items go through in chunks whose patch (or column) matrix stays near 2^18 floats (1 MiB, so it
// stays in cache between its rearrangement and the GEMM), each chunk as one GEMM over all its
// output pixels on one of liblf's workers (per-item GEMMs are too small to run at speed).
int64_t chunk_items(int64_t per_item) { return std::max<int64_t>(1, (int64_t{1} << 18) / std::max<int64_t>(1, per_item)); }

// conv2d: patches (items*OH*OW x CKK) by im2col; Y (items*OH*OW x O) = patches W^T; each item's
// Y block transposed into out (O x OH*OW), plus the bias.
void conv2d_rows(const Dims& d, int64_t rows, const float* in, const float* weight, const float* bias, float* out) {
    const int64_t ckk = d.c * d.kh * d.kw, plane = d.oh * d.ow;
    const int64_t chunk = std::min(rows, chunk_items(plane * std::max(ckk, d.o)));
    const int64_t chunks = (rows + chunk - 1) / chunk;
    lf::parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
        std::vector<float> patches(static_cast<size_t>(chunk * plane * ckk)), y(static_cast<size_t>(chunk * plane * d.o));
        for (int64_t c = c0; c < c1; ++c) {
            const int64_t r0 = c * chunk, m = std::min(chunk, rows - r0);
            for (int64_t r = 0; r < m; ++r) im2col(d, in + (r0 + r) * d.in_size(), patches.data() + r * plane * ckk);
            lf::gemm_nt_serial(m * plane, d.o, ckk, patches.data(), ckk, weight, ckk, y.data(), d.o);
            for (int64_t r = 0; r < m; ++r) {
                const float* src = y.data() + r * plane * d.o;
                float* dst = out + (r0 + r) * d.out_size();
                for (int64_t q = 0; q < plane; ++q)
                    for (int64_t o = 0; o < d.o; ++o) dst[o * plane + q] = src[q * d.o + o];
                add_bias(d, bias, dst);
            }
        }
    });
}

// Adds one item's columns (H*W x O*KH*KW) into its output window (col2im), over a zeroed out.
void col2im(const Dims& d, const float* cols, float* out) {
    const int64_t okk = d.o * d.kh * d.kw;
    std::fill(out, out + d.out_size(), 0.0f);
    for (int64_t i = 0; i < d.h; ++i) {
        for (int64_t j = 0; j < d.w; ++j) {
            const float* col = cols + (i * d.w + j) * okk;
            for (int64_t o = 0; o < d.o; ++o) {
                for (int64_t u = 0; u < d.kh; ++u) {
                    const int64_t y = i * d.sh - d.ph + u;
                    if (y < 0 || y >= d.oh) continue;
                    float* dst = out + (o * d.oh + y) * d.ow;
                    const float* src = col + (o * d.kh + u) * d.kw;
                    for (int64_t v = 0; v < d.kw; ++v) {
                        const int64_t xx = j * d.sw - d.pw + v;
                        if (xx >= 0 && xx < d.ow) dst[xx] += src[v];
                    }
                }
            }
        }
    }
}

// conv_transpose2d: X^T (items*H*W x C); cols (items*H*W x O*KH*KW) = X^T wt^T with wt (OKK x C);
// each item's columns added into its output window, plus the bias.
void conv_transpose2d_rows(const Dims& d, int64_t rows, const float* in, const float* wt, const float* bias, float* out) {
    const int64_t plane = d.h * d.w, okk = d.o * d.kh * d.kw;
    const int64_t chunk = std::min(rows, chunk_items(plane * std::max(okk, d.c)));
    const int64_t chunks = (rows + chunk - 1) / chunk;
    lf::parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
        std::vector<float> xt(static_cast<size_t>(chunk * plane * d.c)), cols(static_cast<size_t>(chunk * plane * okk));
        for (int64_t c = c0; c < c1; ++c) {
            const int64_t r0 = c * chunk, m = std::min(chunk, rows - r0);
            for (int64_t r = 0; r < m; ++r) {
                const float* x = in + (r0 + r) * d.in_size();
                float* t = xt.data() + r * plane * d.c;
                for (int64_t ch = 0; ch < d.c; ++ch)
                    for (int64_t q = 0; q < plane; ++q) t[q * d.c + ch] = x[ch * plane + q];
            }
            lf::gemm_nt_serial(m * plane, okk, d.c, xt.data(), d.c, wt, d.c, cols.data(), okk);
            for (int64_t r = 0; r < m; ++r) {
                float* dst = out + (r0 + r) * d.out_size();
                col2im(d, cols.data() + r * plane * okk, dst);
                add_bias(d, bias, dst);
            }
        }
    });
}

}  // namespace

namespace lf::conv {

std::vector<float> kernel_weight(const Dims& d, const float* weight) {
    const int64_t n = d.c * d.o * d.kh * d.kw;
    if (!d.transposed) return std::vector<float>(weight, weight + n);
    const int64_t okk = d.o * d.kh * d.kw;
    std::vector<float> wt(static_cast<size_t>(n));
    for (int64_t c = 0; c < d.c; ++c)
        for (int64_t r = 0; r < okk; ++r) wt[static_cast<size_t>(r * d.c + c)] = weight[c * okk + r];
    return wt;
}

void apply(const Dims& d, int64_t rows, const float* in, const float* kernel_weight, const float* bias, float* out) {
    if (rows == 0) return;
    if (d.transposed) conv_transpose2d_rows(d, rows, in, kernel_weight, bias, out);
    else conv2d_rows(d, rows, in, kernel_weight, bias, out);
}

}  // namespace lf::conv

extern "C" {

lf_status lf_conv2d_output_size(const lf_conv2d_shape* shape, int32_t* out_height, int32_t* out_width) {
    return lf::guard("lf_conv2d_output_size", [&] {
        lf::require(out_height != nullptr && out_width != nullptr, "out_height and out_width must not be NULL");
        const Dims d = lf::conv::checked(shape);
        *out_height = static_cast<int32_t>(d.oh);
        *out_width = static_cast<int32_t>(d.ow);
    });
}

lf_status lf_conv2d_apply_cpu(const lf_conv2d_shape* shape, int64_t rows, const float* in, const float* weight, const float* bias,
                              float* out) {
    return lf::guard("lf_conv2d_apply_cpu", [&] {
        const Dims d = lf::conv::checked(shape);
        lf::require(rows >= 0, "rows must be >= 0");
        lf::require(rows == 0 || (in && weight && out), "in, weight and out must not be NULL");
        if (rows == 0) return;
        if (d.transposed) lf::conv::apply(d, rows, in, lf::conv::kernel_weight(d, weight).data(), bias, out);
        else lf::conv::apply(d, rows, in, weight, bias, out);  // conv2d's weight is used as given
    });
}

}  // extern "C"
