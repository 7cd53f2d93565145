// The raw measurement behind gpu_roofline.h, kept free of other headers so that nvcc compiles
// only CUDA and the standard library (gpu_roofline.cu; gpu_roofline_stub.cc without nvcc).
#pragma once
#include <string>

namespace versus {

struct GpuRooflineRaw {
  bool available = false;
  std::string reason;  // when not available
  std::string device;
  double peak_gflops = 0, bandwidth_gbs = 0;
};

GpuRooflineRaw run_gpu_roofline_kernels();

}  // namespace versus
