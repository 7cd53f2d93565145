// The timing loop shared by all workers: warm up, calibrate, take samples.
#pragma once
#include <cstdint>
#include <vector>

#include "core/case_spec.h"
#include "worker/backend.h"

namespace versus {

struct TimingResult {
  std::vector<double> samples_seconds;  // seconds per iteration, one entry per sample
  int64_t iterations_per_sample = 1;
  int64_t warmup_iterations = 0;
  double warmup_seconds = 0;
};

TimingResult time_op(OpInstance& op, const TimingPlan& plan);

}  // namespace versus
