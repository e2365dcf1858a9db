// The CUDA Picard loop shared by the fused engines' twins (lf_mlp_fixed_points_cuda,
// lf_net_fixed_points_cuda), the device-resident counterpart of ../cpu/picard_loop.hpp: up to
// `batch` rows in flight on the device, each step f applied to them and the stopping rule applied
// per row by a kernel running the CPU's code (fixed_point_row.hpp). A row that stops is frozen
// (its state says so; later steps still evaluate it but never count or move it). Every
// kCompactEvery steps the rows still active are compacted on the device (cub::DeviceSelect over
// their flags) and the host reads one number, their count, to refill the freed rows with the next
// starts in start order. So the host waits on the device once per kCompactEvery steps, not every
// step, at the price of at most kCompactEvery - 1 wasted evaluations per row. The cancellation
// flag is checked before every step. apply(rows, in, out) evaluates f on `rows` device rows.
#pragma once

#include <algorithm>
#include <cub/device/device_select.cuh>
#include <limits>
#include <utility>

#include "../cpu/cancel.hpp"
#include "../cpu/fixed_point_row.hpp"
#include "../cpu/lf_error.hpp"
#include "../cpu/validate.hpp"
#include "cuda_util.cuh"

namespace lf::cuda {

constexpr int kCompactEvery = 8;
constexpr unsigned kLoopThreads = 256;

static __global__ void picard_init_kernel(int64_t n, int64_t k, const float* z0, int32_t* iterations, float* step_sq, int8_t* state,
                                   float* traj, int32_t n_slots) {
    const int64_t g = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
    if (g >= n) return;
    iterations[g] = 0;
    step_sq[g] = 0.0f;
    state[g] = LF_POINT_ACTIVE;
    if (traj != nullptr)
        for (int64_t j = 0; j < k; ++j) traj[g * n_slots * k + j] = z0[g * k + j];
}

// Row i in flight is point row_id[i]; frozen rows (already stopped) are skipped and flagged 0.
static __global__ void picard_step_kernel(int64_t active, int64_t k, const float* cur, const float* mapped, double tol, int32_t max_iter,
                                   double bound_sq, const int32_t* row_id, int32_t* iterations, float* step_sq, int8_t* state,
                                   float* endpoints, float* traj, int32_t record_every, int32_t n_slots, int8_t* still_active) {
    const int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
    if (i >= active) return;
    const int32_t g = row_id[i];
    if (state[g] != LF_POINT_ACTIVE) {
        still_active[i] = 0;
        return;
    }
    const int8_t s = lf::step_row(k, cur + i * k, mapped + i * k, tol, max_iter, bound_sq, g, iterations, step_sq, state, endpoints,
                                  traj, record_every, n_slots);
    still_active[i] = s == LF_POINT_ACTIVE ? 1 : 0;
}

static __global__ void picard_iota_kernel(int64_t count, int64_t first, int32_t* ids) {
    const int64_t j = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
    if (j < count) ids[j] = static_cast<int32_t>(first + j);
}

// Row q of dst (and its id) = row positions[q] of src.
static __global__ void picard_gather_kernel(int64_t kept, int64_t k, const int32_t* positions, const float* src, const int32_t* src_ids,
                                     float* dst, int32_t* dst_ids) {
    const int64_t e = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
    if (e >= kept * k) return;
    const int64_t q = e / k, from = positions[q];
    dst[e] = src[from * k + e % k];
    if (e % k == 0) dst_ids[q] = src_ids[from];
}

template <typename Apply>
void picard_loop(int64_t k, int64_t n, const float* z0, const lf_stop_rule* rule, int64_t batch, float* endpoints, int32_t* iterations,
                 float* step_sq, int8_t* state, float* traj, int32_t record_every, int32_t n_slots, cudaStream_t s, Apply&& apply) {
    // the CPU twin's checks and sentences; the entry points call it first too, before they allocate
    lf::validate_picard(n, batch, z0, endpoints, iterations, step_sq, state, rule, traj, record_every, n_slots);
    if (n == 0) return;
    const int64_t b = std::min(batch, n);
    const double bound_sq = rule->divergence_bound * rule->divergence_bound;
    picard_init_kernel<<<blocks_for(n, kLoopThreads), kLoopThreads, 0, s>>>(n, k, z0, iterations, step_sq, state, traj, n_slots);
    check(cudaGetLastError(), "init kernel launch");
    Scratch<float> rows_a(static_cast<size_t>(b * k), s), rows_b(static_cast<size_t>(b * k), s), mapped(static_cast<size_t>(b * k), s);
    Scratch<int32_t> ids_a(static_cast<size_t>(b), s), ids_b(static_cast<size_t>(b), s), index(static_cast<size_t>(b), s),
        positions(static_cast<size_t>(b), s), count(1, s);
    Scratch<int8_t> flags(static_cast<size_t>(b), s);
    picard_iota_kernel<<<blocks_for(b, kLoopThreads), kLoopThreads, 0, s>>>(b, 0, index.get());
    check(cudaGetLastError(), "iota kernel launch");
    size_t temp_bytes = 0;
    check(cub::DeviceSelect::Flagged(nullptr, temp_bytes, index.get(), flags.get(), positions.get(), count.get(), b, s),
          "cub::DeviceSelect::Flagged (size)");
    Scratch<unsigned char> temp(std::max<size_t>(1, temp_bytes), s);
    float* cur = rows_a.get();
    float* spare = rows_b.get();
    float* out = mapped.get();
    int32_t* ids = ids_a.get();
    int32_t* spare_ids = ids_b.get();
    int64_t admitted = 0, active = 0;
    int32_t kept_host = 0;
    try {
        while (true) {
            const int64_t room = std::min(b - active, n - admitted);
            if (room > 0) {
                check(cudaMemcpyAsync(cur + active * k, z0 + admitted * k, sizeof(float) * room * k, cudaMemcpyDeviceToDevice, s),
                      "cudaMemcpyAsync refill");
                picard_iota_kernel<<<blocks_for(room, kLoopThreads), kLoopThreads, 0, s>>>(room, admitted, ids + active);
                check(cudaGetLastError(), "iota kernel launch");
                admitted += room;
                active += room;
            }
            if (active == 0) break;
            for (int r = 0; r < kCompactEvery; ++r) {
                lf::throw_if_cancelled();  // scratch is freed in stream order: queued kernels finish first
                apply(active, cur, out);
                picard_step_kernel<<<blocks_for(active, kLoopThreads), kLoopThreads, 0, s>>>(
                    active, k, cur, out, rule->tol, rule->max_iter, bound_sq, ids, iterations, step_sq, state, endpoints, traj, record_every,
                    n_slots, flags.get());
                check(cudaGetLastError(), "step kernel launch");
                std::swap(cur, out);  // the iterates become the rows; frozen rows move too, but are never read as iterates again
            }
            check(cub::DeviceSelect::Flagged(temp.get(), temp_bytes, index.get(), flags.get(), positions.get(), count.get(), active, s),
                  "cub::DeviceSelect::Flagged");
            check(cudaMemcpyAsync(&kept_host, count.get(), sizeof(int32_t), cudaMemcpyDeviceToHost, s), "cudaMemcpyAsync count");
            check(cudaStreamSynchronize(s), "cudaStreamSynchronize");
            const int64_t kept = kept_host;
            if (kept > 0) {
                picard_gather_kernel<<<blocks_for(kept * k, kLoopThreads), kLoopThreads, 0, s>>>(kept, k, positions.get(), cur, ids, spare,
                                                                                                 spare_ids);
                check(cudaGetLastError(), "gather kernel launch");
                std::swap(cur, spare);
                std::swap(ids, spare_ids);
            }
            active = kept;
        }
    } catch (...) {
        // cancelled (or failed) mid-window: the steps already queued would go on writing the
        // caller's outputs after the call returns, so let them finish first
        (void)cudaStreamSynchronize(s);
        throw;
    }
    check(cudaStreamSynchronize(s), "cudaStreamSynchronize");
}

}  // namespace lf::cuda
