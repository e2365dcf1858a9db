// Built when nvcc is found: asks the (statically linked) CUDA runtime for devices. A machine
// without a driver or a GPU reports 0 devices rather than an error.
#include <cuda_runtime.h>

#include "../cpu/lf_error.hpp"

extern "C" lf_status lf_cuda_device_count(int32_t* count) {
    return lf::guard("lf_cuda_device_count", [&] {
        lf::require(count != nullptr, "count must not be NULL");
        int n = 0;
        const cudaError_t err = cudaGetDeviceCount(&n);
        if (err != cudaSuccess) {
            (void)cudaGetLastError();  // clear the sticky error: no driver / no device
            n = 0;
        }
        *count = static_cast<int32_t>(n);
    });
}
