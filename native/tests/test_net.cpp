// The network engine (lf_net_*) against a double-precision chain of the same layers: a scaled
// down copy of the shipped fmnist-conv architecture (pad 28 -> 32, four stride-2 convolutions,
// linear to k; linear back, four stride-2 transposed convolutions, sigmoid, crop) and a chain
// with the other ops (SiLU, LeakyReLU, a stride-1 transposed convolution, layers without bias);
// Jacobians against central differences of the double chain; the fixed-point loop against one
// point at a time; refusals that name the layer; f and J against PyTorch's own on a stored
// fixture (fixtures/make_fmnist_conv_fixture.py); the CUDA kernels' element maths on the host,
// and the CUDA twin against the CPU where a GPU is present.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "../src/cpu/net_plan.hpp"  // the CUDA twin's per-element maths, run here on the host
#include "../bench/lfnet_file.hpp"
#include "conv_reference.hpp"
#include "test_util.hpp"

using lftest::gaussian;

namespace {

struct Chain {
    std::vector<lf_net_layer> layers;
    std::vector<std::vector<float>> store;  // weights and biases the layers point into
    const float* keep(std::vector<float> v) {
        store.push_back(std::move(v));
        return store.back().data();
    }
};

lf_net_layer linear(Chain& c, int32_t in, int32_t out, bool bias, uint64_t seed) {
    lf_net_layer l{};
    l.op = LF_NET_LINEAR;
    l.in = in;
    l.out = out;
    l.weight = c.keep(gaussian(seed, size_t(in) * out, float(1.5 / std::sqrt(double(in)))));
    l.bias = bias ? c.keep(gaussian(seed + 1, size_t(out), 0.1f)) : nullptr;
    return l;
}

lf_net_layer conv(Chain& c, lf_conv2d_shape s, bool bias, uint64_t seed) {
    lf_net_layer l{};
    l.op = LF_NET_CONV2D;
    l.conv = s;
    l.weight = c.keep(gaussian(seed, size_t(s.in_channels) * s.out_channels * s.kernel_h * s.kernel_w,
                               float(1.5 / std::sqrt(double(s.in_channels * s.kernel_h * s.kernel_w)))));
    l.bias = bias ? c.keep(gaussian(seed + 1, size_t(s.out_channels), 0.1f)) : nullptr;
    return l;
}

lf_net_layer act(int32_t size, int32_t code, float alpha = 0.0f) {
    lf_net_layer l{};
    l.op = LF_NET_ACTIVATION;
    l.in = size;
    l.activation = code;
    l.alpha = alpha;
    return l;
}

lf_net_layer pad(int32_t c, int32_t h, int32_t w, int32_t amount, float value) {
    lf_net_layer l{};
    l.op = LF_NET_PAD;
    l.conv.in_channels = c;
    l.conv.in_height = h;
    l.conv.in_width = w;
    l.pad_top = l.pad_bottom = l.pad_left = l.pad_right = amount;
    l.pad_value = value;
    return l;
}

// fmnist-conv with width d and latent k: decode then encode (f = E(D(z))), 1 x 28 x 28 images
Chain fmnist_conv(int32_t d, int32_t k) {
    Chain c;
    const int32_t ch[5] = {1, d, 2 * d, 4 * d, 8 * d};
    c.layers.push_back(linear(c, k, 8 * d * 4, true, 100));
    c.layers.push_back(act(8 * d * 4, LF_ACT_RELU));
    int32_t side = 2;
    for (int i = 0; i < 4; ++i) {
        c.layers.push_back(conv(c, {ch[4 - i], side, side, ch[3 - i], 3, 3, 2, 2, 1, 1, 1, 1, 1}, true, 110 + 2 * uint64_t(i)));
        side *= 2;
        c.layers.push_back(act(ch[3 - i] * side * side, i < 3 ? LF_ACT_RELU : LF_ACT_SIGMOID));
    }
    c.layers.push_back(pad(1, 32, 32, -2, 0.0f));  // h[:, :, 2:30, 2:30]
    c.layers.push_back(pad(1, 28, 28, 2, 0.0f));   // torch.constant_pad_nd(x, [2, 2, 2, 2], 0.0)
    side = 32;
    for (int i = 0; i < 4; ++i) {
        c.layers.push_back(conv(c, {ch[i], side, side, ch[i + 1], 3, 3, 2, 2, 1, 1, 0, 0, 0}, true, 130 + 2 * uint64_t(i)));
        side /= 2;
        c.layers.push_back(act(ch[i + 1] * side * side, LF_ACT_RELU));
    }
    c.layers.push_back(linear(c, 8 * d * 4, k, true, 150));
    return c;
}

// SiLU, LeakyReLU, a stride-1 transposed convolution, a kernel-2 convolution, layers without bias,
// a border of 0.5
Chain other_ops(int32_t k) {
    Chain c;
    c.layers.push_back(linear(c, k, 4 * 3 * 3, true, 200));
    c.layers.push_back(act(36, LF_ACT_SILU));
    c.layers.push_back(conv(c, {4, 3, 3, 3, 3, 3, 1, 1, 1, 1, 0, 0, 1}, false, 202));
    c.layers.push_back(act(27, LF_ACT_LEAKY_RELU, 0.1f));
    c.layers.push_back(pad(3, 3, 3, 1, 0.5f));
    c.layers.push_back(conv(c, {3, 5, 5, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0}, true, 204));
    c.layers.push_back(act(8, LF_ACT_GELU));
    c.layers.push_back(linear(c, 8, k, false, 206));
    c.layers.push_back(act(k, LF_ACT_TANH));
    return c;
}

// A spatial latent (4 x 3 x 3, k = 36: more tangents than one Jacobian task takes): decode
// starts with a transposed convolution, encode ends with a convolution, a reshape between
// images of different shapes (4 x 6 x 6 read as 16 x 3 x 3), and a 1 x 1 convolution.
Chain spatial_latent() {
    Chain c;
    c.layers.push_back(conv(c, {4, 3, 3, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1}, true, 300));  // 4 x 6 x 6
    c.layers.push_back(act(144, LF_ACT_SILU));
    c.layers.push_back(conv(c, {16, 3, 3, 8, 1, 1, 1, 1, 0, 0, 0, 0, 0}, true, 302));  // 8 x 3 x 3
    c.layers.push_back(act(72, LF_ACT_TANH));
    c.layers.push_back(pad(8, 3, 3, 1, -0.25f));                                        // 8 x 5 x 5
    c.layers.push_back(conv(c, {8, 5, 5, 4, 3, 3, 1, 1, 0, 0, 0, 0, 0}, true, 304));   // 4 x 3 x 3
    return c;
}

double act_ref(int32_t code, double alpha, double x) {
    switch (code) {
        case LF_ACT_RELU: return x > 0 ? x : 0;
        case LF_ACT_TANH: return std::tanh(x);
        case LF_ACT_SIGMOID: return 1 / (1 + std::exp(-x));
        case LF_ACT_GELU: return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
        case LF_ACT_LEAKY_RELU: return x > 0 ? x : alpha * x;
        case LF_ACT_SILU: return x / (1 + std::exp(-x));
        default: return x;
    }
}

// f of one point in double, layer by layer from the definitions
std::vector<double> chain_ref(const Chain& c, std::vector<double> h) {
    for (const auto& l : c.layers) {
        if (l.op == LF_NET_LINEAR) {
            std::vector<double> y(size_t(l.out));
            for (int32_t o = 0; o < l.out; ++o) {
                double acc = l.bias ? l.bias[o] : 0.0;
                for (int32_t i = 0; i < l.in; ++i) acc += double(l.weight[size_t(o) * l.in + i]) * h[size_t(i)];
                y[size_t(o)] = acc;
            }
            h = y;
        } else if (l.op == LF_NET_CONV2D) {
            int32_t oh = 0, ow = 0;
            lf_conv2d_output_size(&l.conv, &oh, &ow);
            const size_t nw = size_t(l.conv.in_channels) * l.conv.out_channels * l.conv.kernel_h * l.conv.kernel_w;
            h = lftest::conv_reference(l.conv, 1, h, std::vector<float>(l.weight, l.weight + nw), l.bias, oh, ow);
        } else if (l.op == LF_NET_ACTIVATION) {
            for (auto& v : h) v = act_ref(l.activation, l.alpha, v);
        } else {
            const int32_t C = l.conv.in_channels, H = l.conv.in_height, W = l.conv.in_width;
            const int32_t oh = H + l.pad_top + l.pad_bottom, ow = W + l.pad_left + l.pad_right;
            std::vector<double> y(size_t(C) * oh * ow, l.pad_value);
            for (int32_t ch = 0; ch < C; ++ch)
                for (int32_t i = 0; i < oh; ++i)
                    for (int32_t j = 0; j < ow; ++j) {
                        const int32_t si = i - l.pad_top, sj = j - l.pad_left;
                        if (si >= 0 && si < H && sj >= 0 && sj < W) y[(size_t(ch) * oh + i) * ow + j] = h[(size_t(ch) * H + si) * W + sj];
                    }
            h = y;
        }
    }
    return h;
}

void check_chain(const char* what, const Chain& c, int32_t k, uint64_t seed) {
    lf_net* net = nullptr;
    LF_OK_OR_FAIL(lf_net_create(c.layers.data(), int32_t(c.layers.size()), &net));
    if (net == nullptr) return;
    int32_t kk = 0;
    LF_OK_OR_FAIL(lf_net_latent_dim(net, &kk));
    LF_CHECK(kk == k, "%s: latent dim %d, expected %d", what, kk, k);
    const int64_t rows = 6;
    auto z = gaussian(seed, size_t(rows * k));
    std::vector<float> fz(size_t(rows * k)), jac(size_t(rows * k * k));
    LF_OK_OR_FAIL(lf_net_apply_cpu(net, rows, z.data(), fz.data()));
    LF_OK_OR_FAIL(lf_net_jacobians_cpu(net, rows, z.data(), jac.data()));
    double worst_f = 0, worst_j = 0, scale_f = 1, scale_j = 1;
    for (int64_t p = 0; p < rows; ++p) {
        std::vector<double> zp(z.begin() + p * k, z.begin() + (p + 1) * k);
        const auto ref = chain_ref(c, zp);
        for (int32_t i = 0; i < k; ++i) {
            worst_f = std::max(worst_f, std::fabs(fz[size_t(p * k + i)] - ref[size_t(i)]));
            scale_f = std::max(scale_f, 1 + std::fabs(ref[size_t(i)]));
        }
        const double eps = 1e-5;
        for (int32_t j = 0; j < k; ++j) {
            auto up = zp, down = zp;
            up[size_t(j)] += eps;
            down[size_t(j)] -= eps;
            const auto fu = chain_ref(c, up), fd = chain_ref(c, down);
            for (int32_t i = 0; i < k; ++i) {
                const double fdj = (fu[size_t(i)] - fd[size_t(i)]) / (2 * eps);
                worst_j = std::max(worst_j, std::fabs(jac[size_t((p * k + i) * k + j)] - fdj));
                scale_j = std::max(scale_j, 1 + std::fabs(fdj));
            }
        }
    }
    LF_CHECK(worst_f <= 1e-4 * scale_f, "%s: f differs from the double chain by %.3g (scale %.3g)", what, worst_f, scale_f);
    LF_CHECK(worst_j <= 1e-3 * scale_j, "%s: J differs from central differences by %.3g (scale %.3g)", what, worst_j, scale_j);
    std::printf("%-40s k = %d: f max diff %.2g, J max diff %.2g (scale %.3g)\n", what, k, worst_f, worst_j, scale_j);

    // the loop against one point at a time, 20 starts through a batch of 7 (refills)
    const int64_t n = 20;
    auto z0 = gaussian(seed + 9, size_t(n * k));
    const lf_stop_rule rule{1e-8, 60, 1e6};
    std::vector<float> end(static_cast<size_t>(n * k)), step(static_cast<size_t>(n));
    std::vector<int32_t> its(static_cast<size_t>(n));
    std::vector<int8_t> st(static_cast<size_t>(n));
    LF_OK_OR_FAIL(lf_net_fixed_points_cpu(net, n, z0.data(), &rule, 7, end.data(), its.data(), step.data(), st.data(), nullptr, 0, 0));
    int64_t mismatched = 0, converged = 0;
    for (int64_t g = 0; g < n; ++g) {
        std::vector<float> cur(z0.begin() + g * k, z0.begin() + (g + 1) * k), nxt(static_cast<size_t>(k));
        int32_t it = 0;
        int8_t state = LF_POINT_ACTIVE;
        while (state == LF_POINT_ACTIVE) {
            lf_net_apply_cpu(net, 1, cur.data(), nxt.data());
            ++it;
            double s = 0, norm = 0;
            for (int32_t i = 0; i < k; ++i) s += double(nxt[size_t(i)] - cur[size_t(i)]) * (nxt[size_t(i)] - cur[size_t(i)]), norm += double(nxt[size_t(i)]) * nxt[size_t(i)];
            cur = nxt;
            if (!std::isfinite(s) || !(norm <= rule.divergence_bound * rule.divergence_bound)) state = LF_POINT_DIVERGED;
            else if (s < rule.tol) state = LF_POINT_CONVERGED;
            else if (it >= rule.max_iter) state = LF_POINT_CAPPED;
        }
        converged += st[size_t(g)] == LF_POINT_CONVERGED;
        bool same = its[size_t(g)] == it && st[size_t(g)] == state;
        for (int32_t i = 0; i < k && same && state != LF_POINT_DIVERGED; ++i) same = end[size_t(g * k + i)] == cur[size_t(i)];
        mismatched += !same;
    }
    LF_CHECK(mismatched == 0, "%s: %lld of %lld points differ from the one-at-a-time loop", what, (long long)mismatched, (long long)n);
    std::printf("%-40s fixed points: %lld of %lld converged, all as one at a time\n", what, (long long)converged, (long long)n);
    lf_net_destroy(net);
}

// The per-element functions the CUDA twin's kernels run (net_plan.hpp), evaluated on the host:
// conv2d as im2col_element + a GEMM, conv_transpose2d as a GEMM + col2im_element, on
// channels-last items, against lf_conv2d_apply_cpu; pad_element against a direct pad.
void device_maths_on_the_host() {
    const lf_conv2d_shape shapes[] = {{3, 7, 6, 4, 3, 3, 2, 2, 1, 1, 0, 0, 0}, {4, 3, 4, 2, 3, 2, 2, 3, 1, 0, 1, 2, 1},
                                      {2, 5, 5, 3, 2, 2, 1, 1, 0, 0, 0, 0, 1}};
    const int64_t rows = 3;
    double worst = 0;
    for (const auto& sh : shapes) {
        int32_t oh = 0, ow = 0;
        LF_OK_OR_FAIL(lf_conv2d_output_size(&sh, &oh, &ow));
        const lf::conv::Dims d{sh.in_channels, sh.in_height, sh.in_width, sh.out_channels, sh.kernel_h, sh.kernel_w, sh.stride_h,
                               sh.stride_w,    sh.pad_h,     sh.pad_w,    oh,              ow,          sh.transposed == 1};
        const int64_t taps = d.kh * d.kw;
        auto x = gaussian(500, size_t(rows * d.in_size()));
        auto w = gaussian(501, size_t(d.c * d.o * taps));
        auto b = gaussian(502, size_t(d.o));
        std::vector<float> want(size_t(rows * d.out_size()));
        LF_OK_OR_FAIL(lf_conv2d_apply_cpu(&sh, rows, x.data(), w.data(), b.data(), want.data()));
        std::vector<float> xh(x.size()), got(want.size());
        for (int64_t r = 0; r < rows; ++r)  // items channels last
            for (int64_t c = 0; c < d.c; ++c)
                for (int64_t q = 0; q < d.h * d.w; ++q) xh[size_t(r * d.in_size() + q * d.c + c)] = x[size_t(r * d.in_size() + c * d.h * d.w + q)];
        std::vector<float> outh(want.size());
        if (!d.transposed) {
            const int64_t kkc = taps * d.c, npatch = rows * d.oh * d.ow * kkc;
            std::vector<float> patches(static_cast<size_t>(npatch));
            for (int64_t e = 0; e < npatch; ++e) patches[size_t(e)] = lf::net::im2col_element(d, xh.data(), e);
            for (int64_t pix = 0; pix < rows * d.oh * d.ow; ++pix)
                for (int64_t o = 0; o < d.o; ++o) {
                    double acc = b[size_t(o)];
                    for (int64_t t = 0; t < taps; ++t)
                        for (int64_t c = 0; c < d.c; ++c)
                            acc += double(patches[size_t(pix * kkc + t * d.c + c)]) * w[size_t((o * d.c + c) * taps + t)];
                    outh[size_t(pix * d.o + o)] = float(acc);
                }
        } else {
            const int64_t kko = taps * d.o, pixels = rows * d.h * d.w;
            std::vector<float> cols(static_cast<size_t>(pixels * kko));
            for (int64_t pix = 0; pix < pixels; ++pix)
                for (int64_t t = 0; t < taps; ++t)
                    for (int64_t o = 0; o < d.o; ++o) {
                        double acc = 0;
                        for (int64_t c = 0; c < d.c; ++c) acc += double(xh[size_t(pix * d.c + c)]) * w[size_t((c * d.o + o) * taps + t)];
                        cols[size_t(pix * kko + t * d.o + o)] = float(acc);
                    }
            for (int64_t e = 0; e < rows * d.out_size(); ++e) outh[size_t(e)] = lf::net::col2im_element(d, cols.data(), b.data(), e);
        }
        for (int64_t r = 0; r < rows; ++r)  // back to C order
            for (int64_t o = 0; o < d.o; ++o)
                for (int64_t q = 0; q < d.oh * d.ow; ++q)
                    got[size_t(r * d.out_size() + o * d.oh * d.ow + q)] = outh[size_t(r * d.out_size() + q * d.o + o)];
        for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, double(std::fabs(got[i] - want[i])));
    }
    LF_CHECK(worst <= 1e-4, "the device kernels' element maths differs from lf_conv2d_apply_cpu by %.3g", worst);
    // pad_element: 2 channels, 3 x 4 -> crop one row at the top, pad 2 columns left, value 0.5
    const lf::net::PadDims p{2, 3, 4, -1, 2, 2, 6};
    auto x = gaussian(510, size_t(2 * 2 * 3 * 4));
    int64_t wrong = 0;
    for (int64_t e = 0; e < 2 * p.out_h * p.out_w * p.c; ++e) {
        const int64_t ch = e % p.c, j = (e / p.c) % p.out_w, i = (e / (p.c * p.out_w)) % p.out_h, r = e / (p.c * p.out_w * p.out_h);
        const int64_t si = i + 1, sj = j - 2;
        const float expected = (si < p.h && sj >= 0 && sj < p.w) ? x[size_t(r * 24 + (si * p.w + sj) * p.c + ch)] : 0.5f;
        wrong += lf::net::pad_element(p, x.data(), e, 0.5f) != expected;
    }
    LF_CHECK(wrong == 0, "pad_element is wrong at %lld elements", (long long)wrong);
    std::printf("device element maths (im2col, col2im gather, pad) on the host: max diff %.2g against lf_conv2d_apply_cpu\n", worst);
}

