// CPU network engine (see lf_net_* in lf.h): a chain of linear, convolution, activation and
// padding layers on rows in C order; forward-mode Jacobians; the shared Picard loop.
//
// The plan is compiled once. Between convolutions items stay channels last (conv.hpp), so a
// convolution is one GEMM whose output is the next layer's input: a linear layer that feeds or
// reads a multi-channel image has its weight's rows or columns permuted to that order, and a
// transpose is inserted only where an image meets a caller-ordered row (a spatial latent). Rows
// go through the whole chain in chunks, one chunk per task on liblf's workers, so a chunk's
// activations stay in cache from layer to layer; each task reuses a workspace from a pool that
// lives as long as the call (or the whole Picard loop), so steps allocate nothing.
#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "conv.hpp"
#include "gemm.hpp"
#include "lf_error.hpp"
#include "net_plan.hpp"
#include "parallel.hpp"
#include "picard_loop.hpp"

namespace {

using lf::net::activate;
using lf::net::derivative;
using lf::net::Op;
using lf::net::Step;

// x[0 .. n) = act(x) in place; the common cases as plain loops the compiler vectorises.
void activate_all(int32_t act, float alpha, float* x, int64_t n) {
    switch (act) {
        case LF_ACT_IDENTITY: return;
        case LF_ACT_RELU:
            for (int64_t i = 0; i < n; ++i) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
            return;
        case LF_ACT_LEAKY_RELU:
            for (int64_t i = 0; i < n; ++i) x[i] = x[i] > 0.0f ? x[i] : alpha * x[i];
            return;
        default:
            for (int64_t i = 0; i < n; ++i) x[i] = activate(act, alpha, x[i]);
    }
}

}  // namespace

lf_net::~lf_net() { lf::net::free_device(*this); }

