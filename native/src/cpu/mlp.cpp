// CPU engine of the fused MLP fixed-point iteration (see lf_mlp_* in lf.h): layers as GEMMs
// through the GEMM provider, bias and activation fused into one pass over the output, and the
// Picard loop with lf_fixed_point_step_cpu's bookkeeping, refilling freed rows in start order;
// the loop checks the cancellation flag before every step.
#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include "cancel.hpp"
#include "gemm.hpp"
#include "lf_error.hpp"
#include "mlp_plan.hpp"
#include "parallel.hpp"
#include "picard_loop.hpp"

namespace lf::mlp {
void upload(lf_mlp& plan);       // defined by the CUDA part (or its absence)
void free_device(lf_mlp& plan) noexcept;
}  // namespace lf::mlp

namespace {

// out = act(in W^T + b) for `rows` rows.
void layer_forward(const lf::mlp::Layer& l, int64_t rows, const float* in, float* out) {
    lf::gemm_nt(rows, l.out, l.in, in, l.in, l.weight.data(), l.in, out, l.out);
    lf::parallel_for(rows, std::max<int64_t>(1, 8192 / l.out), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
            float* y = out + r * l.out;
            for (int32_t j = 0; j < l.out; ++j) y[j] = lf::mlp::activate(l.activation, y[j] + l.bias[j]);
        }
    });
}

// Scratch for one evaluation of f on up to `rows` rows.
struct Scratch {
    std::vector<float> a, b;
    Scratch(const lf_mlp& plan, int64_t rows)
        : a(static_cast<size_t>(rows * plan.widest)), b(static_cast<size_t>(rows * plan.widest)) {}
};

void apply(const lf_mlp& plan, int64_t rows, const float* in, float* out, Scratch& s) {
    if (rows == 0) return;
    const float* x = in;
    const size_t last = plan.layers.size() - 1;
    for (size_t i = 0; i < plan.layers.size(); ++i) {
        float* y = i == last ? out : (i % 2 == 0 ? s.a.data() : s.b.data());
        layer_forward(plan.layers[i], rows, x, y);
        x = y;
    }
}

void require_cpu_plan(const lf_mlp* plan) {
    lf::require(plan != nullptr, "plan must not be NULL");
    lf::require(plan->device == 0, "this plan lives on the GPU; use the _cuda entry point");
}

}  // namespace