// lf_net_*_cuda against the CPU: f, Jacobians and the fixed-point loop (a batch of 7 through 20
// starts: refills and compaction), on the fmnist-conv chain and the spatial latent.
void cuda_parity(const char* what, const Chain& c, int32_t k, uint64_t seed) {
    if (!lftest::cuda_available()) {
        lftest::report_skip("network engine apply, Jacobians and fixed points, CUDA vs CPU");
        return;
    }
    lf_net* net = nullptr;
    LF_OK_OR_FAIL(lf_net_create(c.layers.data(), int32_t(c.layers.size()), &net));
    const int64_t rows = 40, n = 20;
    auto z = gaussian(seed, size_t(rows * k));
    std::vector<float> f(z.size()), jac(size_t(rows * k * k));
    LF_OK_OR_FAIL(lf_net_apply_cpu(net, rows, z.data(), f.data()));
    LF_OK_OR_FAIL(lf_net_jacobians_cpu(net, rows, z.data(), jac.data()));
    lftest::Device<float> dz(z), df(f.size()), djac(jac.size());
    LF_OK_OR_FAIL(lf_net_apply_cuda(net, rows, dz.get(), df.get(), nullptr));
    LF_OK_OR_FAIL(lf_net_jacobians_cuda(net, rows, dz.get(), djac.get(), nullptr));
    double fd = 0, jd = 0, fs = 1, js = 1;
    auto gf = df.to_host();
    auto gj = djac.to_host();
    for (size_t i = 0; i < f.size(); ++i) fd = std::max(fd, double(std::fabs(gf[i] - f[i]))), fs = std::max(fs, 1 + double(std::fabs(f[i])));
    for (size_t i = 0; i < jac.size(); ++i) jd = std::max(jd, double(std::fabs(gj[i] - jac[i]))), js = std::max(js, 1 + double(std::fabs(jac[i])));
    LF_CHECK(fd <= 1e-5 * fs, "%s: f differs between CUDA and CPU by %.3g", what, fd);
    LF_CHECK(jd <= 1e-4 * js, "%s: Jacobians differ between CUDA and CPU by %.3g", what, jd);
    const lf_stop_rule rule{1e-8, 60, 1e6};
    std::vector<float> end(static_cast<size_t>(n * k)), step(static_cast<size_t>(n));
    std::vector<int32_t> its(static_cast<size_t>(n));
    std::vector<int8_t> st(static_cast<size_t>(n));
    LF_OK_OR_FAIL(lf_net_fixed_points_cpu(net, n, z.data(), &rule, 7, end.data(), its.data(), step.data(), st.data(), nullptr, 0, 0));
    lftest::Device<float> dend(end.size()), dstep(step.size());
    lftest::Device<int32_t> dits(its.size());
    lftest::Device<int8_t> dst(st.size());
    LF_OK_OR_FAIL(lf_net_fixed_points_cuda(net, n, dz.get(), &rule, 7, dend.get(), dits.get(), dstep.get(), dst.get(), nullptr, 0, 0, nullptr));
    auto gits = dits.to_host();
    auto gst = dst.to_host();
    auto gend = dend.to_host();
    int64_t same_state = 0, close_counts = 0;
    double ed = 0;
    for (int64_t g = 0; g < n; ++g) {
        same_state += gst[size_t(g)] == st[size_t(g)];
        close_counts += std::abs(gits[size_t(g)] - its[size_t(g)]) <= 1;
        if (gits[size_t(g)] == its[size_t(g)] && st[size_t(g)] != LF_POINT_DIVERGED)
            for (int32_t i = 0; i < k; ++i) ed = std::max(ed, double(std::fabs(gend[size_t(g * k + i)] - end[size_t(g * k + i)])));
    }
    LF_CHECK(same_state == n && close_counts == n, "%s: CUDA loop: %lld of %lld states agree, %lld counts within one step", what,
             (long long)same_state, (long long)n, (long long)close_counts);
    LF_CHECK(ed <= 1e-4 * fs, "%s: CUDA endpoints differ by %.3g where the counts agree", what, ed);
    std::printf("CUDA parity checked: network engine %s: f %.2g, J %.2g, loop endpoints %.2g\n", what, fd, jd, ed);
    lf_net_destroy(net);
}

