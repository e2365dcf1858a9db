// Native timing driver: times every liblf kernel on seeded random data, CPU and (when a GPU
// is visible) CUDA, and prints one line per measurement. Builds from native/ alone.
//
//   lf_bench [omp|nearest|knn|dedup|spectra|net|all] [--quick]
//   lf_bench netfile MODEL.lfnet DIR   (see bench_netfile)
//   env LF_BLAS=/path/libopenblas.so.0   CPU GEMM provider (else the built-in GEMM)
//   env LF_CUBLAS=/path/libcublas.so.13  CUDA GEMM provider (else the built-in kernel)
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "latentfield/lf.h"
#include "lfnet_file.hpp"

namespace {

bool quick = false;

std::vector<float> gaussian(uint64_t seed, size_t n, float scale = 1.0f) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> g(0.0f, scale);
    std::vector<float> v(n);
    for (auto& x : v) x = g(rng);
    return v;
}

void normalise(std::vector<float>& v, int64_t rows, int64_t dim) {
    for (int64_t i = 0; i < rows; ++i) {
        double s = 0;
        for (int64_t j = 0; j < dim; ++j) s += double(v[i * dim + j]) * v[i * dim + j];
        for (int64_t j = 0; j < dim; ++j) v[i * dim + j] = float(v[i * dim + j] / std::sqrt(s));
    }
}

void ok(lf_status s, const char* what) {
    if (s != LF_OK) {
        std::fprintf(stderr, "lf_bench: %s failed: %s\n", what, lf_last_error());
        std::exit(1);
    }
}

// Best of `reps` runs of fn (seconds); the first run warms caches and the GPU.
std::vector<float> read_floats(const std::string& path) {
    std::vector<float> v;
    if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
        float x;
        while (std::fread(&x, sizeof x, 1, f) == 1) v.push_back(x);
        std::fclose(f);
    }
    if (v.empty()) {
        std::fprintf(stderr, "lf_bench: cannot read float32 values from %s\n", path.c_str());
        std::exit(1);
    }
    return v;
}

void write_bytes(const std::string& path, const void* data, size_t bytes) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr || std::fwrite(data, 1, bytes, f) != bytes || std::fclose(f) != 0) {
        std::fprintf(stderr, "lf_bench: cannot write %s\n", path.c_str());
        std::exit(1);
    }
}

