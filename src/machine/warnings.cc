#include "machine/warnings.h"

#include <algorithm>

#include <fmt/format.h>

namespace versus {

namespace {

// A field of the recorded machine where it has the expected type, else `fallback`: the machine may
// come from a folder cut short or edited, and const operator[] of a missing key is undefined
// behaviour (found by fuzz/results_fuzzer).
const nlohmann::json& field(const nlohmann::json& j, const char* key) {
  static const nlohmann::json none;
  return j.is_object() && j.contains(key) ? j[key] : none;
}
double number_or(const nlohmann::json& j, double fallback) { return j.is_number() ? j.get<double>() : fallback; }

}  // namespace

std::vector<std::string> environment_warnings(const nlohmann::json& machine, int max_threads) {
  std::vector<std::string> out;
  const nlohmann::json& loads = field(machine, "load_average");
  const double load = loads.is_array() && !loads.empty() ? number_or(loads[0], 0) : 0;
  // No machine recorded, or a count no machine has (a damaged file; casting 1e20 to int is
  // undefined, found by fuzz/results_fuzzer): nothing to judge.
  const double recorded_cores = number_or(field(field(machine, "cpu"), "logical_cores"), 0);
  if (!(recorded_cores >= 1 && recorded_cores <= 1e6)) return out;
  const int cores = static_cast<int>(recorded_cores);
  // A case that wants every core while others run gets time-sliced: 10x slowdowns were seen.
  if (load > 0.5 && load + max_threads > cores + 0.5)
    out.push_back(fmt::format("machine busy: 1-minute load {:.1f} on {} cores while cases use up to {} threads; "
                              "timings will be noisy: stop other work, or run with --threads {}",
                              load, cores, max_threads, std::max(1, cores - static_cast<int>(std::min(load, double(cores)) + 0.5))));
  const nlohmann::json& governor_field = field(field(machine, "cpu"), "governor");
  const std::string governor = governor_field.is_string() ? governor_field.get<std::string>() : "";
  if (!governor.empty() && governor != "performance")
    out.push_back(fmt::format("CPU frequency governor is '{}': clocks change with load; for stable numbers "
                              "set it to 'performance' (cpupower frequency-set -g performance)", governor));
  if (const double gib = number_or(field(machine, "memory_available_gib"), 1e9); gib < 2.0)
    out.push_back(fmt::format("only {:.1f} GiB of memory available: large cases may swap or be killed", gib));
  return out;
}

}  // namespace versus
