// CPU network engine (see lf_net_* in lf.h): a chain of linear, convolution, activation and
// padding layers on rows in C order; forward-mode Jacobians; the shared Picard loop.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "conv.hpp"
#include "gemm.hpp"
#include "lf_error.hpp"
#include "mlp_plan.hpp"
#include "parallel.hpp"
#include "picard_loop.hpp"

namespace {

struct NetLayer {
    int32_t op = LF_NET_LINEAR;
    int64_t in_size = 0, out_size = 0;
    int32_t in = 0, out = 0;  // LINEAR
    lf_conv2d_shape conv{};   // CONV2D; PAD: the item shape
    lf::conv::Dims dims{};    // CONV2D, checked once
    std::vector<float> weight, bias;  // CONV2D: the weight in lf::conv::kernel_weight's layout
    bool has_bias = false;
    int32_t activation = LF_ACT_IDENTITY;
    float alpha = 0.0f;
    int32_t top = 0, bottom = 0, left = 0, right = 0;
    float pad_value = 0.0f;
    int64_t out_h = 0, out_w = 0;  // PAD
};

float activate(int32_t act, float alpha, float x) {
    switch (act) {
        case LF_ACT_LEAKY_RELU: return x > 0.0f ? x : alpha * x;
        case LF_ACT_SILU: return x / (1.0f + std::exp(-x));
        default: return lf::mlp::activate(act, x);
    }
}

float derivative(int32_t act, float alpha, float x, float y) {
    switch (act) {
        case LF_ACT_LEAKY_RELU: return x > 0.0f ? 1.0f : alpha;
        case LF_ACT_SILU: {
            const float s = 1.0f / (1.0f + std::exp(-x));
            return s + x * s * (1.0f - s);
        }
        default: return lf::mlp::derivative(act, x, y);
    }
}

}  // namespace

struct lf_net {
    int32_t k = 0;
    int64_t widest = 0;
    std::vector<NetLayer> layers;
};

namespace {

std::string name(int32_t i) { return "layer " + std::to_string(i); }

void need(bool ok, const std::string& why) {
    if (!ok) throw lf::invalid_argument(why);
}

NetLayer make_layer(const lf_net_layer& d, int32_t i) {
    NetLayer l;
    l.op = d.op;
    switch (d.op) {
        case LF_NET_LINEAR: {
            need(d.in >= 1 && d.out >= 1 && d.weight != nullptr, name(i) + " (linear) needs in, out >= 1 and a weight");
            l.in = d.in;
            l.out = d.out;
            l.in_size = d.in;
            l.out_size = d.out;
            l.weight.assign(d.weight, d.weight + int64_t(d.in) * d.out);
            l.has_bias = d.bias != nullptr;
            l.bias = l.has_bias ? std::vector<float>(d.bias, d.bias + d.out) : std::vector<float>(size_t(d.out), 0.0f);
            break;
        }
        case LF_NET_CONV2D: {
            try {
                l.dims = lf::conv::checked(&d.conv);
            } catch (const lf::invalid_argument& e) {
                throw lf::invalid_argument(name(i) + ": " + e.what());
            }
            need(d.weight != nullptr, name(i) + " (convolution) needs a weight");
            l.conv = d.conv;
            l.in_size = l.dims.in_size();
            l.out_size = l.dims.out_size();
            l.weight = lf::conv::kernel_weight(l.dims, d.weight);  // conv_transpose2d's transposed once, not every step
            l.has_bias = d.bias != nullptr;
            if (l.has_bias) l.bias.assign(d.bias, d.bias + d.conv.out_channels);
            break;
        }
        case LF_NET_ACTIVATION: {
            need(d.in >= 1, name(i) + " (activation) needs in >= 1, the row size");
            need(d.activation >= LF_ACT_IDENTITY && d.activation <= LF_ACT_SILU, name(i) + ": unknown activation code");
            need(std::isfinite(d.alpha), name(i) + ": alpha must be finite");
            l.in_size = l.out_size = d.in;
            l.activation = d.activation;
            l.alpha = d.alpha;
            break;
        }
        case LF_NET_PAD: {
            const auto& s = d.conv;
            need(s.in_channels >= 1 && s.in_height >= 1 && s.in_width >= 1, name(i) + " (pad) needs the item shape in conv");
            l.conv = s;
            l.top = d.pad_top;
            l.bottom = d.pad_bottom;
            l.left = d.pad_left;
            l.right = d.pad_right;
            l.pad_value = d.pad_value;
            l.out_h = int64_t(s.in_height) + d.pad_top + d.pad_bottom;
            l.out_w = int64_t(s.in_width) + d.pad_left + d.pad_right;
            need(l.out_h >= 1 && l.out_w >= 1, name(i) + " (pad) crops the item to nothing");
            l.in_size = int64_t(s.in_channels) * s.in_height * s.in_width;
            l.out_size = int64_t(s.in_channels) * l.out_h * l.out_w;
            break;
        }
        default: throw lf::invalid_argument(name(i) + ": unknown op " + std::to_string(d.op));
    }
    return l;
}

// out item = in item padded (or cropped) by the layer's amounts; `fill` for the new border.
void pad_rows(const NetLayer& l, int64_t rows, const float* in, float* out, float fill) {
    const int64_t C = l.conv.in_channels, H = l.conv.in_height, W = l.conv.in_width;
    lf::parallel_for(rows, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, l.out_size)), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
            const float* x = in + r * l.in_size;
            float* y = out + r * l.out_size;
            for (int64_t c = 0; c < C; ++c)
                for (int64_t i = 0; i < l.out_h; ++i) {
                    const int64_t si = i - l.top;
                    for (int64_t j = 0; j < l.out_w; ++j) {
                        const int64_t sj = j - l.left;
                        y[(c * l.out_h + i) * l.out_w + j] = (si >= 0 && si < H && sj >= 0 && sj < W) ? x[(c * H + si) * W + sj] : fill;
                    }
                }
        }
    });
}