double best_of(int reps, const std::function<void()>& fn) {
    fn();
    double best = 1e30;
    for (int r = 0; r < reps; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        fn();
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return best;
}

struct DeviceBuf {
    void* p = nullptr;
    DeviceBuf(const void* host, size_t bytes) {
        ok(lf_cuda_malloc(&p, int64_t(bytes)), "cuda malloc");
        if (host) ok(lf_cuda_copy_to_device(p, host, int64_t(bytes), nullptr), "copy to device");
    }
    ~DeviceBuf() { lf_cuda_free(p); }
    template <typename T>
    T* as() const { return static_cast<T*>(p); }
};

void report(const char* kernel, const char* device, const std::string& shape, double seconds, double items, const char* unit) {
    std::printf("%-8s %-5s %-44s %9.4f s  %12.0f %s/s\n", kernel, device, shape.c_str(), seconds, items / seconds, unit);
    std::fflush(stdout);
}

void bench_omp(bool gpu) {
    const int64_t atoms = quick ? 256 : 1024, dim = quick ? 64 : 128, m = quick ? 1000 : 10000;
    const int32_t S = 32;
    auto d = gaussian(1, size_t(atoms * dim));
    normalise(d, atoms, dim);
    auto x = gaussian(2, size_t(m * dim));
    std::vector<int32_t> sup(static_cast<size_t>(m * S));
    std::vector<float> coef(static_cast<size_t>(m * S)), res(static_cast<size_t>(m));
    const std::string shape = "atoms=" + std::to_string(atoms) + " dim=" + std::to_string(dim) + " signals=" + std::to_string(m) +
                              " S=" + std::to_string(S);
    report("omp", "cpu", shape, best_of(3, [&] {
        ok(lf_omp_cpu(atoms, dim, m, d.data(), x.data(), S, 0.0, sup.data(), coef.data(), res.data()), "omp cpu");
    }), double(m), "signals");
    if (!gpu) return;
    DeviceBuf dd(d.data(), d.size() * 4), dx(x.data(), x.size() * 4), ds(nullptr, sup.size() * 4), dc(nullptr, coef.size() * 4),
        dr(nullptr, res.size() * 4);
    report("omp", "cuda", shape, best_of(3, [&] {
        ok(lf_omp_cuda(atoms, dim, m, dd.as<float>(), dx.as<float>(), S, 0.0, ds.as<int32_t>(), dc.as<float>(), dr.as<float>(), nullptr),
           "omp cuda");
        ok(lf_cuda_stream_synchronize(nullptr), "sync");
    }), double(m), "signals");
}

void bench_nearest_knn(bool gpu, bool knn) {
    const int64_t n = quick ? 2000 : 10000, m = quick ? 5000 : 60000, dim = quick ? 16 : 128;
    const int32_t k = 50;
    auto x = gaussian(3, size_t(n * dim)), set = gaussian(4, size_t(m * dim));
    std::vector<int32_t> idx(static_cast<size_t>(n));
    std::vector<float> dist(static_cast<size_t>(n));
    const std::string shape = "n=" + std::to_string(n) + " m=" + std::to_string(m) + " dim=" + std::to_string(dim) +
                              (knn ? " K=" + std::to_string(k) : std::string(" euclidean"));
    const char* name = knn ? "knn" : "nearest";
    report(name, "cpu", shape, best_of(2, [&] {
        if (knn) ok(lf_knn_mean_distance_cpu(n, m, dim, x.data(), set.data(), k, dist.data()), "knn cpu");
        else ok(lf_nearest_cpu(n, m, dim, x.data(), set.data(), LF_METRIC_EUCLIDEAN, idx.data(), dist.data()), "nearest cpu");
    }), double(n), "queries");
    if (!gpu) return;
    DeviceBuf dx(x.data(), x.size() * 4), dset(set.data(), set.size() * 4), di(nullptr, idx.size() * 4), dd(nullptr, dist.size() * 4);
    report(name, "cuda", shape, best_of(2, [&] {
        if (knn) ok(lf_knn_mean_distance_cuda(n, m, dim, dx.as<float>(), dset.as<float>(), k, dd.as<float>(), nullptr), "knn cuda");
        else ok(lf_nearest_cuda(n, m, dim, dx.as<float>(), dset.as<float>(), LF_METRIC_EUCLIDEAN, di.as<int32_t>(), dd.as<float>(), nullptr),
                "nearest cuda");
        ok(lf_cuda_stream_synchronize(nullptr), "sync");
    }), double(n), "queries");
}

void bench_dedup(bool gpu) {
    const int64_t n = quick ? 3000 : 15000, dim = 16, centres = 200;
    auto c = gaussian(5, size_t(centres * dim)), noise = gaussian(6, size_t(n * dim), 0.01f);
    std::vector<float> x(static_cast<size_t>(n * dim));
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < dim; ++j) x[size_t(i * dim + j)] = c[size_t((i % centres) * dim + j)] + noise[size_t(i * dim + j)];
    std::vector<int32_t> cl(static_cast<size_t>(n)), lead(static_cast<size_t>(n));
    int64_t count = 0;
    const lf_merge_rule rule{LF_METRIC_COSINE, 0.99, 1e-3};
    const std::string shape = "n=" + std::to_string(n) + " dim=16 clusters=" + std::to_string(centres) + " cosine:0.99";
    report("dedup", "cpu", shape, best_of(3, [&] {
        ok(lf_dedup_cpu(n, dim, x.data(), nullptr, &rule, cl.data(), lead.data(), &count), "dedup cpu");
    }), double(n), "points");
    if (!gpu) return;
    DeviceBuf dx(x.data(), x.size() * 4), dc(nullptr, cl.size() * 4), dl(nullptr, lead.size() * 4), dn(nullptr, 8);
    report("dedup", "cuda", shape, best_of(3, [&] {
        ok(lf_dedup_cuda(n, dim, dx.as<float>(), nullptr, &rule, dc.as<int32_t>(), dl.as<int32_t>(), dn.as<int64_t>(), nullptr), "dedup cuda");
        ok(lf_cuda_stream_synchronize(nullptr), "sync");
    }), double(n), "points");
}

