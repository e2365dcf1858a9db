// Device memory and streams for callers without the CUDA toolkit (see lf.h). Every call with work
// to do first makes sure a device is usable, so a machine without one gets LF_ERR_NO_DEVICE.
#include "cuda_util.cuh"

extern "C" {

lf_status lf_cuda_malloc(void** ptr, int64_t bytes) {
    return lf::guard("lf_cuda_malloc", [&] {
        lf::require(ptr != nullptr && bytes >= 0, "ptr must not be NULL and bytes must be >= 0");
        lf::cuda::require_device();
        *ptr = nullptr;
        if (bytes > 0) lf::cuda::check(cudaMalloc(ptr, static_cast<size_t>(bytes)), "cudaMalloc");
    });
}

lf_status lf_cuda_free(void* ptr) {
    return lf::guard("lf_cuda_free", [&] {
        if (ptr == nullptr) return;
        lf::cuda::require_device();
        lf::cuda::check(cudaFree(ptr), "cudaFree");
    });
}

lf_status lf_cuda_copy_to_device(void* dst, const void* src, int64_t bytes, void* stream) {
    return lf::guard("lf_cuda_copy_to_device", [&] {
        lf::require(bytes >= 0 && (bytes == 0 || (dst && src)), "dst and src must not be NULL; bytes >= 0");
        if (bytes == 0) return;
        lf::cuda::require_device();
        lf::cuda::check(cudaMemcpyAsync(dst, src, static_cast<size_t>(bytes), cudaMemcpyHostToDevice,
                                        lf::cuda::as_stream(stream)), "cudaMemcpyAsync to device");
    });
}

lf_status lf_cuda_copy_to_host(void* dst, const void* src, int64_t bytes, void* stream) {
    return lf::guard("lf_cuda_copy_to_host", [&] {
        lf::require(bytes >= 0 && (bytes == 0 || (dst && src)), "dst and src must not be NULL; bytes >= 0");
        if (bytes == 0) return;
        lf::cuda::require_device();
        lf::cuda::check(cudaMemcpyAsync(dst, src, static_cast<size_t>(bytes), cudaMemcpyDeviceToHost,
                                        lf::cuda::as_stream(stream)), "cudaMemcpyAsync to host");
    });
}

lf_status lf_cuda_stream_create(void** stream) {
    return lf::guard("lf_cuda_stream_create", [&] {
        lf::require(stream != nullptr, "stream must not be NULL");
        lf::cuda::require_device();
        cudaStream_t s = nullptr;
        lf::cuda::check(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreate");
        *stream = s;
    });
}

lf_status lf_cuda_stream_destroy(void* stream) {
    return lf::guard("lf_cuda_stream_destroy", [&] {
        if (stream == nullptr) return;
        lf::cuda::require_device();
        lf::cuda::check(cudaStreamDestroy(lf::cuda::as_stream(stream)), "cudaStreamDestroy");
    });
}

lf_status lf_cuda_stream_synchronize(void* stream) {
    return lf::guard("lf_cuda_stream_synchronize", [&] {
        lf::cuda::require_device();
        lf::cuda::check(cudaStreamSynchronize(lf::cuda::as_stream(stream)), "cudaStreamSynchronize");
    });
}

}  // extern "C"
