// Which roofline judges a case: the CPU's (its peak scaled to the case's threads) for CPU cases,
// the GPU's own for GPU cases, and none for a GPU case on a machine whose GPU roofline was not
// measured; and the GPU roofline's measurement says why it cannot run where there is no GPU.
#include <gtest/gtest.h>

#include "machine/gpu_roofline.h"
#include "runner/execute.h"

namespace versus {
namespace {

const nlohmann::json kContext = {
    {"roofline", {{"peak_gflops", 200.0}, {"bandwidth_gbs", 20.0}, {"threads", 2}}},
    {"gpu_roofline", {{"available", true}, {"peak_gflops", 60000.0}, {"bandwidth_gbs", 3000.0}}}};

CaseSpec on(const std::string& device, int threads) {
  CaseSpec c;
  c.op = "gemm";
  c.device = device;
  c.threads = threads;
  return c;
}

}  // namespace

TEST(Roofline, EachDeviceIsJudgedByItsOwnRoofline) {
  // Compute-bound (1000 flop/byte): the peak; CPU peak scaled to 1 of 2 threads.
  EXPECT_DOUBLE_EQ(*roofline_bound(on("cpu", 2), kContext, 1e9, 1e6), 200.0);
  EXPECT_DOUBLE_EQ(*roofline_bound(on("cpu", 1), kContext, 1e9, 1e6), 100.0);
  EXPECT_DOUBLE_EQ(*roofline_bound(on("cuda", 1), kContext, 1e9, 1e6), 60000.0);
  // Bandwidth-bound (0.25 flop/byte): bandwidth × intensity.
  EXPECT_DOUBLE_EQ(*roofline_bound(on("cpu", 2), kContext, 1e6, 4e6), 5.0);
  EXPECT_DOUBLE_EQ(*roofline_bound(on("cuda", 1), kContext, 1e6, 4e6), 750.0);
  // A GPU case is never held to the CPU's roofline.
  nlohmann::json no_gpu = kContext;
  no_gpu["gpu_roofline"] = {{"available", false}, {"reason", "no usable CUDA device"}};
  EXPECT_FALSE(roofline_bound(on("cuda", 1), no_gpu, 1e9, 1e6).has_value());
  no_gpu.erase("gpu_roofline");
  EXPECT_FALSE(roofline_bound(on("cuda", 1), no_gpu, 1e9, 1e6).has_value());
}

TEST(Roofline, TheGpuRooflineSaysWhyItCannotMeasure) {
  const nlohmann::json r = measure_gpu_roofline();
  if (r.value("available", false)) {  // a machine with a GPU
    EXPECT_GT(r["peak_gflops"].get<double>(), 0.0);
    EXPECT_GT(r["bandwidth_gbs"].get<double>(), 0.0);
    return;
  }
  const std::string reason = r.value("reason", "");
  EXPECT_TRUE(reason.starts_with("no usable CUDA device: ") || reason.starts_with("versus was built without nvcc"))
      << reason;
}

}  // namespace versus
