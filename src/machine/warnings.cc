#include "machine/warnings.h"

#include <fmt/format.h>

namespace versus {

std::vector<std::string> environment_warnings(const nlohmann::json& machine, int max_threads) {
  std::vector<std::string> out;
  const double load = machine["load_average"][0].get<double>();
  const int cores = machine["cpu"]["logical_cores"].get<int>();
  // A case that wants every core while others run gets time-sliced: 10x slowdowns were seen.
  if (load > 0.5 && load + max_threads > cores + 0.5)
    out.push_back(fmt::format("machine busy: 1-minute load {:.1f} on {} cores while cases use up to {} threads; "
                              "timings will be noisy: stop other work, or run with --threads {}",
                              load, cores, max_threads, std::max(1, cores - static_cast<int>(load + 0.5))));
  const std::string governor = machine["cpu"].value("governor", "");
  if (!governor.empty() && governor != "performance")
    out.push_back(fmt::format("CPU frequency governor is '{}': clocks change with load; for stable numbers "
                              "set it to 'performance' (cpupower frequency-set -g performance)", governor));
  if (machine["memory_available_gib"].get<double>() < 2.0)
    out.push_back(fmt::format("only {:.1f} GiB of memory available: large cases may swap or be killed",
                              machine["memory_available_gib"].get<double>()));
  return out;
}

}  // namespace versus
