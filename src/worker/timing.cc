#include "worker/timing.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace versus {
namespace {
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}
}  // namespace

TimingResult time_op(OpInstance& op, const TimingPlan& plan) {
  TimingResult r;
  // Warm-up: caches, allocator pools, JIT kernels, thread pools spin up.
  const auto warm_start = Clock::now();
  double last_iteration = 0;
  while (r.warmup_iterations < plan.warmup_min_iterations ||
         seconds_since(warm_start) < plan.warmup_min_seconds) {
    const auto t0 = Clock::now();
    op.run();
    last_iteration = seconds_since(t0);
    ++r.warmup_iterations;
  }
  r.warmup_seconds = seconds_since(warm_start);
  // Enough iterations per sample that a sample lasts at least min_sample_seconds.
  if (last_iteration > 0)
    r.iterations_per_sample = std::max<int64_t>(
        1, static_cast<int64_t>(std::ceil(plan.min_sample_seconds / last_iteration)));
  r.samples_seconds.reserve(static_cast<size_t>(plan.samples));
  for (int s = 0; s < plan.samples; ++s) {
    const auto t0 = Clock::now();
    for (int64_t i = 0; i < r.iterations_per_sample; ++i) op.run();
    r.samples_seconds.push_back(seconds_since(t0) / static_cast<double>(r.iterations_per_sample));
  }
  return r;
}

}  // namespace versus
