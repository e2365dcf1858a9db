// Cancellation (lf_cancel_* in lf.h): a fixed-point run that would never end (f a rotation: no
// point converges or diverges) returns LF_CANCELLED soon after another thread sets the flag;
// calls made while it is set stop at their first check; after lf_cancel_clear the same calls
// give the same results as before. CPU, then CUDA when a device is present.
#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>

#include "test_util.hpp"

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kK = 2;
constexpr double kCancelAfterSeconds = 0.2;
constexpr double kStopWithinSeconds = 5.0;  // one step takes well under a millisecond

// f(z) = R z with R a rotation by 0.1 rad: ||z|| is kept and every step moves a point by 0.1 ||z||.
struct Rotation {
    float w[4] = {std::cos(0.1f), -std::sin(0.1f), std::sin(0.1f), std::cos(0.1f)};
    lf_mlp_layer layer{kK, kK, w, nullptr, LF_ACT_IDENTITY};
};

lf_stop_rule endless() { return lf_stop_rule{1e-12, 1 << 30, 1e6}; }

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Runs `call` while a second thread sets the flag after kCancelAfterSeconds; returns its status and duration.
template <typename Call>
lf_status cancelled_from_another_thread(Call call, double* seconds) {
    std::thread canceller([] {
        std::this_thread::sleep_for(std::chrono::duration<double>(kCancelAfterSeconds));
        lf_cancel_request();
    });
    const auto t0 = Clock::now();
    const lf_status s = call();
    *seconds = seconds_since(t0);
    canceller.join();
    return s;
}

void cpu() {
    Rotation rot;
    lf_mlp* plan = nullptr;
    LF_OK_OR_FAIL(lf_mlp_create(&rot.layer, 1, 0, &plan));
    const int64_t n = 100000, small = 300;
    auto z0 = lftest::gaussian(5, size_t(n * kK));
    std::vector<float> end(z0.size()), step(static_cast<size_t>(n));
    std::vector<int32_t> its(static_cast<size_t>(n));
    std::vector<int8_t> st(static_cast<size_t>(n));

    // a short, finished run to compare with after the flag is cleared
    const lf_stop_rule capped{1e-12, 50, 1e6};
    LF_OK_OR_FAIL(lf_mlp_fixed_points_cpu(plan, small, z0.data(), &capped, 128, end.data(), its.data(), step.data(), st.data(),
                                          nullptr, 0, 0));
    const std::vector<float> before(end.begin(), end.begin() + small * kK);

    const lf_stop_rule rule = endless();
    double seconds = 0;
    const lf_status s = cancelled_from_another_thread(
        [&] {
            return lf_mlp_fixed_points_cpu(plan, n, z0.data(), &rule, 1024, end.data(), its.data(), step.data(), st.data(), nullptr,
                                           0, 0);
        },
        &seconds);
    LF_CHECK(s == LF_CANCELLED, "an endless run returned %d (%s), expected LF_CANCELLED", s, lf_last_error());
    LF_CHECK(std::strstr(lf_last_error(), "cancel") != nullptr, "the message says it was cancelled: '%s'", lf_last_error());
    LF_CHECK(seconds < kCancelAfterSeconds + kStopWithinSeconds, "the run took %.2f s to stop", seconds);
    std::printf("CPU: an endless fixed-point run stopped %.3f s after the flag was set\n", seconds - kCancelAfterSeconds);

    int32_t requested = 0;
    LF_OK_OR_FAIL(lf_cancel_requested(&requested));
    LF_CHECK(requested == 1, "the flag stays set until cleared");
    LF_CHECK(lf_mlp_fixed_points_cpu(plan, small, z0.data(), &capped, 128, end.data(), its.data(), step.data(), st.data(), nullptr, 0,
                                     0) == LF_CANCELLED, "a run started while the flag is set goes ahead");
    std::vector<float> out(size_t(4096 * kK));
    LF_CHECK(lf_mlp_apply_cpu(plan, 4096, z0.data(), out.data()) == LF_CANCELLED, "a multi-threaded kernel ignores the flag");
    LF_CHECK(lf_mlp_apply_cpu(plan, 1, z0.data(), out.data()) == LF_CANCELLED, "a one-chunk kernel ignores the flag");

    LF_OK_OR_FAIL(lf_cancel_clear());
    LF_OK_OR_FAIL(lf_cancel_requested(&requested));
    LF_CHECK(requested == 0, "lf_cancel_clear leaves the flag set");
    LF_OK_OR_FAIL(lf_mlp_fixed_points_cpu(plan, small, z0.data(), &capped, 128, end.data(), its.data(), step.data(), st.data(),
                                          nullptr, 0, 0));
    LF_CHECK(std::memcmp(before.data(), end.data(), before.size() * sizeof(float)) == 0, "results after clearing differ from before");
    LF_CHECK(its[0] == 50 && st[0] == LF_POINT_CAPPED, "a rotation is capped (iterations %d, state %d)", its[0], st[0]);
    LF_CHECK(lf_cancel_requested(nullptr) == LF_ERR_INVALID_ARGUMENT, "NULL accepted");
    lf_mlp_destroy(plan);
}

void cuda() {
    if (!lftest::cuda_available()) {
        lftest::report_skip("cancellation of the CUDA fixed-point loop");
        return;
    }
    Rotation rot;
    lf_mlp* plan = nullptr;
    LF_OK_OR_FAIL(lf_mlp_create(&rot.layer, 1, 1, &plan));
    const int64_t n = 100000;
    lftest::Device<float> dz(lftest::gaussian(6, static_cast<size_t>(n * kK))), dend(static_cast<size_t>(n * kK)), dstep(static_cast<size_t>(n));
    lftest::Device<int32_t> dits(static_cast<size_t>(n));
    lftest::Device<int8_t> dst(static_cast<size_t>(n));
    const lf_stop_rule rule = endless();
    double seconds = 0;
    const lf_status s = cancelled_from_another_thread(
        [&] {
            return lf_mlp_fixed_points_cuda(plan, n, dz.get(), &rule, 1024, dend.get(), dits.get(), dstep.get(), dst.get(), nullptr, 0,
                                            0, nullptr);
        },
        &seconds);
    LF_CHECK(s == LF_CANCELLED, "an endless CUDA run returned %d (%s), expected LF_CANCELLED", s, lf_last_error());
    LF_CHECK(seconds < kCancelAfterSeconds + kStopWithinSeconds, "the CUDA run took %.2f s to stop", seconds);
    std::printf("CUDA: an endless fixed-point run stopped %.3f s after the flag was set\n", seconds - kCancelAfterSeconds);
    LF_OK_OR_FAIL(lf_cancel_clear());
    const lf_stop_rule capped{1e-12, 50, 1e6};
    LF_OK_OR_FAIL(lf_mlp_fixed_points_cuda(plan, 1000, dz.get(), &capped, 256, dend.get(), dits.get(), dstep.get(), dst.get(), nullptr,
                                           0, 0, nullptr));
    LF_CHECK(dits.to_host()[0] == 50, "a CUDA run after clearing the flag does not run to its cap");
    lf_mlp_destroy(plan);
}

}  // namespace

int main() {
    cpu();
    cuda();
    return lftest::finish("lf_cancel_request stops endless fixed-point runs; lf_cancel_clear restores normal calls");
}
