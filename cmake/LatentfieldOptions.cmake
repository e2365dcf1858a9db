# Build options of the latentfield native library.
#
# LF_ENABLE_CUDA: AUTO (default) compiles the CUDA twins when nvcc is found, ON requires
# nvcc, OFF never looks for it. The CPU library never depends on the CUDA toolchain.
set(LF_ENABLE_CUDA "AUTO" CACHE STRING "Compile CUDA kernels: AUTO, ON or OFF")
set_property(CACHE LF_ENABLE_CUDA PROPERTY STRINGS AUTO ON OFF)
option(LF_BUILD_TESTS "Build the ctest suite of the native kernels" ON)

set(LF_HAVE_CUDA OFF)
if(NOT LF_ENABLE_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(LF_HAVE_CUDA ON)
  elseif(LF_ENABLE_CUDA STREQUAL "ON")
    message(FATAL_ERROR "LF_ENABLE_CUDA=ON but no CUDA compiler (nvcc) was found; install the CUDA toolkit or configure with -DLF_ENABLE_CUDA=OFF")
  else()
    message(STATUS "latentfield: nvcc not found, building the CPU library only")
  endif()
endif()