std::vector<float> read_f32(const std::string& path, size_t count) {
    std::vector<float> v(count);
    std::ifstream in(path, std::ios::binary);
    in.read(reinterpret_cast<char*>(v.data()), std::streamsize(count * sizeof(float)));
    LF_CHECK(bool(in), "cannot read %zu floats from %s", count, path.c_str());
    return v;
}

// The engine against PyTorch itself: fixtures/make_fmnist_conv_fixture.py built the fmnist-conv
// architecture at width 4 in PyTorch (nn.Linear, nn.ConvTranspose2d, nn.Conv2d, slicing,
// constant_pad_nd), exported it with benchmarks/gpu/export_net.py, and stored PyTorch's f at 8
// points and its autograd Jacobians at 2.
void pytorch_fixture() {
    const std::string base = std::string(LF_TEST_FIXTURES) + "/fmnist-conv-w4-k5";
    LfnetFile file;
    try {
        file = read_lfnet(base + ".lfnet");
    } catch (const std::exception& e) {
        LF_CHECK(false, "fixture: %s", e.what());
        return;
    }
    lf_net* net = nullptr;
    LF_OK_OR_FAIL(lf_net_create(file.layers.data(), int32_t(file.layers.size()), &net));
    if (net == nullptr) return;
    const int32_t k = 5;
    const auto z = read_f32(base + ".z.f32", 8 * k), want_f = read_f32(base + ".f.f32", 8 * k), want_j = read_f32(base + ".jac.f32", 2 * k * k);
    std::vector<float> f(z.size()), jac(want_j.size());
    LF_OK_OR_FAIL(lf_net_apply_cpu(net, 8, z.data(), f.data()));
    LF_OK_OR_FAIL(lf_net_jacobians_cpu(net, 2, z.data(), jac.data()));
    double fd = 0, fs = 1, jd = 0, js = 1;
    for (size_t i = 0; i < f.size(); ++i) fd = std::max(fd, double(std::fabs(f[i] - want_f[i]))), fs = std::max(fs, 1 + double(std::fabs(want_f[i])));
    for (size_t i = 0; i < jac.size(); ++i) jd = std::max(jd, double(std::fabs(jac[i] - want_j[i]))), js = std::max(js, 1 + double(std::fabs(want_j[i])));
    LF_CHECK(fd <= 1e-5 * fs, "f differs from PyTorch's by %.3g", fd);
    LF_CHECK(jd <= 1e-5 * js, "J differs from PyTorch autograd's by %.3g", jd);
    std::printf("PyTorch fixture (fmnist-conv, width 4): f max diff %.2g, J max diff %.2g\n", fd, jd);
    lf_net_destroy(net);
}

