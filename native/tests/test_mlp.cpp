// Fused MLP engine: lf_mlp_apply_cpu against a double-precision reference for every
// activation; lf_mlp_fixed_points_cpu against a point-by-point loop over lf_mlp_apply_cpu with
// the same rule (bitwise: the built-in GEMM is batch invariant); bad plans; CUDA vs CPU.
#include <algorithm>
#include <cstring>

#include "test_util.hpp"

using lftest::gaussian;

namespace {

struct Net {
    std::vector<std::vector<float>> w, b;
    std::vector<lf_mlp_layer> layers;
};

// k -> widths... -> k with `act` inside and `last` on the final layer; weights scaled by `gain`.
Net make_net(uint64_t seed, int k, std::vector<int> widths, int act, int last, float gain) {
    Net net;
    std::vector<int> dims{k};
    dims.insert(dims.end(), widths.begin(), widths.end());
    dims.push_back(k);
    for (size_t i = 0; i + 1 < dims.size(); ++i) {
        net.w.push_back(gaussian(seed * 31 + i, size_t(dims[i]) * dims[i + 1], gain / std::sqrt(float(dims[i]))));
        net.b.push_back(gaussian(seed * 37 + i, size_t(dims[i + 1]), 0.1f));
    }
    for (size_t i = 0; i + 1 < dims.size(); ++i)
        net.layers.push_back({dims[i], dims[i + 1], net.w[i].data(), net.b[i].data(), i + 2 == dims.size() ? last : act});
    return net;
}

double act_ref(int act, double x) {
    switch (act) {
        case LF_ACT_RELU: return x > 0 ? x : 0;
        case LF_ACT_TANH: return std::tanh(x);
        case LF_ACT_SIGMOID: return 1 / (1 + std::exp(-x));
        case LF_ACT_GELU: return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
        default: return x;
    }
}

std::vector<double> reference(const Net& net, const float* z, int k) {
    std::vector<double> h(z, z + k);
    for (const auto& l : net.layers) {
        std::vector<double> y(static_cast<size_t>(l.out));
        for (int o = 0; o < l.out; ++o) {
            double s = l.bias[o];
            for (int i = 0; i < l.in; ++i) s += double(l.weight[size_t(o) * l.in + i]) * h[size_t(i)];
            y[size_t(o)] = act_ref(l.activation, s);
        }
        h = y;
    }
    return h;
}

void apply_vs_reference() {
    const int k = 12;
    for (int act : {LF_ACT_IDENTITY, LF_ACT_RELU, LF_ACT_TANH, LF_ACT_SIGMOID, LF_ACT_GELU}) {
        Net net = make_net(uint64_t(act) + 1, k, {40, 70, 33}, act, LF_ACT_IDENTITY, 1.0f);
        lf_mlp* plan = nullptr;
        LF_OK_OR_FAIL(lf_mlp_create(net.layers.data(), int32_t(net.layers.size()), 0, &plan));
        const int64_t rows = 300;
        auto z = gaussian(9, size_t(rows * k));
        std::vector<float> out(static_cast<size_t>(rows * k));
        LF_OK_OR_FAIL(lf_mlp_apply_cpu(plan, rows, z.data(), out.data()));
        double worst = 0;
        for (int64_t r = 0; r < rows; ++r) {
            auto want = reference(net, &z[size_t(r * k)], k);
            for (int j = 0; j < k; ++j) worst = std::max(worst, std::fabs(out[size_t(r * k + j)] - want[size_t(j)]) / (1 + std::fabs(want[size_t(j)])));
        }
        LF_CHECK(worst < 1e-5, "activation %d: f differs from the double reference by %.3g", act, worst);
        lf_mlp_destroy(plan);
    }
}

void jacobians_vs_finite_differences() {
    const int k = 5;
    for (int act : {LF_ACT_IDENTITY, LF_ACT_RELU, LF_ACT_TANH, LF_ACT_SIGMOID, LF_ACT_GELU}) {
        Net net = make_net(uint64_t(act) + 40, k, {24, 48}, act, LF_ACT_SIGMOID, 1.0f);
        lf_mlp* plan = nullptr;
        LF_OK_OR_FAIL(lf_mlp_create(net.layers.data(), int32_t(net.layers.size()), 0, &plan));
        const int64_t rows = 40;
        auto z = gaussian(41, size_t(rows * k));
        std::vector<float> jac(static_cast<size_t>(rows * k * k));
        LF_OK_OR_FAIL(lf_mlp_jacobians_cpu(plan, rows, z.data(), jac.data()));
        double worst = 0;
        const double h = 1e-5;  // the reference is double: tiny steps rarely straddle a ReLU kink
        for (int64_t p = 0; p < rows; ++p)
            for (int j = 0; j < k; ++j) {
                std::vector<float> up(z.begin() + p * k, z.begin() + (p + 1) * k), down = up;
                up[size_t(j)] += float(h);
                down[size_t(j)] -= float(h);
                const double step = double(up[size_t(j)]) - double(down[size_t(j)]);  // the float-rounded 2h
                auto fu = reference(net, up.data(), k), fd = reference(net, down.data(), k);
                for (int i = 0; i < k; ++i) {
                    const double want = (fu[size_t(i)] - fd[size_t(i)]) / step;
                    worst = std::max(worst, std::fabs(jac[size_t((p * k + i) * k + j)] - want) / (1 + std::fabs(want)));
                }
            }
        LF_CHECK(worst < 1e-4, "activation %d: analytic Jacobian differs from central differences by %.3g", act, worst);
        lf_mlp_destroy(plan);
    }
}

void fixed_points_vs_point_by_point() {
    const int k = 6;
    // contractive tanh net (converges), an expanding identity net (diverges), a rotation-like net (capped)
    for (int variant = 0; variant < 3; ++variant) {
        Net net = variant == 0 ? make_net(3, k, {32, 32}, LF_ACT_TANH, LF_ACT_IDENTITY, 0.6f)
                : variant == 1 ? make_net(4, k, {16}, LF_ACT_IDENTITY, LF_ACT_IDENTITY, 3.0f)
                               : make_net(5, k, {64}, LF_ACT_TANH, LF_ACT_IDENTITY, 2.5f);
        lf_mlp* plan = nullptr;
        LF_OK_OR_FAIL(lf_mlp_create(net.layers.data(), int32_t(net.layers.size()), 0, &plan));
        const int64_t n = 257;
        auto z0 = gaussian(10 + uint64_t(variant), size_t(n * k), 2.0f);
        const lf_stop_rule rule{1e-8, 300, 1e4};
        const int32_t every = 7, slots = 300 / 7 + 1;
        std::vector<float> end(static_cast<size_t>(n * k)), step(static_cast<size_t>(n)), traj(static_cast<size_t>(n * slots * k));
        std::vector<int32_t> its(static_cast<size_t>(n));
        std::vector<int8_t> st(static_cast<size_t>(n));
        LF_OK_OR_FAIL(lf_mlp_fixed_points_cpu(plan, n, z0.data(), &rule, 40, end.data(), its.data(), step.data(), st.data(),
                                              traj.data(), every, slots));
        int wrong = 0, counts[4] = {0, 0, 0, 0};
        for (int64_t g = 0; g < n; ++g) {
            std::vector<float> z(z0.begin() + g * k, z0.begin() + (g + 1) * k), fz(static_cast<size_t>(k));
            int32_t t = 0;
            int8_t s = LF_POINT_ACTIVE;
            while (s == LF_POINT_ACTIVE) {
                LF_OK_OR_FAIL(lf_mlp_apply_cpu(plan, 1, z.data(), fz.data()));
                ++t;
                double d = 0, nrm = 0;
                bool fin = true;
                for (int j = 0; j < k; ++j) {
                    d += (double(fz[size_t(j)]) - z[size_t(j)]) * (double(fz[size_t(j)]) - z[size_t(j)]);
                    nrm += double(fz[size_t(j)]) * fz[size_t(j)];
                    fin = fin && std::isfinite(fz[size_t(j)]);
                }
                s = (!fin || !std::isfinite(d) || nrm > 1e8) ? LF_POINT_DIVERGED : d < 1e-8 ? LF_POINT_CONVERGED
                    : t >= 300 ? LF_POINT_CAPPED : LF_POINT_ACTIVE;
                z = fz;
            }
            counts[int(s)]++;
            wrong += its[size_t(g)] != t || st[size_t(g)] != s ||
                     std::memcmp(&end[size_t(g * k)], z.data(), sizeof(float) * size_t(k)) != 0 ||
                     // the last slot holds the endpoint unless the point stopped inside it (t / R = last, t % R != 0)
                     ((t / every < slots - 1 || t % every == 0) &&
                      std::memcmp(&traj[size_t((g * slots + slots - 1) * k)], z.data(), sizeof(float) * size_t(k)) != 0);
        }
        LF_CHECK(wrong == 0, "variant %d: %d of %lld points differ from the point-by-point loop", variant, wrong, (long long)n);
        std::printf("variant %d: converged %d, capped %d, diverged %d\n", variant, counts[1], counts[2], counts[3]);
        LF_CHECK(counts[variant == 0 ? 1 : variant == 1 ? 3 : 2] > 0, "variant %d does not show its intended outcome", variant);
        lf_mlp_destroy(plan);
    }
}

void bad_plans() {
    std::vector<float> w(12, 0.1f);
    lf_mlp_layer mismatch[2] = {{3, 4, w.data(), nullptr, LF_ACT_RELU}, {5, 3, w.data(), nullptr, LF_ACT_IDENTITY}};
    lf_mlp* plan = nullptr;
    LF_CHECK(lf_mlp_create(mismatch, 2, 0, &plan) == LF_ERR_INVALID_ARGUMENT && std::strstr(lf_last_error(), "layer 1 takes 5") != nullptr,
             "a broken chain is accepted: %s", lf_last_error());
    lf_mlp_layer not_square[1] = {{3, 4, w.data(), nullptr, LF_ACT_RELU}};
    LF_CHECK(lf_mlp_create(not_square, 1, 0, &plan) == LF_ERR_INVALID_ARGUMENT, "a map R^3 -> R^4 is accepted");
    lf_mlp_layer bad_act[1] = {{3, 3, w.data(), nullptr, 9}};
    LF_CHECK(lf_mlp_create(bad_act, 1, 0, &plan) == LF_ERR_INVALID_ARGUMENT, "activation 9 is accepted");
    LF_OK_OR_FAIL(lf_mlp_destroy(nullptr));
}

void cuda_parity() {
    if (!lftest::cuda_available()) {
        lftest::report_skip("fused MLP engine CUDA vs CPU parity");
        return;
    }
    const int k = 16;
    Net net = make_net(21, k, {256, 512, 256}, LF_ACT_TANH, LF_ACT_IDENTITY, 0.7f);
    lf_mlp *cpu = nullptr, *gpu = nullptr;
    LF_OK_OR_FAIL(lf_mlp_create(net.layers.data(), int32_t(net.layers.size()), 0, &cpu));
    LF_OK_OR_FAIL(lf_mlp_create(net.layers.data(), int32_t(net.layers.size()), 1, &gpu));
    const int64_t n = 2000;
    auto z0 = gaussian(22, size_t(n * k));
    const lf_stop_rule rule{1e-6, 3000, 1e6};
    std::vector<float> end(static_cast<size_t>(n * k)), step(static_cast<size_t>(n));
    std::vector<int32_t> its(static_cast<size_t>(n));
    std::vector<int8_t> st(static_cast<size_t>(n));
    LF_OK_OR_FAIL(lf_mlp_fixed_points_cpu(cpu, n, z0.data(), &rule, 512, end.data(), its.data(), step.data(), st.data(), nullptr, 0, 0));
    lftest::Device<float> dz(z0), dend(end.size()), dstep(step.size());
    lftest::Device<int32_t> dits(its.size());
    lftest::Device<int8_t> dst(st.size());
    LF_OK_OR_FAIL(lf_mlp_fixed_points_cuda(gpu, n, dz.get(), &rule, 512, dend.get(), dits.get(), dstep.get(), dst.get(), nullptr, 0, 0, nullptr));
    auto gend = dend.to_host();
    auto gits = dits.to_host();
    auto gstate = dst.to_host();
    auto gstep = dstep.to_host();
    double worst = 0, worst_step = 0;
    int64_t iteration_differs = 0, state_differs = 0;
    for (int64_t g = 0; g < n; ++g) {
        if (gits[size_t(g)] != its[size_t(g)]) continue;
        state_differs += gstate[size_t(g)] != st[size_t(g)];
        worst_step = std::max(worst_step, std::fabs(double(gstep[size_t(g)]) - step[size_t(g)]) / std::max(1e-12, double(step[size_t(g)])));
    }
    LF_CHECK(state_differs == 0, "%lld points end in another state on CUDA than on the CPU after as many iterations", (long long)state_differs);
    // the last step norms are squared differences of nearly equal iterates: compare them loosely
    LF_CHECK(worst_step <= 0.05, "last step norms differ between CUDA and CPU by %.3g (relative)", worst_step);
    // Endpoints are compared where the iteration counts agree: a point that stops one step earlier on
    // one side (its last step norm within rounding of tol) ends one Picard step away, about 1e-4 here.
    for (int64_t g = 0; g < n; ++g) {
        if (gits[size_t(g)] != its[size_t(g)]) {
            ++iteration_differs;
            continue;
        }
        for (int64_t j = 0; j < k; ++j)
            worst = std::max(worst, double(std::fabs(gend[size_t(g * k + j)] - end[size_t(g * k + j)])));
    }
    LF_CHECK(worst <= 1e-4, "endpoints differ between CUDA and CPU by %.3g where the iteration counts agree", worst);
    LF_CHECK(iteration_differs <= n / 100, "%lld of %lld iteration counts differ between CUDA and CPU", (long long)iteration_differs, (long long)n);
    std::printf("CUDA parity checked: MLP fixed points (max endpoint diff %.3g, %lld iteration counts differ, states and step norms agree)\n",
                worst, (long long)iteration_differs);

    // trajectories: every 5th iterate in 8 slots, the rest filled with the endpoint, on both sides
    const int64_t nt = 64;
    const int32_t every = 5, slots = 8;
    std::vector<float> traj(static_cast<size_t>(nt * slots * k)), tend(static_cast<size_t>(nt * k)), tstep(static_cast<size_t>(nt));
    std::vector<int32_t> tits(static_cast<size_t>(nt));
    std::vector<int8_t> tst(static_cast<size_t>(nt));
    LF_OK_OR_FAIL(lf_mlp_fixed_points_cpu(cpu, nt, z0.data(), &rule, 16, tend.data(), tits.data(), tstep.data(), tst.data(), traj.data(), every,
                                          slots));
    lftest::Device<float> dtraj(traj.size()), dtend(tend.size()), dtstep(tstep.size());
    lftest::Device<int32_t> dtits(tits.size());
    lftest::Device<int8_t> dtst(tst.size());
    LF_OK_OR_FAIL(lf_mlp_fixed_points_cuda(gpu, nt, dz.get(), &rule, 16, dtend.get(), dtits.get(), dtstep.get(), dtst.get(), dtraj.get(),
                                           every, slots, nullptr));
    auto gtraj = dtraj.to_host();
    auto gtits = dtits.to_host();
    double worst_traj = 0;
    for (int64_t g = 0; g < nt; ++g) {
        if (gtits[size_t(g)] != tits[size_t(g)]) continue;
        for (int64_t i = 0; i < slots * k; ++i)
            worst_traj = std::max(worst_traj, double(std::fabs(gtraj[size_t(g * slots * k + i)] - traj[size_t(g * slots * k + i)])));
    }
    LF_CHECK(worst_traj <= 1e-4, "trajectories differ between CUDA and CPU by %.3g where the iteration counts agree", worst_traj);
    std::printf("CUDA parity checked: MLP trajectories (max diff %.3g)\n", worst_traj);
    lf_mlp_destroy(cpu);
    lf_mlp_destroy(gpu);
}

// max |a - b| over entries finite in both, after checking that the two have NaN/Inf in the same places
double compare_finite(const char* what, const std::vector<float>& a, const std::vector<float>& b) {
    double worst = 0;
    int64_t finiteness_differs = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        if (std::isfinite(a[i]) != std::isfinite(b[i])) {
            ++finiteness_differs;
            continue;
        }
        if (std::isfinite(a[i])) worst = std::max(worst, double(std::fabs(a[i] - b[i])));
    }
    LF_CHECK(finiteness_differs == 0, "%s: %lld entries finite on one side only", what, (long long)finiteness_differs);
    return worst;
}

