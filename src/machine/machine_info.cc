#include "machine/machine_info.h"

#include "machine/nvml.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace versus {
namespace {

std::string read_first_line(const std::string& path) {
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);
  return line;
}

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t");
  const auto e = s.find_last_not_of(" \t\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// The largest cache (the last level) that sysfs lists for cpu0, in bytes; 0 when it lists none.
// A virtual machine shows its own share: the host's cache may be larger.
double last_level_cache_bytes() {
  double largest = 0;
  for (int index = 0; index < 8; ++index) {
    std::string size = read_first_line("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/size");
    if (size.empty()) continue;
    const double scale = size.back() == 'K' ? 1024.0 : size.back() == 'M' ? 1024.0 * 1024.0 : 1.0;
    try {
      largest = std::max(largest, std::stod(size) * scale);
    } catch (const std::exception&) {
    }
  }
  return largest;
}

nlohmann::json cpu_facts() {
  std::ifstream f("/proc/cpuinfo");
  std::string line, model, flags_line, mhz;
  std::set<std::pair<std::string, std::string>> physical_cores;
  std::string physical_id, core_id;
  while (std::getline(f, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = trim(line.substr(0, colon)), value = trim(line.substr(colon + 1));
    if (key == "model name" && model.empty()) model = value;
    if (key == "flags" && flags_line.empty()) flags_line = value;
    if (key == "cpu MHz" && mhz.empty()) mhz = value;
    if (key == "physical id") physical_id = value;
    if (key == "core id") physical_cores.insert({physical_id, value});
  }
  // The ISA extensions that decide a kernel's speed; the full list is long and uninformative.
  static const std::set<std::string> interesting = {
      "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
      "avx512_bf16", "amx_tile", "amx_bf16", "amx_int8", "avx_vnni"};
  nlohmann::json flags = nlohmann::json::array();
  std::istringstream fs(flags_line);
  for (std::string flag; fs >> flag;)
    if (interesting.count(flag)) flags.push_back(flag);
  const long logical = ::sysconf(_SC_NPROCESSORS_ONLN);
  return {{"model", model},
          {"logical_cores", logical},
          {"physical_cores", physical_cores.empty() ? logical : static_cast<long>(physical_cores.size())},
          {"isa", flags},
          {"mhz", mhz.empty() ? nlohmann::json(nullptr) : nlohmann::json(std::stod(mhz))},
          {"governor", read_first_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")},
          {"last_level_cache_bytes", last_level_cache_bytes()}};
}

double meminfo_gib(const std::string& key) {
  std::ifstream f("/proc/meminfo");
  std::string k;
  double kib = 0;
  std::string unit;
  while (f >> k >> kib >> unit)
    if (k == key + ":") return kib / (1024.0 * 1024.0);
  return 0;
}

nlohmann::json gpus() {
  // The NVIDIA driver lists each GPU here; NVML details come with the GPU work.
  nlohmann::json out = nlohmann::json::array();
  const std::filesystem::path dir = "/proc/driver/nvidia/gpus";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::ifstream f(entry.path() / "information");
    std::string line;
    while (std::getline(f, line))
      if (line.rfind("Model:", 0) == 0) out.push_back(trim(line.substr(6)));
  }
  return out;
}

}  // namespace

nlohmann::json describe_machine() {
  utsname u{};
  ::uname(&u);
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  double load[3] = {0, 0, 0};
  std::ifstream("/proc/loadavg") >> load[0] >> load[1] >> load[2];
  return {{"hostname", host},
          {"os", std::string(u.sysname) + " " + u.release},
          {"distribution", read_first_line("/etc/debian_version").empty()
                               ? "" : "Debian " + read_first_line("/etc/debian_version")},
          {"cpu", cpu_facts()},
          {"memory_gib", meminfo_gib("MemTotal")},
          {"memory_available_gib", meminfo_gib("MemAvailable")},
          {"load_average", {load[0], load[1], load[2]}},
          {"gpus", gpus()},
          {"gpu_details", describe_gpus_nvml()}};
}

}  // namespace versus
