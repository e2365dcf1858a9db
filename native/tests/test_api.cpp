// The C API contract: statuses, last-error messages, no device reported without a GPU.
#include <cstdio>
#include <cstring>

#include "latentfield/lf.h"

static int failures = 0;
#define CHECK(cond, msg)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            ++failures;                                                    \
            std::fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, msg); \
        }                                                                  \
    } while (0)

int main() {
    CHECK(std::strlen(lf_version()) > 0, "version string is empty");
    CHECK(std::strcmp(lf_last_error(), "") == 0, "fresh thread has an error message");

    int32_t count = -1;
    CHECK(lf_cuda_device_count(&count) == LF_OK && count >= 0, "device count failed");
    std::printf("CUDA devices visible to liblf: %d\n", count);
    CHECK(lf_cuda_device_count(nullptr) == LF_ERR_INVALID_ARGUMENT, "NULL count accepted");
    CHECK(std::strstr(lf_last_error(), "count must not be NULL") != nullptr, "message for NULL count");
    if (count == 0) {
        // lf.h: every CUDA entry point reports a missing device as LF_ERR_NO_DEVICE, memory calls included
        char host[8] = {0};
        void* fake = host;
        CHECK(lf_cuda_free(fake) == LF_ERR_NO_DEVICE, "lf_cuda_free without a device is not LF_ERR_NO_DEVICE");
        CHECK(lf_cuda_copy_to_device(fake, host, 8, nullptr) == LF_ERR_NO_DEVICE, "copy to device without a device is not LF_ERR_NO_DEVICE");
        CHECK(lf_cuda_copy_to_host(host, fake, 8, nullptr) == LF_ERR_NO_DEVICE, "copy to host without a device is not LF_ERR_NO_DEVICE");
        CHECK(lf_cuda_stream_synchronize(nullptr) == LF_ERR_NO_DEVICE, "synchronize without a device is not LF_ERR_NO_DEVICE");
        CHECK(std::strstr(lf_last_error(), "no CUDA device") != nullptr || std::strstr(lf_last_error(), "without CUDA") != nullptr ||
                  std::strstr(lf_last_error(), "driver") != nullptr, "the reason for no device is not named");
        CHECK(lf_cuda_free(nullptr) == LF_OK, "freeing NULL is a no-op even without a device");
    }

    float z[2] = {0, 0};
    int32_t row[1] = {0}, it[1] = {0}, keep[1];
    float step[1], end[2];
    int8_t state[1] = {0};
    int64_t n_keep = 0;
    lf_stop_rule bad_tol{0.0, 10, 1.0};
    CHECK(lf_fixed_point_step_cpu(1, 2, z, z, &bad_tol, row, it, step, state, end, nullptr, 0, 0, keep, nullptr,
                                  &n_keep) == LF_ERR_INVALID_ARGUMENT, "tol 0 accepted");
    CHECK(std::strstr(lf_last_error(), "tol") != nullptr, "message names tol");
    CHECK(it[0] == 0, "failed call wrote iterations");
    lf_stop_rule ok{1e-6, 10, 1.0};
    CHECK(lf_fixed_point_step_cpu(1, 2, z, z, &ok, row, it, step, state, end, nullptr, 0, 0, keep, z, &n_keep) ==
              LF_ERR_INVALID_ARGUMENT, "aliasing z_out accepted");
    CHECK(lf_fixed_point_step_cpu(1, 2, z, z, &ok, row, it, step, state, end, nullptr, 0, 0, keep, nullptr, &n_keep) ==
              LF_OK, "valid call failed");
    CHECK(std::strcmp(lf_last_error(), "") == 0, "success leaves an error message");
    CHECK(state[0] == LF_POINT_CONVERGED && it[0] == 1 && n_keep == 0, "zero step converges at t = 1");
    CHECK(lf_fixed_point_step_cpu(1, 2, z, z, &ok, row, it, step, state, end, nullptr, 0, 0, keep, nullptr, &n_keep) ==
              LF_ERR_INVALID_ARGUMENT, "non-active row accepted");
    if (failures) return 1;
    std::printf("C API contract holds\n");
    return 0;
}
