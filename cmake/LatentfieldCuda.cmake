# CUDA settings, included after enable_language(CUDA): explicit architectures (Ampere, Ada,
# Hopper, plus PTX for the newest so later GPUs can JIT it) and the runtime linked
# statically, so the library loads on machines without a CUDA toolkit and reports "no
# device" on machines without a GPU.
set(LF_CUDA_ARCHITECTURES "80-real;86-real;89-real;90" CACHE STRING "CUDA architectures of the latentfield kernels")
set(CMAKE_CUDA_STANDARD 17)
set(CMAKE_CUDA_STANDARD_REQUIRED ON)

function(lf_configure_cuda target)
  set_target_properties(${target} PROPERTIES
    CUDA_ARCHITECTURES "${LF_CUDA_ARCHITECTURES}"
    CUDA_RUNTIME_LIBRARY Static)
endfunction()
message(STATUS "latentfield: CUDA kernels enabled for architectures ${LF_CUDA_ARCHITECTURES}")
