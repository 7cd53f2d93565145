#include "machine/gpu_roofline.h"

#include "machine/gpu_roofline_kernels.h"

namespace versus {

nlohmann::json measure_gpu_roofline() {
  const GpuRooflineRaw r = run_gpu_roofline_kernels();
  if (!r.available) return {{"available", false}, {"reason", r.reason}};
  return {{"available", true},
          {"device", r.device},
          {"peak_gflops", r.peak_gflops},
          {"bandwidth_gbs", r.bandwidth_gbs},
          {"method", "peak: 8 independent float32 FMA chains per thread on every SM; bandwidth: STREAM triad over "
                     "3×256 MiB in device memory; best of 5 launches after a warm-up, timed with CUDA events"}};
}

}  // namespace versus