void bench_spectra(bool gpu) {
    for (int32_t k : {16, 128}) {
        const int64_t n = quick ? (k == 16 ? 2000 : 50) : (k == 16 ? 20000 : 50);
        auto j = gaussian(7, size_t(n * k * k), 1.0f / std::sqrt(float(k)));
        std::vector<float> norm(static_cast<size_t>(n)), radius(static_cast<size_t>(n));
        const std::string shape = "n=" + std::to_string(n) + " k=" + std::to_string(k) + " iters<=1000 tol=1e-10";
        report("spectra", "cpu", shape, best_of(2, [&] {
            ok(lf_jacobian_spectra_cpu(n, k, j.data(), 1000, 1e-10, norm.data(), radius.data(), nullptr), "spectra cpu");
        }), double(n), "matrices");
        if (!gpu) continue;
        DeviceBuf dj(j.data(), j.size() * 4), dn(nullptr, norm.size() * 4), dr(nullptr, radius.size() * 4);
        report("spectra", "cuda", shape, best_of(2, [&] {
            ok(lf_jacobian_spectra_cuda(n, k, dj.as<float>(), 1000, 1e-10, dn.as<float>(), dr.as<float>(), nullptr, nullptr), "spectra cuda");
            ok(lf_cuda_stream_synchronize(nullptr), "sync");
        }), double(n), "matrices");
    }
}

}  // namespace

