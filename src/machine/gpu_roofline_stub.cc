// run_gpu_roofline_kernels for a build without a CUDA compiler (CMake found no working nvcc).
#include "machine/gpu_roofline_kernels.h"

namespace versus {

GpuRooflineRaw run_gpu_roofline_kernels() {
  GpuRooflineRaw r;
  r.reason = "versus was built without nvcc (no working CUDA compiler, or VERSUS_GPU_ROOFLINE=OFF), so it has no GPU roofline kernels";
  return r;
}

}  // namespace versus
