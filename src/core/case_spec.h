// The framework-neutral description of one benchmark case, and how it is timed.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace versus {

// How a worker times a case: warm up until both minimums are met, then take `samples`
// samples, each long enough (>= min_sample_s) that the clock's resolution does not matter.
struct TimingPlan {
  int warmup_min_iterations = 3;
  double warmup_min_seconds = 0.2;
  int samples = 10;
  double min_sample_seconds = 0.01;
};

struct CaseSpec {
  std::string op;          // "gemm"
  nlohmann::json params;   // op-specific shape parameters, e.g. {"m":..,"n":..,"k":..}
  std::string dtype = "float32";
  std::string device = "cpu";
  std::string direction = "forward";  // or "backward": gradients with respect to inputs and weights
  std::string backend;     // "tensorflow", "mxnet", "torch", "native"
  std::string variant;     // backend-specific flavour; "" means the backend's default
  int threads = 1;         // intra-op threads, the same for every backend in a run
  uint64_t seed = 42;
  TimingPlan timing;

  // Stable, file-name-safe identifier: the same case always maps to the same result file.
  std::string id() const;
  // A command line that reruns exactly this case.
  std::string reproducer() const;
};

void to_json(nlohmann::json& j, const TimingPlan& t);
void from_json(const nlohmann::json& j, TimingPlan& t);
void to_json(nlohmann::json& j, const CaseSpec& c);
void from_json(const nlohmann::json& j, CaseSpec& c);

}  // namespace versus
