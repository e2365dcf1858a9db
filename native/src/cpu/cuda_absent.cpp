// Built when the library is compiled without CUDA: no device is ever available, and every
// CUDA entry point says so with LF_ERR_NO_DEVICE.
#include <string>

#include "gemm.hpp"
#include "lf_error.hpp"
#include "mlp_plan.hpp"
#include "net_plan.hpp"

namespace {
[[noreturn]] void no_cuda() {
    throw lf::status_error(LF_ERR_NO_DEVICE, "this liblf was built without CUDA (no nvcc at build time)");
}
}  // namespace

namespace lf {
std::string cuda_gemm_description() { return "absent"; }
namespace mlp {
void upload(lf_mlp&) { no_cuda(); }
void free_device(lf_mlp&) noexcept {}
}  // namespace mlp
namespace net {
void upload(const lf_net&) { no_cuda(); }
void free_device(lf_net&) noexcept {}
}  // namespace net
}  // namespace lf

extern "C" {

lf_status lf_cuda_device_count(int32_t* count) {
    return lf::guard("lf_cuda_device_count", [&] {
        lf::require(count != nullptr, "count must not be NULL");
        *count = 0;
    });
}

lf_status lf_cuda_malloc(void**, int64_t) { return lf::guard("lf_cuda_malloc", no_cuda); }
lf_status lf_cuda_free(void* ptr) {
    return lf::guard("lf_cuda_free", [&] {
        if (ptr != nullptr) no_cuda();
    });
}
lf_status lf_cuda_copy_to_device(void*, const void*, int64_t, void*) { return lf::guard("lf_cuda_copy_to_device", no_cuda); }
lf_status lf_cuda_copy_to_host(void*, const void*, int64_t, void*) { return lf::guard("lf_cuda_copy_to_host", no_cuda); }
lf_status lf_cuda_stream_create(void**) { return lf::guard("lf_cuda_stream_create", no_cuda); }
lf_status lf_cuda_stream_destroy(void* stream) {
    return lf::guard("lf_cuda_stream_destroy", [&] {
        if (stream != nullptr) no_cuda();
    });
}
lf_status lf_cuda_stream_synchronize(void*) { return lf::guard("lf_cuda_stream_synchronize", no_cuda); }
lf_status lf_cublas_open(const char*) { return lf::guard("lf_cublas_open", no_cuda); }

lf_status lf_nearest_cuda(int64_t, int64_t, int64_t, const float*, const float*, int32_t, int32_t*, float*, void*) {
    return lf::guard("lf_nearest_cuda", no_cuda);
}
lf_status lf_knn_mean_distance_cuda(int64_t, int64_t, int64_t, const float*, const float*, int32_t, float*, void*) {
    return lf::guard("lf_knn_mean_distance_cuda", no_cuda);
}
lf_status lf_dedup_cuda(int64_t, int64_t, const float*, const int8_t*, const lf_merge_rule*, int32_t*, int32_t*,
                        int64_t*, void*) {
    return lf::guard("lf_dedup_cuda", no_cuda);
}
lf_status lf_omp_cuda(int64_t, int64_t, int64_t, const float*, const float*, int32_t, double, int32_t*, float*,
                      float*, void*) {
    return lf::guard("lf_omp_cuda", no_cuda);
}

lf_status lf_jacobian_spectra_cuda(int64_t, int32_t, const float*, int32_t, double, float*, float*, int32_t*, void*) {
    return lf::guard("lf_jacobian_spectra_cuda", no_cuda);
}
lf_status lf_jacobian_eigenvalues_cuda(int64_t, int32_t, const float*, float*, float*, void*) {
    return lf::guard("lf_jacobian_eigenvalues_cuda", no_cuda);
}
lf_status lf_anderson_step_cuda(int64_t, int32_t, int32_t, double, double, double, const float*, const float*, const int32_t*,
                                float*, float*, int32_t*, float*, float*, int8_t*, void*) {
    return lf::guard("lf_anderson_step_cuda", no_cuda);
}
lf_status lf_solve_batched_cuda(int64_t, int32_t, const double*, const double*, double*, int8_t*, void*) {
    return lf::guard("lf_solve_batched_cuda", no_cuda);
}

lf_status lf_mlp_apply_cuda(const lf_mlp*, int64_t, const float*, float*, void*) { return lf::guard("lf_mlp_apply_cuda", no_cuda); }
lf_status lf_mlp_jacobians_cuda(const lf_mlp*, int64_t, const float*, float*, void*) { return lf::guard("lf_mlp_jacobians_cuda", no_cuda); }
lf_status lf_mlp_fixed_points_cuda(const lf_mlp*, int64_t, const float*, const lf_stop_rule*, int64_t, float*, int32_t*, float*,
                                   int8_t*, float*, int32_t, int32_t, void*) {
    return lf::guard("lf_mlp_fixed_points_cuda", no_cuda);
}

lf_status lf_net_apply_cuda(const lf_net*, int64_t, const float*, float*, void*) { return lf::guard("lf_net_apply_cuda", no_cuda); }
lf_status lf_net_jacobians_cuda(const lf_net*, int64_t, const float*, float*, void*) { return lf::guard("lf_net_jacobians_cuda", no_cuda); }
lf_status lf_net_fixed_points_cuda(const lf_net*, int64_t, const float*, const lf_stop_rule*, int64_t, float*, int32_t*, float*,
                                   int8_t*, float*, int32_t, int32_t, void*) {
    return lf::guard("lf_net_fixed_points_cuda", no_cuda);
}

}  // extern "C"