// The linear part of a layer (no activation) on `rows` rows; bias added when `with_bias`.
void linear_part(const NetLayer& l, int64_t rows, const float* in, float* out, bool with_bias) {
    if (l.op == LF_NET_LINEAR) {
        lf::gemm_nt(rows, l.out, l.in, in, l.in, l.weight.data(), l.in, out, l.out);
        if (with_bias && l.has_bias)
            lf::parallel_for(rows, std::max<int64_t>(1, 8192 / l.out), [&](int64_t r0, int64_t r1) {
                for (int64_t r = r0; r < r1; ++r)
                    for (int32_t j = 0; j < l.out; ++j) out[r * l.out + j] += l.bias[size_t(j)];
            });
    } else if (l.op == LF_NET_CONV2D) {
        lf::conv::apply(l.dims, rows, in, l.weight.data(), with_bias && l.has_bias ? l.bias.data() : nullptr, out);
    } else if (l.op == LF_NET_PAD) {
        pad_rows(l, rows, in, out, with_bias ? l.pad_value : 0.0f);
    }
}

void require_plan(const lf_net* plan) { lf::require(plan != nullptr, "plan must not be NULL"); }

// f on `rows` rows, ping-ponging between two scratch buffers of rows x widest.
void apply(const lf_net& plan, int64_t rows, const float* in, float* out, std::vector<float>& a, std::vector<float>& b) {
    if (rows == 0) return;
    a.resize(static_cast<size_t>(rows * plan.widest));
    b.resize(static_cast<size_t>(rows * plan.widest));
    std::copy(in, in + rows * plan.k, a.data());
    for (const auto& l : plan.layers) {
        if (l.op == LF_NET_ACTIVATION) {
            float* x = a.data();
            lf::parallel_for(rows * l.in_size, 65536, [&](int64_t i0, int64_t i1) {
                for (int64_t i = i0; i < i1; ++i) x[i] = activate(l.activation, l.alpha, x[i]);
            });
            continue;
        }
        linear_part(l, rows, a.data(), b.data(), true);
        std::swap(a, b);
    }
    std::copy(a.data(), a.data() + rows * plan.k, out);
}

}  // namespace

