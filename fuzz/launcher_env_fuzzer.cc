// Feeds detect_launcher (runner/launch_env.h), how every rank of `versus run dist` learns its rank,
// world size and rendezvous host, an environment made from the input: NAME=value entries separated
// by newlines or NUL bytes (SLURM_PROCID, SLURM_NTASKS, SLURM_STEP_NODELIST, OMPI_COMM_WORLD_RANK,
// RANK, WORLD_SIZE, MASTER_ADDR, ...; a later entry wins, as in env(1)). Also first_host_of_nodelist
// on every value. A launcher's bad variable must be a UserError naming it; an accepted one must
// have 0 <= rank < world size.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include "core/errors.h"
#include "fuzz_util.h"
#include "runner/launch_env.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace versus;
  std::map<std::string, std::string> env;
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (size_t begin = 0; begin < text.size();) {
    size_t end = text.find_first_of(std::string("\n\0", 2), begin);
    if (end == std::string::npos) end = text.size();
    const std::string entry = text.substr(begin, end - begin);
    if (const size_t eq = entry.find('='); eq != std::string::npos && eq > 0)
      env[entry.substr(0, eq)] = entry.substr(eq + 1);
    begin = end + 1;
  }
  for (const auto& [name, value] : env) {
    try {
      (void)first_host_of_nodelist(value);
    } catch (const UserError& e) {
      fuzz::rejected(e);
    }
  }
  const EnvLookup lookup = [&env](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  try {
    if (const auto e = detect_launcher(lookup))
      if (e->rank < 0 || e->world_size < 1 || e->rank >= e->world_size || e->launcher.empty()) std::abort();
  } catch (const UserError& e) {
    fuzz::rejected(e);
  }
  return 0;
}