// The shipped fmnist-conv architecture (k = 16 at width 16, k = 128 at width 32) with seeded random weights on
// lf_net: one evaluation of f per row, the Picard loop at full batch (tol 0: every row runs 20
// steps), and forward-mode Jacobians; on a GPU the CUDA twin too, at 10^5 rows.
void bench_net(bool gpu) {
    for (int32_t k : {16, 128}) {
        const int32_t d = k == 16 ? 16 : 32;  // the shipped fmnist-conv-k16 has width 16, k128 width 32
        std::vector<std::vector<float>> store;
        std::vector<lf_net_layer> layers;
        uint64_t seed = 400;
        auto keep = [&](size_t n, float scale) {
            store.push_back(gaussian(seed++, n, scale));
            return store.back().data();
        };
        auto linear = [&](int32_t in, int32_t out) {
            lf_net_layer l{};
            l.op = LF_NET_LINEAR, l.in = in, l.out = out;
            l.weight = keep(size_t(in) * out, 1.0f / std::sqrt(float(in)));
            l.bias = keep(size_t(out), 0.1f);
            layers.push_back(l);
        };
        auto conv = [&](lf_conv2d_shape s) {
            lf_net_layer l{};
            l.op = LF_NET_CONV2D, l.conv = s;
            l.weight = keep(size_t(s.in_channels) * s.out_channels * 9, 1.0f / std::sqrt(9.0f * float(s.in_channels)));
            l.bias = keep(size_t(s.out_channels), 0.1f);
            layers.push_back(l);
        };
        auto act = [&](int32_t n, int32_t code) {
            lf_net_layer l{};
            l.op = LF_NET_ACTIVATION, l.in = n, l.activation = code;
            layers.push_back(l);
        };
        auto pad = [&](int32_t side, int32_t amount) {
            lf_net_layer l{};
            l.op = LF_NET_PAD, l.conv.in_channels = 1, l.conv.in_height = side, l.conv.in_width = side;
            l.pad_top = l.pad_bottom = l.pad_left = l.pad_right = amount;
            layers.push_back(l);
        };
        const int32_t ch[5] = {1, d, 2 * d, 4 * d, 8 * d};
        linear(k, 8 * d * 4);
        act(8 * d * 4, LF_ACT_RELU);
        int32_t side = 2;
        for (int i = 0; i < 4; ++i) {
            conv({ch[4 - i], side, side, ch[3 - i], 3, 3, 2, 2, 1, 1, 1, 1, 1});
            side *= 2;
            act(ch[3 - i] * side * side, i < 3 ? LF_ACT_RELU : LF_ACT_SIGMOID);
        }
        pad(32, -2);
        pad(28, 2);
        for (int i = 0; i < 4; ++i) {
            conv({ch[i], side, side, ch[i + 1], 3, 3, 2, 2, 1, 1, 0, 0, 0});
            side /= 2;
            act(ch[i + 1] * side * side, LF_ACT_RELU);
        }
        linear(8 * d * 4, k);
        lf_net* net = nullptr;
        ok(lf_net_create(layers.data(), int32_t(layers.size()), &net), "lf_net_create");
        const int64_t n = quick ? 256 : 1024, steps = 20;
        auto z = gaussian(500, size_t(n * k));
        std::vector<float> out(z.size()), step(static_cast<size_t>(n));
        std::vector<int32_t> its(static_cast<size_t>(n));
        std::vector<int8_t> st(static_cast<size_t>(n));
        const std::string shape = "fmnist-conv d=" + std::to_string(d) + " k=" + std::to_string(k) + ", " + std::to_string(n) + " rows";
        report("net f", "cpu", shape, best_of(2, [&] { ok(lf_net_apply_cpu(net, n, z.data(), out.data()), "net apply"); }), double(n), "f");
        const lf_stop_rule rule{1e-300, int32_t(steps), 1e30};  // no row meets it: all run 20 steps
        report("net loop", "cpu", shape + ", 20 steps", best_of(1, [&] {
            ok(lf_net_fixed_points_cpu(net, n, z.data(), &rule, n, out.data(), its.data(), step.data(), st.data(), nullptr, 0, 0), "net loop");
        }), double(n * steps), "point-it");
        const int64_t nj = quick ? 4 : 16;
        std::vector<float> jac(size_t(nj * k * k));
        report("net J", "cpu", "fmnist-conv d=" + std::to_string(d) + " k=" + std::to_string(k) + ", " + std::to_string(nj) + " points",
               best_of(1, [&] { ok(lf_net_jacobians_cpu(net, nj, z.data(), jac.data()), "net jacobians"); }), double(nj), "J");
        if (gpu) {
            const int64_t ng = quick ? 1024 : 100000;  // the GPU's batch: 10^5 rows in flight
            auto zg = gaussian(501, size_t(ng * k));
            DeviceBuf dz(zg.data(), zg.size() * 4), dout(nullptr, zg.size() * 4), ds(nullptr, size_t(ng) * 4), di(nullptr, size_t(ng) * 4),
                dst(nullptr, size_t(ng)), dj(nullptr, jac.size() * 4);
            const std::string gshape = "fmnist-conv d=" + std::to_string(d) + " k=" + std::to_string(k) + ", " + std::to_string(ng) + " rows";
            ok(lf_net_apply_cuda(net, 1, dz.as<float>(), dout.as<float>(), nullptr), "net apply cuda (weights up)");
            report("net f", "cuda", gshape, best_of(3, [&] {
                ok(lf_net_apply_cuda(net, ng, dz.as<float>(), dout.as<float>(), nullptr), "net apply cuda");
                ok(lf_cuda_stream_synchronize(nullptr), "sync");
            }), double(ng), "f");
            report("net loop", "cuda", gshape + ", 20 steps", best_of(1, [&] {
                ok(lf_net_fixed_points_cuda(net, ng, dz.as<float>(), &rule, ng, dout.as<float>(), di.as<int32_t>(), ds.as<float>(),
                                            dst.as<int8_t>(), nullptr, 0, 0, nullptr), "net loop cuda");
                ok(lf_cuda_stream_synchronize(nullptr), "sync");
            }), double(ng * steps), "point-it");
            report("net J", "cuda", "fmnist-conv d=" + std::to_string(d) + " k=" + std::to_string(k) + ", " + std::to_string(nj) + " points",
                   best_of(2, [&] {
                       ok(lf_net_jacobians_cuda(net, nj, dz.as<float>(), dj.as<float>(), nullptr), "net jacobians cuda");
                       ok(lf_cuda_stream_synchronize(nullptr), "sync");
                   }), double(nj), "J");
        }
        lf_net_destroy(net);
    }
}