void refusals() {
    Chain c;
    c.layers.push_back(linear(c, 4, 12, true, 300));
    c.layers.push_back(conv(c, {3, 2, 3, 2, 1, 1, 1, 1, 0, 0, 0, 0, 0}, true, 302));  // takes 18 values, gets 12
    c.layers.push_back(linear(c, 12, 4, true, 304));
    lf_net* net = nullptr;
    LF_CHECK(lf_net_create(c.layers.data(), 3, &net) == LF_ERR_INVALID_ARGUMENT, "a chain whose sizes do not match was accepted");
    LF_CHECK(std::strstr(lf_last_error(), "layer 1 takes rows of 18 values but layer 0 gives 12") != nullptr, "message: %s", lf_last_error());
    Chain d;
    d.layers.push_back(linear(d, 4, 5, true, 310));
    LF_CHECK(lf_net_create(d.layers.data(), 1, &net) == LF_ERR_INVALID_ARGUMENT, "a chain that does not return to k accepted");
    LF_CHECK(std::strstr(lf_last_error(), "not the latent dimension k = 4") != nullptr, "message: %s", lf_last_error());
    lf_net_layer bad = act(4, 99);
    LF_CHECK(lf_net_create(&bad, 1, &net) == LF_ERR_INVALID_ARGUMENT, "activation 99 accepted");
    lf_net_layer crop = pad(1, 3, 3, -2, 0.0f);
    LF_CHECK(lf_net_create(&crop, 1, &net) == LF_ERR_INVALID_ARGUMENT, "a crop to nothing accepted");
    LF_OK_OR_FAIL(lf_net_destroy(nullptr));
}

}  // namespace

int main() {
    check_chain("fmnist-conv architecture, d = 4", fmnist_conv(4, 5), 5, 1);
    check_chain("SiLU, LeakyReLU, stride 1, no bias, pad 0.5", other_ops(6), 6, 2);
    check_chain("spatial latent 4 x 3 x 3, reshape, 1 x 1", spatial_latent(), 36, 3);
    refusals();
    pytorch_fixture();
    device_maths_on_the_host();
    cuda_parity("fmnist-conv architecture, d = 4", fmnist_conv(4, 5), 5, 21);
    cuda_parity("spatial latent", spatial_latent(), 36, 22);
    return lftest::finish("network engine matches the double chain, central differences and the one-point loop");
}