namespace {

std::string name(int32_t i) { return "layer " + std::to_string(i); }

void need(bool ok, const std::string& why) {
    if (!ok) throw lf::invalid_argument(why);
}

// ---- plan creation: the layers checked, then compiled -------------------------------------------

// The input sizes of a described layer, after its checks (conv: its Dims).
struct Checked {
    int64_t in_size = 0, out_size = 0;
    int64_t c = 0, plane = 0;  // CONV2D and PAD: the input image's channels and pixels
    lf::conv::Dims dims{};
};

Checked check_layer(const lf_net_layer& d, int32_t i) {
    Checked c;
    switch (d.op) {
        case LF_NET_LINEAR:
            need(d.in >= 1 && d.out >= 1 && d.weight != nullptr, name(i) + " (linear) needs in, out >= 1 and a weight");
            c.in_size = d.in;
            c.out_size = d.out;
            break;
        case LF_NET_CONV2D:
            try {
                c.dims = lf::conv::checked(&d.conv);
            } catch (const lf::invalid_argument& e) {
                throw lf::invalid_argument(name(i) + ": " + e.what());
            }
            need(d.weight != nullptr, name(i) + " (convolution) needs a weight");
            c.in_size = c.dims.in_size();
            c.out_size = c.dims.out_size();
            c.c = c.dims.c;
            c.plane = c.dims.h * c.dims.w;
            break;
        case LF_NET_ACTIVATION:
            need(d.in >= 1, name(i) + " (activation) needs in >= 1, the row size");
            need(d.activation >= LF_ACT_IDENTITY && d.activation <= LF_ACT_SILU, name(i) + ": unknown activation code");
            need(std::isfinite(d.alpha), name(i) + ": alpha must be finite");
            c.in_size = c.out_size = d.in;
            break;
        case LF_NET_PAD: {
            const auto& s = d.conv;
            need(s.in_channels >= 1 && s.in_height >= 1 && s.in_width >= 1, name(i) + " (pad) needs the item shape in conv");
            const int64_t oh = int64_t(s.in_height) + d.pad_top + d.pad_bottom, ow = int64_t(s.in_width) + d.pad_left + d.pad_right;
            need(oh >= 1 && ow >= 1, name(i) + " (pad) crops the item to nothing");
            c.c = s.in_channels;
            c.plane = int64_t(s.in_height) * s.in_width;
            c.in_size = c.c * c.plane;
            c.out_size = c.c * oh * ow;
            break;
        }
        default: throw lf::invalid_argument(name(i) + ": unknown op " + std::to_string(d.op));
    }
    return c;
}

// How rows are ordered between steps: c > 1 channels of `plane` pixels, channels last; c = 0 the
// caller's order (C order, which is also channels last for one channel).
struct Layout {
    int64_t c = 0, plane = 0;
};

Step transpose(Op op, Layout l) {
    Step s;
    s.op = op;
    s.c = l.c;
    s.plane = l.plane;
    s.in_size = s.out_size = l.c * l.plane;
    return s;
}

// Emits the transposes that bring rows from layout `now` to `want`.
void relayout(std::vector<Step>& steps, Layout& now, Layout want) {
    if (now.c == want.c && (now.c == 0 || now.plane == want.plane)) return;
    if (now.c > 1) steps.push_back(transpose(Op::TO_CHW, now));
    if (want.c > 1) steps.push_back(transpose(Op::TO_HWC, want));
    now = want;
}

Layout image(int64_t c, int64_t plane) { return c > 1 ? Layout{c, plane} : Layout{}; }

// Position of C-order value ch * plane + q in channels-last order.
int64_t hwc_index(Layout l, int64_t p) { return l.c > 1 ? (p % l.plane) * l.c + p / l.plane : p; }

Step linear_step(const lf_net_layer& d, Layout in, Layout out) {
    Step s;
    s.op = Op::LINEAR;
    s.in = d.in;
    s.out = d.out;
    s.in_size = d.in;
    s.out_size = d.out;
    s.weight.resize(size_t(int64_t(d.in) * d.out));
    for (int64_t o = 0; o < d.out; ++o)
        for (int64_t i = 0; i < d.in; ++i)
            s.weight[size_t(hwc_index(out, o) * d.in + hwc_index(in, i))] = d.weight[o * d.in + i];
    if (d.bias != nullptr) {
        s.bias.resize(size_t(d.out));
        for (int64_t o = 0; o < d.out; ++o) s.bias[size_t(hwc_index(out, o))] = d.bias[o];
    }
    return s;
}

std::unique_ptr<lf_net> compile(const lf_net_layer* layers, int32_t n) {
    std::vector<Checked> checked;
    for (int32_t i = 0; i < n; ++i) {
        checked.push_back(check_layer(layers[i], i));
        if (i > 0) {
            const int64_t before = checked[size_t(i - 1)].out_size, here = checked[size_t(i)].in_size;
            need(before == here, name(i) + " takes rows of " + std::to_string(here) + " values but " + name(i - 1) + " gives " +
                                     std::to_string(before));
        }
    }
    const int64_t k = checked.front().in_size;
    need(checked.back().out_size == k, "the last layer gives " + std::to_string(checked.back().out_size) +
                                           " values, not the latent dimension k = " + std::to_string(k) + " the first takes");
    need(k <= 65536, "the latent dimension must be at most 65536");
    auto p = std::make_unique<lf_net>();
    p->k = static_cast<int32_t>(k);
    Layout now;
    for (int32_t i = 0; i < n; ++i) {
        const lf_net_layer& d = layers[i];
        const Checked& c = checked[size_t(i)];
        if (d.op == LF_NET_ACTIVATION) {
            Step s;
            s.op = Op::ACT;
            s.in_size = s.out_size = c.in_size;
            s.activation = d.activation;
            s.alpha = d.alpha;
            p->steps.push_back(std::move(s));
        } else if (d.op == LF_NET_LINEAR) {
            int32_t next = i + 1;  // the layer that reads this one's output, past activations
            while (next < n && layers[next].op == LF_NET_ACTIVATION) ++next;
            const bool to_image = next < n && (layers[next].op == LF_NET_CONV2D || layers[next].op == LF_NET_PAD);
            const Layout out = to_image ? image(checked[size_t(next)].c, checked[size_t(next)].plane) : Layout{};
            p->steps.push_back(linear_step(d, now, out));
            now = out;
        } else if (d.op == LF_NET_CONV2D) {
            relayout(p->steps, now, image(c.c, c.plane));
            Step s;
            s.op = Op::CONV;
            s.in_size = c.in_size;
            s.out_size = c.out_size;
            s.conv = lf::conv::prepare(c.dims, d.weight, d.bias);
            p->scratch = std::max(p->scratch, lf::conv::scratch_size(c.dims, 1));
            p->steps.push_back(std::move(s));
            now = image(c.dims.o, c.dims.oh * c.dims.ow);
        } else {
            relayout(p->steps, now, image(c.c, c.plane));
            Step s;
            s.op = Op::PAD;
            s.in_size = c.in_size;
            s.out_size = c.out_size;
            s.pad.c = c.c;
            s.pad.h = d.conv.in_height;
            s.pad.w = d.conv.in_width;
            s.pad.top = d.pad_top;
            s.pad.left = d.pad_left;
            s.pad.out_h = s.pad.h + d.pad_top + d.pad_bottom;
            s.pad.out_w = s.pad.w + d.pad_left + d.pad_right;
            s.pad_value = d.pad_value;
            now = image(c.c, s.pad.out_h * s.pad.out_w);
            p->steps.push_back(std::move(s));
        }
    }
    relayout(p->steps, now, Layout{});
    for (const auto& s : p->steps) p->widest = std::max({p->widest, s.in_size, s.out_size});
    return p;
}

// ---- execution -----------------------------------------------------------------------------------

// Per-task buffers: a, b for the rows (ping-pong), t, u for tangents, scratch for convolutions.
struct Workspace {
    std::vector<float> a, b, t, u, scratch;
};

void fit(std::vector<float>& v, int64_t n) {
    if (int64_t(v.size()) < n) v.resize(static_cast<size_t>(n));
}

// Workspaces reused by the tasks of one call (or of every step of one Picard loop).
class Workspaces {
public:
    std::unique_ptr<Workspace> take() {
        std::lock_guard<std::mutex> hold(lock_);
        if (free_.empty()) return std::make_unique<Workspace>();
        auto w = std::move(free_.back());
        free_.pop_back();
        return w;
    }
    void give(std::unique_ptr<Workspace> w) {
        std::lock_guard<std::mutex> hold(lock_);
        free_.push_back(std::move(w));
    }

private:
    std::mutex lock_;
    std::vector<std::unique_ptr<Workspace>> free_;
};

template <typename Body>
void with_workspace(Workspaces& pool, Body&& body) {
    auto w = pool.take();
    body(*w);
    pool.give(std::move(w));
}

// Channels-last items C x H x W -> C x out_h x out_w with `fill` on the new border (and crops);
// the kept part of an output row is one contiguous run of the input row.
void pad_hwc(const lf::net::PadDims& p, int64_t rows, const float* in, float* out, float fill) {
    const int64_t c = p.c, j0 = std::max<int64_t>(0, p.left), j1 = std::min(p.out_w, p.left + p.w);
    for (int64_t r = 0; r < rows; ++r, in += c * p.h * p.w) {
        for (int64_t i = 0; i < p.out_h; ++i, out += p.out_w * c) {
            const int64_t si = i - p.top;
            if (si < 0 || si >= p.h || j0 >= j1) {
                std::fill(out, out + p.out_w * c, fill);
                continue;
            }
            std::fill(out, out + j0 * c, fill);
            const float* src = in + (si * p.w + j0 - p.left) * c;
            for (int64_t q = 0, n = (j1 - j0) * c; q < n; ++q) out[j0 * c + q] = src[q];
            std::fill(out + j1 * c, out + p.out_w * c, fill);
        }
    }
}

// One non-activation step on `rows` rows on the calling thread; `affine`: with its bias (or pad
// value), else the linear part alone (tangents).
void run_step(const Step& s, int64_t rows, const float* in, float* out, bool affine, float* scratch) {
    switch (s.op) {
        case Op::LINEAR:
            lf::gemm_nt_serial(rows, s.out, s.in, in, s.in, s.weight.data(), s.in, out, s.out);
            if (affine && !s.bias.empty())
                for (int64_t r = 0; r < rows; ++r)
                    for (int32_t j = 0; j < s.out; ++j) out[r * s.out + j] += s.bias[size_t(j)];
            break;
        case Op::CONV: lf::conv::apply_hwc(s.conv, rows, in, out, affine, scratch); break;
        case Op::PAD: pad_hwc(s.pad, rows, in, out, affine ? s.pad_value : 0.0f); break;
        case Op::TO_HWC: lf::conv::to_hwc(s.c, s.plane, rows, in, out); break;
        case Op::TO_CHW: lf::conv::to_chw(s.c, s.plane, rows, in, out); break;
        case Op::ACT: break;
    }
}

// f on `rows` rows on the calling thread.
void run_chain(const lf_net& net, int64_t rows, const float* in, float* out, Workspace& ws) {
    fit(ws.a, rows * net.widest);
    fit(ws.b, rows * net.widest);
    fit(ws.scratch, rows * net.scratch);
    std::copy(in, in + rows * net.k, ws.a.data());
    float *x = ws.a.data(), *y = ws.b.data();
    for (const auto& s : net.steps) {
        if (s.op == Op::ACT) {
            activate_all(s.activation, s.alpha, x, rows * s.in_size);
            continue;
        }
        run_step(s, rows, x, y, true, ws.scratch.data());
        std::swap(x, y);
    }
    std::copy(x, x + rows * net.k, out);
}

// Rows per task: the chunk's buffers near 2^18 floats (1 MiB, so they stay in cache through the
// chain), at least one task per worker.
int64_t rows_per_task(const lf_net& net, int64_t rows) {
    const int64_t per_row = 2 * net.widest + net.scratch;
    const int64_t cached = std::max<int64_t>(1, (int64_t{1} << 18) / per_row);
    const int64_t spread = (rows + lf::worker_count() - 1) / lf::worker_count();
    return std::max<int64_t>(1, std::min(cached, spread));
}

void apply(const lf_net& net, int64_t rows, const float* in, float* out, Workspaces& pool) {
    lf::parallel_for(rows, rows_per_task(net, rows), [&](int64_t r0, int64_t r1) {
        with_workspace(pool, [&](Workspace& ws) { run_chain(net, r1 - r0, in + r0 * net.k, out + r0 * net.k, ws); });
    });
}

// Tangents per Jacobian task: one point's columns j0 .. j0 + block - 1.
constexpr int64_t kTangentBlock = 32;

// Columns j0 .. j0 + nb - 1 of the Jacobian at z (k values): the point and the tangents e_j
// pushed through the chain, tangents by each step's linear part and, at activations, by the
// derivative at the point's pre-activation.
void jacobian_block(const lf_net& net, const float* z, int64_t j0, int64_t nb, float* jacobian, Workspace& ws) {
    const int64_t k = net.k, w = net.widest;
    fit(ws.a, w);
    fit(ws.b, w);
    fit(ws.t, nb * w);
    fit(ws.u, nb * w);
    fit(ws.scratch, nb * net.scratch);
    float *h = ws.a.data(), *hn = ws.b.data(), *t = ws.t.data(), *tn = ws.u.data();
    std::copy(z, z + k, h);
    std::fill(t, t + nb * k, 0.0f);
    for (int64_t j = 0; j < nb; ++j) t[j * k + j0 + j] = 1.0f;
    for (const auto& s : net.steps) {
        if (s.op == Op::ACT) {
            const int64_t n = s.in_size;
            for (int64_t q = 0; q < n; ++q) {
                const float x = h[q], y = activate(s.activation, s.alpha, x);
                h[q] = y;
                const float dy = derivative(s.activation, s.alpha, x, y);
                for (int64_t j = 0; j < nb; ++j) t[j * n + q] *= dy;
            }
            continue;
        }
        run_step(s, 1, h, hn, true, ws.scratch.data());
        run_step(s, nb, t, tn, false, ws.scratch.data());
        std::swap(h, hn);
        std::swap(t, tn);
    }
    for (int64_t j = 0; j < nb; ++j)
        for (int64_t i = 0; i < k; ++i) jacobian[i * k + j0 + j] = t[j * k + i];
}

void require_plan(const lf_net* plan) { lf::require(plan != nullptr, "plan must not be NULL"); }

}  // namespace

