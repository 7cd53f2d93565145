// The GPU's own roofline, measured like the CPU's (machine/roofline.h): peak float32 FMA
// throughput and device-memory bandwidth of GPU 0, from two CUDA kernels compiled by nvcc
// (gpu_roofline.cu). A build without nvcc, or a machine without a usable CUDA device, gives
// {"available": false, "reason": ...} instead.
#pragma once
#include <nlohmann/json.hpp>

namespace versus {

// {"available": true, "device", "peak_gflops", "bandwidth_gbs", "method"} or {"available": false, "reason"}.
nlohmann::json measure_gpu_roofline();

}  // namespace versus
