// Which roofline judges a case: the CPU's (its peak scaled to the case's threads) for CPU cases,
// the GPU's own for GPU cases, and none for a GPU case on a machine whose GPU roofline was not
// measured; and the GPU roofline's measurement says why it cannot run where there is no GPU.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>

#include "machine/gpu_roofline.h"
#include "machine/roofline.h"
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

namespace versus {

// The parallel timer spans the first thread's start to the last thread's end, as the threads
// stamp them: with more threads than cores, and one thread working longer than the others, the
// time is never shorter than the longest thread's own work.
TEST(Roofline, TheParallelTimerCoversTheSlowestThread) {
  const int threads = 4;  // more than this machine's cores: someone starts late
  const double seconds = time_parallel(threads, [](int t) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(t == threads - 1 ? 120 : 20);
    while (std::chrono::steady_clock::now() < until) {
    }
  });
  EXPECT_GE(seconds, 0.120);
}

// The measured roofline against simple, independent estimates: a one-thread triad timed by a
// plain loop here (the roofline's bandwidth cannot be many times it: one core already draws a
// large share of the memory bandwidth on this kind of machine), and the peak against the core's
// FMA width × 2 ports × 2 flops × clock (from /proc/cpuinfo, with room for turbo).
TEST(Roofline, MeasuredRooflineAgreesWithIndependentEstimates) {
  const Roofline r = measure_roofline(1);
  ASSERT_EQ(r.peak_trials.size(), 5u);
  ASSERT_EQ(r.bandwidth_trials.size(), 5u);
  EXPECT_DOUBLE_EQ(r.bandwidth_gbs, *std::max_element(r.bandwidth_trials.begin(), r.bandwidth_trials.end()));

  const size_t n = 1 << 25;  // 3 × 128 MiB: beyond the host's cache, not only the VM's
  std::vector<float> a(n, 0.f), b(n, 1.f), c(n, 2.f);
  double best = 0;
  for (int trial = 0; trial < 3; ++trial) {
    const auto t0 = std::chrono::steady_clock::now();
    for (size_t i = 0; i < n; ++i) a[i] = b[i] + 3.0f * c[i];
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, 12.0 * static_cast<double>(n) / s * 1e-9);
  }
  EXPECT_GT(a[n / 2], 6.9f);
  EXPECT_LT(r.bandwidth_gbs, 3.0 * best) << "roofline " << r.bandwidth_gbs << " GB/s, plain loop " << best;
  EXPECT_GT(r.bandwidth_gbs, 0.3 * best) << "roofline " << r.bandwidth_gbs << " GB/s, plain loop " << best;

  // The core's highest clock where cpufreq says it (a host idling on powersave shows a low
  // current clock in /proc/cpuinfo), else /proc/cpuinfo's.
  double mhz = 0;
  if (std::ifstream max_khz("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq"); max_khz >> mhz) mhz /= 1000;
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line) && mhz == 0;)
    if (line.starts_with("cpu MHz")) mhz = std::stod(line.substr(line.find(':') + 1));
  if (mhz <= 0) GTEST_SKIP() << "/proc/cpuinfo gives no clock";
  const int width = r.isa == "avx512f" ? 16 : r.isa == "avx2+fma" ? 8 : 4;
  const double theoretical = mhz * 1e-3 * width * 2 * 2;  // GFLOP/s of one core at its nominal clock
  EXPECT_LT(r.peak_gflops, 1.6 * theoretical) << r.isa << " at " << mhz << " MHz";
  EXPECT_GT(r.peak_gflops, 0.2 * theoretical) << r.isa << " at " << mhz << " MHz";
}

}  // namespace versus