extern "C" {

lf_status lf_net_create(const lf_net_layer* layers, int32_t n_layers, lf_net** plan) {
    return lf::guard("lf_net_create", [&] {
        need(plan != nullptr, "plan must not be NULL");
        need(layers != nullptr && n_layers >= 1, "at least one layer is needed");
        *plan = compile(layers, n_layers).release();
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
        Workspaces pool;
        apply(*plan, rows, in, out, pool);
    });
}

lf_status lf_net_jacobians_cpu(const lf_net* plan, int64_t rows, const float* z, float* jacobians) {
    return lf::guard("lf_net_jacobians_cpu", [&] {
        require_plan(plan);
        lf::require(rows >= 0 && (rows == 0 || (z && jacobians)), "rows >= 0 and z, jacobians not NULL");
        const int64_t k = plan->k, blocks = (k + kTangentBlock - 1) / kTangentBlock;
        Workspaces pool;
        lf::parallel_for(rows * blocks, 1, [&](int64_t t0, int64_t t1) {
            with_workspace(pool, [&](Workspace& ws) {
                for (int64_t task = t0; task < t1; ++task) {
                    const int64_t p = task / blocks, j0 = (task % blocks) * kTangentBlock;
                    jacobian_block(*plan, z + p * k, j0, std::min(kTangentBlock, k - j0), jacobians + p * k * k, ws);
                }
            });
        });
    });
}

lf_status lf_net_fixed_points_cpu(const lf_net* plan, int64_t n, const float* z0, const lf_stop_rule* rule, int64_t batch,
                                  float* endpoints, int32_t* iterations, float* step_sq, int8_t* state, float* traj,
                                  int32_t record_every, int32_t n_slots) {
    return lf::guard("lf_net_fixed_points_cpu", [&] {
        require_plan(plan);
        Workspaces pool;
        lf::picard_loop(plan->k, n, z0, rule, batch, endpoints, iterations, step_sq, state, traj, record_every, n_slots,
                        [&](int64_t rows, const float* in, float* out) { apply(*plan, rows, in, out, pool); });
    });
}

}  // extern "C"