// lf_mlp_apply_cuda and lf_mlp_jacobians_cuda against the CPU, on a non-blocking stream of their
// own (only the synchronisation below orders it with the copies back), with a NaN in one row.
void cuda_apply_and_jacobians_parity() {
    if (!lftest::cuda_available()) {
        lftest::report_skip("fused MLP engine apply and Jacobians, CUDA vs CPU, on a stream of their own");
        return;
    }
    const int k = 12;
    const int64_t rows = 300;
    Net net = make_net(31, k, {64, 96}, LF_ACT_GELU, LF_ACT_TANH, 0.9f);
    lf_mlp *cpu = nullptr, *gpu = nullptr;
    LF_OK_OR_FAIL(lf_mlp_create(net.layers.data(), int32_t(net.layers.size()), 0, &cpu));
    LF_OK_OR_FAIL(lf_mlp_create(net.layers.data(), int32_t(net.layers.size()), 1, &gpu));
    auto z = gaussian(32, size_t(rows * k));
    z[size_t(7 * k + 3)] = std::nanf("");  // row 7: NaN in, NaN out, on both sides
    std::vector<float> out(size_t(rows * k)), jac(size_t(rows * k * k));
    LF_OK_OR_FAIL(lf_mlp_apply_cpu(cpu, rows, z.data(), out.data()));
    LF_OK_OR_FAIL(lf_mlp_jacobians_cpu(cpu, rows, z.data(), jac.data()));
    void* stream = nullptr;
    LF_OK_OR_FAIL(lf_cuda_stream_create(&stream));
    lftest::Device<float> dz(z), dout(out.size()), djac(jac.size());
    LF_OK_OR_FAIL(lf_mlp_apply_cuda(gpu, rows, dz.get(), dout.get(), stream));
    LF_OK_OR_FAIL(lf_mlp_jacobians_cuda(gpu, rows, dz.get(), djac.get(), stream));
    LF_OK_OR_FAIL(lf_cuda_stream_synchronize(stream));
    const double f_diff = compare_finite("apply", dout.to_host(), out);
    const double j_diff = compare_finite("jacobians", djac.to_host(), jac);
    LF_CHECK(f_diff <= 1e-5, "apply differs between CUDA and CPU by %.3g", f_diff);
    LF_CHECK(j_diff <= 1e-4, "Jacobians differ between CUDA and CPU by %.3g", j_diff);
    std::printf("CUDA parity checked: MLP apply (max diff %.3g) and Jacobians (max diff %.3g) on a non-blocking stream\n", f_diff, j_diff);
    LF_OK_OR_FAIL(lf_cuda_stream_destroy(stream));
    lf_mlp_destroy(cpu);
    lf_mlp_destroy(gpu);
}

}  // namespace

int main() {
    apply_vs_reference();
    jacobians_vs_finite_differences();
    fixed_points_vs_point_by_point();
    bad_plans();
    cuda_parity();
    cuda_apply_and_jacobians_parity();
    return lftest::finish("fused MLP engine matches the double reference and the point-by-point loop");
}
