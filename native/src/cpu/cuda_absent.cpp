// Built when the library is compiled without CUDA: no device is ever available.
#include "lf_error.hpp"

extern "C" lf_status lf_cuda_device_count(int32_t* count) {
    return lf::guard("lf_cuda_device_count", [&] {
        lf::require(count != nullptr, "count must not be NULL");
        *count = 0;
    });
}
