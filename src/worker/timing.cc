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
  while (r.warmup_iterations < plan.warmup_min_iterations ||
         seconds_since(warm_start) < plan.warmup_min_seconds) {
    op.run();
    ++r.warmup_iterations;
  }
  r.warmup_seconds = seconds_since(warm_start);
  // Calibrate on a run of iterations, not on one: a single slow warm-up iteration (a page
  // fault, a preempted thread) would otherwise leave samples far shorter than planned.
  // Two rounds, keeping the larger count: one stall (a preempted thread, a JIT on first use
  // at this thread count) in a round would otherwise shrink every sample to a single iteration.
  int64_t calib_iterations = 1;
  for (int round = 0; round < 2; ++round) {
    const auto calib_start = Clock::now();
    int64_t n = 0;
    while (seconds_since(calib_start) < plan.min_sample_seconds) {
      op.run();
      ++n;
    }
    calib_iterations = std::max(calib_iterations, n);
  }
  r.iterations_per_sample = calib_iterations;
  r.samples_seconds.reserve(static_cast<size_t>(plan.samples));
  for (int s = 0; s < plan.samples; ++s) {
    const auto t0 = Clock::now();
    for (int64_t i = 0; i < r.iterations_per_sample; ++i) op.run();
    r.samples_seconds.push_back(seconds_since(t0) / static_cast<double>(r.iterations_per_sample));
  }
  return r;
}

}  // namespace versus
