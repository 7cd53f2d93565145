#include "machine/nvml.h"

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace versus {
namespace {

// The few NVML entry points used, declared from NVML's stable C ABI (nvml.h is not packaged
// for Debian; these signatures have not changed since the _v2 names were introduced).
using nvmlDevice_t = struct nvmlDevice_st*;
struct NvmlMemory {
  unsigned long long total, free, used;
};
struct NvmlUtilization {
  unsigned int gpu, memory;
};
constexpr int kNvmlSuccess = 0;
constexpr int kNvmlClockSm = 1;

struct Nvml {
  int (*init)() = nullptr;
  int (*shutdown)() = nullptr;
  int (*count)(unsigned int*) = nullptr;
  int (*handle)(unsigned int, nvmlDevice_t*) = nullptr;
  int (*name)(nvmlDevice_t, char*, unsigned int) = nullptr;
  int (*driver)(char*, unsigned int) = nullptr;
  int (*cuda_driver)(int*) = nullptr;
  int (*memory)(nvmlDevice_t, NvmlMemory*) = nullptr;
  int (*utilization)(nvmlDevice_t, NvmlUtilization*) = nullptr;
  int (*power)(nvmlDevice_t, unsigned int*) = nullptr;
  int (*clock)(nvmlDevice_t, int, unsigned int*) = nullptr;

  // Loaded once per process and never unloaded (the driver library does not like dlclose).
  static const Nvml* get() {
    static const Nvml* nvml = load();
    return nvml;
  }

 private:
  template <typename F>
  static bool bind(void* lib, const char* symbol, F& fn) {
    fn = reinterpret_cast<F>(::dlsym(lib, symbol));
    return fn != nullptr;
  }
  static const Nvml* load() {
    void* lib = ::dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) return nullptr;
    static Nvml n;
    const bool ok = bind(lib, "nvmlInit_v2", n.init) && bind(lib, "nvmlShutdown", n.shutdown) &&
                    bind(lib, "nvmlDeviceGetCount_v2", n.count) &&
                    bind(lib, "nvmlDeviceGetHandleByIndex_v2", n.handle) &&
                    bind(lib, "nvmlDeviceGetName", n.name) && bind(lib, "nvmlSystemGetDriverVersion", n.driver) &&
                    bind(lib, "nvmlSystemGetCudaDriverVersion", n.cuda_driver) &&
                    bind(lib, "nvmlDeviceGetMemoryInfo", n.memory) &&
                    bind(lib, "nvmlDeviceGetUtilizationRates", n.utilization) &&
                    bind(lib, "nvmlDeviceGetPowerUsage", n.power) && bind(lib, "nvmlDeviceGetClockInfo", n.clock);
    if (!ok || n.init() != kNvmlSuccess) return nullptr;
    return &n;
  }
};

}  // namespace

nlohmann::json describe_gpus_nvml() {
  nlohmann::json gpus = nlohmann::json::array();
  const Nvml* n = Nvml::get();
  if (!n) return gpus;
  unsigned int count = 0;
  if (n->count(&count) != kNvmlSuccess) return gpus;
  char driver[96] = {};
  n->driver(driver, sizeof driver);
  int cuda = 0;
  n->cuda_driver(&cuda);
  for (unsigned int i = 0; i < count; ++i) {
    nvmlDevice_t d;
    if (n->handle(i, &d) != kNvmlSuccess) continue;
    char name[96] = {};
    n->name(d, name, sizeof name);
    NvmlMemory mem{};
    n->memory(d, &mem);
    gpus.push_back({{"index", i},
                    {"name", name},
                    {"memory_gib", static_cast<double>(mem.total) / (1ULL << 30)},
                    {"driver", driver},
                    {"cuda_driver", std::to_string(cuda / 1000) + "." + std::to_string(cuda % 1000 / 10)}});
  }
  return gpus;
}

GpuMonitor::~GpuMonitor() {
  if (thread_.joinable()) stop();
}

bool GpuMonitor::start() {
  const Nvml* n = Nvml::get();
  nvmlDevice_t d;
  if (!n || n->handle(0, &d) != kNvmlSuccess) return false;
  running_ = true;
  thread_ = std::thread([this, n, d] {
    std::vector<double> util, power, clock;
    double peak_mem = 0;
    while (running_) {
      NvmlUtilization u{};
      NvmlMemory m{};
      unsigned int mw = 0, mhz = 0;
      if (n->utilization(d, &u) == kNvmlSuccess) util.push_back(u.gpu);
      if (n->memory(d, &m) == kNvmlSuccess) peak_mem = std::max(peak_mem, static_cast<double>(m.used) / (1 << 20));
      if (n->power(d, &mw) == kNvmlSuccess) power.push_back(mw / 1000.0);
      if (n->clock(d, kNvmlClockSm, &mhz) == kNvmlSuccess) clock.push_back(mhz);
      std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms_));
    }
    auto stat = [](const std::vector<double>& v) -> nlohmann::json {
      if (v.empty()) return nullptr;
      double sum = 0;
      for (double x : v) sum += x;
      return {{"mean", sum / static_cast<double>(v.size())}, {"max", *std::max_element(v.begin(), v.end())}};
    };
    result_ = {{"samples", util.size()},           {"interval_ms", interval_ms_},
               {"utilization_pct", stat(util)},    {"memory_used_mib", {{"peak", peak_mem}}},
               {"power_w", stat(power)},           {"sm_clock_mhz", stat(clock)}};
  });
  return true;
}

nlohmann::json GpuMonitor::stop() {
  if (!thread_.joinable()) return nullptr;
  running_ = false;
  thread_.join();
  return result_;
}

}  // namespace versus
