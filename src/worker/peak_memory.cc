#include "worker/peak_memory.h"

#include <fstream>
#include <string>

namespace versus {
namespace {

// A "Name:  123 kB" line of /proc/self/status, in MiB.
std::optional<double> status_mib(const std::string& name) {
  std::ifstream f("/proc/self/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind(name + ":", 0) == 0) return std::stod(line.substr(name.size() + 1)) / 1024.0;
  return std::nullopt;
}

}  // namespace

PeakMemory::PeakMemory() {
  std::ofstream reset("/proc/self/clear_refs");
  if (!(reset << "5" << std::flush)) return;
  start_mib_ = status_mib("VmRSS");
}

std::optional<double> PeakMemory::increase_mib() const {
  if (!start_mib_) return std::nullopt;
  const std::optional<double> peak = status_mib("VmHWM");
  if (!peak) return std::nullopt;
  return *peak > *start_mib_ ? *peak - *start_mib_ : 0.0;
}

}  // namespace versus