extern "C" {

lf_status lf_net_create(const lf_net_layer* layers, int32_t n_layers, lf_net** plan) {
    return lf::guard("lf_net_create", [&] {
        need(plan != nullptr, "plan must not be NULL");
        need(layers != nullptr && n_layers >= 1, "at least one layer is needed");
        auto p = std::make_unique<lf_net>();
        for (int32_t i = 0; i < n_layers; ++i) {
            p->layers.push_back(make_layer(layers[i], i));
            if (i > 0) {
                const int64_t before = p->layers[size_t(i - 1)].out_size, here = p->layers[size_t(i)].in_size;
                need(before == here, name(i) + " takes rows of " + std::to_string(here) + " values but " + name(i - 1) +
                                                " gives " + std::to_string(before));
            }
        }
        const int64_t k = p->layers.front().in_size;
        need(p->layers.back().out_size == k, "the last layer gives " + std::to_string(p->layers.back().out_size) +
                                                        " values, not the latent dimension k = " + std::to_string(k) + " the first takes");
        need(k <= 65536, "the latent dimension must be at most 65536");
        p->k = static_cast<int32_t>(k);
        for (const auto& l : p->layers) p->widest = std::max({p->widest, l.in_size, l.out_size});
        *plan = p.release();
    });
}

lf_status lf_net_destroy(lf_net* plan) {
    return lf::guard("lf_net_destroy", [&] { delete plan; });
}

lf_status lf_net_latent_dim(const lf_net* plan, int32_t* k) {
    return lf::guard("lf_net_latent_dim", [&] {
        lf::require(plan != nullptr && k != nullptr, "plan and k must not be NULL");
        *k = plan->k;
    });
}

lf_status lf_net_apply_cpu(const lf_net* plan, int64_t rows, const float* in, float* out) {
    return lf::guard("lf_net_apply_cpu", [&] {
        require_plan(plan);
        lf::require(rows >= 0 && (rows == 0 || (in && out)), "rows >= 0 and in, out not NULL");
        std::vector<float> a, b;
        apply(*plan, rows, in, out, a, b);
    });
}

lf_status lf_net_jacobians_cpu(const lf_net* plan, int64_t rows, const float* z, float* jacobians) {
    return lf::guard("lf_net_jacobians_cpu", [&] {
        require_plan(plan);
        lf::require(rows >= 0 && (rows == 0 || (z && jacobians)), "rows >= 0 and z, jacobians not NULL");
        const int64_t k = plan->k, w = plan->widest;
        // points in chunks whose tangents (chunk * k rows of up to `widest` values) stay near 2^24 floats
        const int64_t chunk = std::max<int64_t>(1, (int64_t{1} << 24) / (k * w));
        std::vector<float> h, hn, t, tn;
        for (int64_t p0 = 0; p0 < rows; p0 += chunk) {
            lf::throw_if_cancelled();
            const int64_t m = std::min(chunk, rows - p0);
            h.assign(z + p0 * k, z + (p0 + m) * k);
            h.resize(static_cast<size_t>(m * w));
            hn.resize(static_cast<size_t>(m * w));
            t.assign(static_cast<size_t>(m * k * w), 0.0f);
            tn.resize(static_cast<size_t>(m * k * w));
            for (int64_t p = 0; p < m; ++p)
                for (int64_t j = 0; j < k; ++j) t[static_cast<size_t>((p * k + j) * k + j)] = 1.0f;  // tangent (p, j) = e_j
            for (const auto& l : plan->layers) {
                if (l.op == LF_NET_ACTIVATION) {
                    const int64_t n = l.in_size;
                    lf::parallel_for(m, 1, [&](int64_t r0, int64_t r1) {
                        for (int64_t p = r0; p < r1; ++p)
                            for (int64_t q = 0; q < n; ++q) {
                                const float x = h[static_cast<size_t>(p * n + q)];
                                const float y = activate(l.activation, l.alpha, x);
                                h[static_cast<size_t>(p * n + q)] = y;
                                const float d = derivative(l.activation, l.alpha, x, y);
                                for (int64_t j = 0; j < k; ++j) t[static_cast<size_t>((p * k + j) * n + q)] *= d;
                            }
                    });
                    continue;
                }
                linear_part(l, m, h.data(), hn.data(), true);
                linear_part(l, m * k, t.data(), tn.data(), false);
                std::swap(h, hn);
                std::swap(t, tn);
            }
            for (int64_t p = 0; p < m; ++p)
                for (int64_t j = 0; j < k; ++j)
                    for (int64_t i = 0; i < k; ++i)
                        jacobians[((p0 + p) * k + i) * k + j] = t[static_cast<size_t>((p * k + j) * k + i)];
        }
    });
}

lf_status lf_net_fixed_points_cpu(const lf_net* plan, int64_t n, const float* z0, const lf_stop_rule* rule, int64_t batch,
                                  float* endpoints, int32_t* iterations, float* step_sq, int8_t* state, float* traj,
                                  int32_t record_every, int32_t n_slots) {
    return lf::guard("lf_net_fixed_points_cpu", [&] {
        require_plan(plan);
        std::vector<float> a, b;
        lf::picard_loop(plan->k, n, z0, rule, batch, endpoints, iterations, step_sq, state, traj, record_every, n_slots,
                        [&](int64_t rows, const float* in, float* out) { apply(*plan, rows, in, out, a, b); });
    });
}

}  // extern "C"
