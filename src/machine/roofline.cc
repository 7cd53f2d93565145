#include "machine/roofline.h"

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "core/json_number.h"

namespace versus {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kChains = 12;  // independent FMA chains: enough to cover FMA latency × ports

template <int Width>
struct Vec {
  typedef float type __attribute__((vector_size(Width * 4)));
};

// Compiled once per ISA; the right one is chosen at run time (GCC function multiversioning
// would do too, but explicit dispatch keeps the measured ISA visible in the results).
// The baseline kernel takes no target attribute: clang reads target("default") as multiversioning.
#define VERSUS_FMA_KERNEL(NAME, TARGET_ATTRIBUTE, WIDTH)                            \
  TARGET_ATTRIBUTE __attribute__((noinline)) float NAME(long iters) {               \
    using V = Vec<WIDTH>::type;                                                     \
    V acc[kChains];                                                                 \
    V mul, add;                                                                     \
    for (int l = 0; l < WIDTH; ++l) mul[l] = 0.999999f, add[l] = 1e-7f;            \
    for (int c = 0; c < kChains; ++c)                                               \
      for (int l = 0; l < WIDTH; ++l) acc[c][l] = float(c + l);                     \
    for (long i = 0; i < iters; ++i)                                                \
      for (int c = 0; c < kChains; ++c) acc[c] = acc[c] * mul + add;                \
    float s = 0;                                                                    \
    for (int c = 0; c < kChains; ++c)                                               \
      for (int l = 0; l < WIDTH; ++l) s += acc[c][l];                               \
    return s;                                                                       \
  }

VERSUS_FMA_KERNEL(fma_avx512, __attribute__((target("avx512f"))), 16)
VERSUS_FMA_KERNEL(fma_avx2, __attribute__((target("avx2,fma"))), 8)
VERSUS_FMA_KERNEL(fma_sse, , 4)

struct FmaKernel {
  float (*fn)(long);
  int width;
  const char* isa;
};

FmaKernel pick_kernel() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return {fma_avx512, 16, "avx512f"};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return {fma_avx2, 8, "avx2+fma"};
  return {fma_sse, 4, "sse (no fma)"};
}

constexpr int kTrials = 5;

std::vector<double> measure_peak(int threads, const FmaKernel& k) {
  // ~0.2 s per trial: long enough for turbo clocks to settle and thread start-up to vanish.
  const long iters = 100'000'000;
  std::atomic<float> sink{0};
  std::vector<double> trials;
  for (int trial = 0; trial < kTrials; ++trial) {
    const double s = time_parallel(threads, [&](int) { sink = sink + k.fn(iters); });
    const double flops = 2.0 * k.width * kChains * static_cast<double>(iters) * threads;
    trials.push_back(flops / s * 1e-9);
  }
  return trials;
}

std::vector<double> measure_bandwidth(int threads) {
  // 3 × 256 MiB: far beyond any last-level cache, a virtual machine's host's included (a VM may
  // see 32 MiB of L3 on a host whose cache is many times that; 3 × 64 MiB gave 23–50 GB/s here).
  const size_t n = 1 << 26;
  std::unique_ptr<float[]> a(new float[n]), b(new float[n]), c(new float[n]);
  const size_t chunk = (n + threads - 1) / threads;
  auto range = [&](int t) { return std::pair(t * chunk, std::min(n, (t + 1) * chunk)); };
  // First touch by the thread that will use the pages (NUMA placement).
  time_parallel(threads, [&](int t) {
    auto [lo, hi] = range(t);
    for (size_t i = lo; i < hi; ++i) a[i] = 0, b[i] = 1, c[i] = 2;
  });
  std::vector<double> trials;
  for (int trial = 0; trial < kTrials; ++trial) {
    const double s = time_parallel(threads, [&](int t) {
      auto [lo, hi] = range(t);
      float* __restrict pa = a.get();
      const float* __restrict pb = b.get();
      const float* __restrict pc = c.get();
      for (size_t i = lo; i < hi; ++i) pa[i] = pb[i] + 3.0f * pc[i];
    });
    trials.push_back(3.0 * 4.0 * static_cast<double>(n) / s * 1e-9);
  }
  return trials;
}

}  // namespace

double time_parallel(int threads, const std::function<void(int)>& work) {
  threads = std::max(1, threads);
  std::barrier start(threads);
  std::vector<Clock::time_point> began(static_cast<size_t>(threads)), ended(static_cast<size_t>(threads));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      start.arrive_and_wait();
      began[static_cast<size_t>(t)] = Clock::now();
      work(t);
      ended[static_cast<size_t>(t)] = Clock::now();
    });
  for (auto& th : pool) th.join();
  const auto first = *std::min_element(began.begin(), began.end());
  const auto last = *std::max_element(ended.begin(), ended.end());
  return std::chrono::duration<double>(last - first).count();
}

Roofline measure_roofline(int threads) {
  Roofline r;
  r.threads = std::max(1, threads);
  const FmaKernel k = pick_kernel();
  r.isa = k.isa;
  r.peak_trials = measure_peak(r.threads, k);
  r.bandwidth_trials = measure_bandwidth(r.threads);
  // The best trial: a roofline is what the machine can attain; the trials' spread is recorded.
  r.peak_gflops = *std::max_element(r.peak_trials.begin(), r.peak_trials.end());
  r.bandwidth_gbs = *std::max_element(r.bandwidth_trials.begin(), r.bandwidth_trials.end());
  return r;
}

double roofline_bound_gflops(const Roofline& r, double flops_per_byte) {
  return std::min(r.peak_gflops, r.bandwidth_gbs * flops_per_byte);
}

void to_json(nlohmann::json& j, const Roofline& r) {
  j = {{"peak_gflops", r.peak_gflops}, {"bandwidth_gbs", r.bandwidth_gbs},
       {"threads", r.threads}, {"isa", r.isa},
       {"peak_trials_gflops", r.peak_trials}, {"bandwidth_trials_gbs", r.bandwidth_trials},
       {"method", "peak: 12 independent FMA chains per thread; bandwidth: STREAM triad over 3×256 MiB; best of 5 "
                  "trials, each timed from the first thread's start to the last thread's end as stamped by the "
                  "threads themselves"}};
}

void from_json(const nlohmann::json& j, Roofline& r) {
  r.peak_gflops = j.value("peak_gflops", 0.0);
  r.bandwidth_gbs = j.value("bandwidth_gbs", 0.0);
  r.threads = whole_or(j, "threads", 0);
  r.isa = j.value("isa", std::string());
  r.peak_trials = j.value("peak_trials_gflops", std::vector<double>{});
  r.bandwidth_trials = j.value("bandwidth_trials_gbs", std::vector<double>{});
}

}  // namespace versus