// lf_bench netfile MODEL.lfnet DIR: the Picard loop (tol 1e-6, cap 3000, bound 1e6, all rows in
// flight) from DIR/starts.f32, as benchmarks/gpu/peers.py runs its PyTorch peers; endpoints and
// iteration counts into DIR/native.*, for peers.py compare.
int bench_netfile(const std::string& model, const std::string& dir) {
    LfnetFile file;
    try {
        file = read_lfnet(model);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lf_bench netfile: %s\n", e.what());
        return 1;
    }
    lf_net* net = nullptr;
    ok(lf_net_create(file.layers.data(), int32_t(file.layers.size()), &net), "lf_net_create");
    int32_t k = 0;
    ok(lf_net_latent_dim(net, &k), "latent dim");
    std::vector<float> z = read_floats(dir + "/starts.f32");
    const int64_t n = int64_t(z.size()) / k;
    std::vector<float> end(z.size()), step(static_cast<size_t>(n));
    std::vector<int32_t> its(static_cast<size_t>(n));
    std::vector<int8_t> st(static_cast<size_t>(n));
    const lf_stop_rule rule{1e-6, 3000, 1e6};
    const double seconds = best_of(1, [&] {
        ok(lf_net_fixed_points_cpu(net, n, z.data(), &rule, n, end.data(), its.data(), step.data(), st.data(), nullptr, 0, 0), "net loop");
    });
    double work = 0;
    for (int32_t t : its) work += t;
    report("net loop", "cpu", model + ", " + std::to_string(n) + " starts, tol 1e-6, cap 3000", seconds, work, "point-it");
    write_bytes(dir + "/native.endpoints.f32", end.data(), end.size() * sizeof(float));
    write_bytes(dir + "/native.iterations.i32", its.data(), its.size() * sizeof(int32_t));
    int32_t devices = 0;
    ok(lf_cuda_device_count(&devices), "device count");
    if (devices > 0) {  // the CUDA twin on the same starts: native-cuda.*, compared by peers.py like a peer
        DeviceBuf dz(z.data(), z.size() * 4), de(nullptr, end.size() * 4), ds(nullptr, step.size() * 4), di(nullptr, its.size() * 4),
            dst(nullptr, st.size());
        ok(lf_net_apply_cuda(net, 1, dz.as<float>(), de.as<float>(), nullptr), "net apply cuda (weights up, warm-up)");
        ok(lf_cuda_stream_synchronize(nullptr), "sync");
        const double gpu_seconds = best_of(1, [&] {
            ok(lf_net_fixed_points_cuda(net, n, dz.as<float>(), &rule, n, de.as<float>(), di.as<int32_t>(), ds.as<float>(), dst.as<int8_t>(),
                                        nullptr, 0, 0, nullptr), "net loop cuda");
            ok(lf_cuda_stream_synchronize(nullptr), "sync");
        });
        ok(lf_cuda_copy_to_host(end.data(), de.p, int64_t(end.size() * 4), nullptr), "copy endpoints");
        ok(lf_cuda_copy_to_host(its.data(), di.p, int64_t(its.size() * 4), nullptr), "copy iterations");
        ok(lf_cuda_stream_synchronize(nullptr), "sync");
        double gpu_work = 0;
        for (int32_t t : its) gpu_work += t;
        report("net loop", "cuda", model + ", " + std::to_string(n) + " starts, tol 1e-6, cap 3000", gpu_seconds, gpu_work, "point-it");
        write_bytes(dir + "/native-cuda.endpoints.f32", end.data(), end.size() * sizeof(float));
        write_bytes(dir + "/native-cuda.iterations.i32", its.data(), its.size() * sizeof(int32_t));
    }
    lf_net_destroy(net);
    return 0;
}

int main(int argc, char** argv) {
    std::string which = "all";
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--quick") == 0) quick = true;
        else if (i == 1) which = argv[i];
    }
    if (const char* blas = std::getenv("LF_BLAS")) ok(lf_blas_open(blas), "lf_blas_open");
    int32_t devices = 0;
    ok(lf_cuda_device_count(&devices), "device count");
    if (devices > 0)
        if (const char* cublas = std::getenv("LF_CUBLAS")) ok(lf_cublas_open(cublas), "lf_cublas_open");
    const char* providers = nullptr;
    ok(lf_gemm_provider(&providers), "gemm provider");
    std::printf("liblf %s, CUDA devices %d, GEMM %s%s\n", lf_version(), devices, providers, quick ? " (quick sizes)" : "");
    const bool gpu = devices > 0;
    if (which == "all" || which == "omp") bench_omp(gpu);
    if (which == "all" || which == "nearest") bench_nearest_knn(gpu, false);
    if (which == "all" || which == "knn") bench_nearest_knn(gpu, true);
    if (which == "all" || which == "dedup") bench_dedup(gpu);
    if (which == "all" || which == "spectra") bench_spectra(gpu);
    if (which == "all" || which == "net") bench_net(gpu);
    if (which == "netfile") {
        if (argc != 4) {
            std::fprintf(stderr, "usage: lf_bench netfile MODEL.lfnet DIR\n");
            return 2;
        }
        return bench_netfile(argv[2], argv[3]);
    }
    return 0;
}
