// NVIDIA's management library, loaded at run time (dlopen): GPU facts for the machine context
// and a sampler of utilisation, memory, power and SM clock while a worker runs. Nothing links
// against the driver, so the same binary runs (and is tested) on machines without a GPU.
#pragma once
#include <atomic>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

namespace versus {

// Name, memory, driver and CUDA driver version of every GPU; empty array when NVML is absent.
nlohmann::json describe_gpus_nvml();

// Samples GPU 0 every `interval_ms` on a background thread from start() to stop().
class GpuMonitor {
 public:
  explicit GpuMonitor(int interval_ms = 50) : interval_ms_(interval_ms) {}
  ~GpuMonitor();
  // False (and no thread) when NVML or a GPU is not available.
  bool start();
  // {"samples", "utilization_pct": {"mean","max"}, "memory_used_mib": {"peak"},
  //  "power_w": {"mean","max"}, "sm_clock_mhz": {"mean","max"}}; null when never started.
  nlohmann::json stop();

 private:
  int interval_ms_;
  std::atomic<bool> running_{false};
  std::thread thread_;
  nlohmann::json result_;
};

}  // namespace versus