extern "C" {

lf_status lf_mlp_create(const lf_mlp_layer* layers, int32_t n_layers, int32_t device, lf_mlp** plan) {
    return lf::guard("lf_mlp_create", [&] {
        lf::require(plan != nullptr, "plan must not be NULL");
        lf::require(layers != nullptr && n_layers >= 1, "at least one layer is needed");
        lf::require(device == 0 || device == 1, "device must be 0 (CPU) or 1 (CUDA)");
        auto p = std::make_unique<lf_mlp>();
        p->device = device;
        p->k = layers[0].in;
        for (int32_t i = 0; i < n_layers; ++i) {
            const lf_mlp_layer& l = layers[i];
            lf::require(l.in >= 1 && l.out >= 1 && l.weight != nullptr, "every layer needs in, out >= 1 and a weight");
            lf::require(l.activation >= LF_ACT_IDENTITY && l.activation <= LF_ACT_GELU, "unknown activation code");
            if (i > 0 && l.in != layers[i - 1].out)
                throw lf::invalid_argument("layer " + std::to_string(i) + " takes " + std::to_string(l.in) +
                                           " inputs but layer " + std::to_string(i - 1) + " gives " +
                                           std::to_string(layers[i - 1].out));
            lf::mlp::Layer c;
            c.in = l.in;
            c.out = l.out;
            c.activation = l.activation;
            c.weight.assign(l.weight, l.weight + int64_t(l.in) * l.out);
            c.bias.assign(static_cast<size_t>(l.out), 0.0f);
            if (l.bias != nullptr) std::copy(l.bias, l.bias + l.out, c.bias.begin());
            p->widest = std::max({p->widest, l.in, l.out});
            p->layers.push_back(std::move(c));
        }
        lf::require(layers[n_layers - 1].out == p->k, "the last layer must map back to the latent dimension k = first layer's in");
        if (device == 1) lf::mlp::upload(*p);
        *plan = p.release();
    });
}

lf_status lf_mlp_destroy(lf_mlp* plan) {
    return lf::guard("lf_mlp_destroy", [&] {
        if (plan == nullptr) return;
        lf::mlp::free_device(*plan);
        delete plan;
    });
}

lf_status lf_mlp_latent_dim(const lf_mlp* plan, int32_t* k) {
    return lf::guard("lf_mlp_latent_dim", [&] {
        lf::require(plan != nullptr && k != nullptr, "plan and k must not be NULL");
        *k = plan->k;
    });
}

lf_status lf_mlp_apply_cpu(const lf_mlp* plan, int64_t rows, const float* in, float* out) {
    return lf::guard("lf_mlp_apply_cpu", [&] {
        require_cpu_plan(plan);
        lf::require(rows >= 0 && (rows == 0 || (in && out)), "rows >= 0 and in, out not NULL");
        Scratch s(*plan, rows);
        apply(*plan, rows, in, out, s);
    });
}

lf_status lf_mlp_jacobians_cpu(const lf_mlp* plan, int64_t rows, const float* z, float* jacobians) {
    return lf::guard("lf_mlp_jacobians_cpu", [&] {
        require_cpu_plan(plan);
        lf::require(rows >= 0 && (rows == 0 || (z && jacobians)), "rows >= 0 and z, jacobians not NULL");
        const int64_t k = plan->k;
        // h: the points' activations (rows x width); t: their tangents (rows*k x width), tangent
        // (p, j) starting as e_j. Per layer: pre = h W^T + b, t <- (t W^T) * act'(pre) row-wise.
        std::vector<float> h(z, z + rows * k), pre, t(static_cast<size_t>(rows * k * k), 0.0f), tn;
        for (int64_t p = 0; p < rows; ++p)
            for (int64_t j = 0; j < k; ++j) t[static_cast<size_t>((p * k + j) * k + j)] = 1.0f;
        for (const auto& l : plan->layers) {
            pre.resize(static_cast<size_t>(rows * l.out));
            tn.resize(static_cast<size_t>(rows * k * l.out));
            lf::gemm_nt(rows, l.out, l.in, h.data(), l.in, l.weight.data(), l.in, pre.data(), l.out);
            lf::gemm_nt(rows * k, l.out, l.in, t.data(), l.in, l.weight.data(), l.in, tn.data(), l.out);
            h.resize(static_cast<size_t>(rows * l.out));
            lf::parallel_for(rows, std::max<int64_t>(1, 4096 / (l.out * k)), [&](int64_t r0, int64_t r1) {
                for (int64_t p = r0; p < r1; ++p)
                    for (int32_t o = 0; o < l.out; ++o) {
                        const float x = pre[static_cast<size_t>(p * l.out + o)] + l.bias[o];
                        const float y = lf::mlp::activate(l.activation, x);
                        h[static_cast<size_t>(p * l.out + o)] = y;
                        const float d = lf::mlp::derivative(l.activation, x, y);
                        for (int64_t j = 0; j < k; ++j) tn[static_cast<size_t>((p * k + j) * l.out + o)] *= d;
                    }
            });
            std::swap(t, tn);
        }
        // tangent (p, j) is column j of J_p
        for (int64_t p = 0; p < rows; ++p)
            for (int64_t j = 0; j < k; ++j)
                for (int64_t i = 0; i < k; ++i) jacobians[(p * k + i) * k + j] = t[static_cast<size_t>((p * k + j) * k + i)];
    });
}

lf_status lf_mlp_fixed_points_cpu(const lf_mlp* plan, int64_t n, const float* z0, const lf_stop_rule* rule, int64_t batch,
                                  float* endpoints, int32_t* iterations, float* step_sq, int8_t* state, float* traj,
                                  int32_t record_every, int32_t n_slots) {
    return lf::guard("lf_mlp_fixed_points_cpu", [&] {
        require_cpu_plan(plan);
        std::unique_ptr<Scratch> s;  // made on the first step, after the loop has checked its arguments
        lf::picard_loop(plan->k, n, z0, rule, batch, endpoints, iterations, step_sq, state, traj, record_every, n_slots,
                        [&](int64_t rows, const float* in, float* out) {
                            if (!s) s = std::make_unique<Scratch>(*plan, std::min(batch, n));
                            apply(*plan, rows, in, out, *s);
                        });
    });
}

}  // extern "C"
