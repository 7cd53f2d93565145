#include "runner/launch_env.h"

#include <cstdlib>

#include <fmt/format.h>

#include "core/errors.h"

namespace versus {
namespace {

int parse_count(const EnvLookup& getenv, const char* name) {
  const char* v = getenv(name);
  const std::string text = v ? v : "";
  size_t used = 0;
  int value = -1;
  try {
    value = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || value < 0)
    throw UserError(fmt::format("the launcher set {}='{}', which is not a non-negative integer", name, text));
  return value;
}

LaunchEnv checked(LaunchEnv e, const char* rank_var, const char* size_var) {
  if (e.world_size < 1 || e.rank >= e.world_size)
    throw UserError(fmt::format("the launcher set {}={} and {}={}: the rank must lie in [0, world size)", rank_var,
                                e.rank, size_var, e.world_size));
  return e;
}

std::string value_or_empty(const EnvLookup& getenv, const char* name) {
  const char* v = getenv(name);
  return v ? v : "";
}

}  // namespace

std::string first_host_of_nodelist(const std::string& nodelist) {
  // Split at the first comma outside brackets.
  size_t end = 0;
  for (int depth = 0; end < nodelist.size(); ++end) {
    if (nodelist[end] == '[') ++depth;
    if (nodelist[end] == ']') --depth;
    if (nodelist[end] == ',' && depth == 0) break;
  }
  const std::string first = nodelist.substr(0, end);
  const size_t open = first.find('[');
  if (open == std::string::npos) return first;
  // prefix[03-05,7]suffix: the first number of the range, with its zero padding.
  const size_t close = first.find(']', open);
  if (close == std::string::npos) throw UserError("cannot read the SLURM host list '" + nodelist + "': unbalanced [");
  const std::string inside = first.substr(open + 1, close - open - 1);
  const std::string number = inside.substr(0, inside.find_first_of(",-"));
  return first.substr(0, open) + number + first.substr(close + 1);
}

std::optional<LaunchEnv> detect_launcher(const EnvLookup& getenv) {
  if (getenv("SLURM_PROCID") && getenv("SLURM_NTASKS")) {
    LaunchEnv e{"slurm", parse_count(getenv, "SLURM_PROCID"), parse_count(getenv, "SLURM_NTASKS"), "", ""};
    std::string nodes = value_or_empty(getenv, "SLURM_STEP_NODELIST");
    if (nodes.empty()) nodes = value_or_empty(getenv, "SLURM_JOB_NODELIST");
    if (!nodes.empty()) e.master_host = first_host_of_nodelist(nodes);
    e.job_id = value_or_empty(getenv, "SLURM_JOB_ID");
    if (const std::string step = value_or_empty(getenv, "SLURM_STEP_ID"); !step.empty()) e.job_id += "." + step;
    return checked(e, "SLURM_PROCID", "SLURM_NTASKS");
  }
  if (getenv("OMPI_COMM_WORLD_RANK") && getenv("OMPI_COMM_WORLD_SIZE")) {
    // Open MPI names no host list to its ranks: the rendezvous host is --master-addr (default: here).
    LaunchEnv e{"openmpi", parse_count(getenv, "OMPI_COMM_WORLD_RANK"), parse_count(getenv, "OMPI_COMM_WORLD_SIZE"),
                value_or_empty(getenv, "MASTER_ADDR"), value_or_empty(getenv, "PMIX_NAMESPACE")};
    if (e.job_id.empty()) e.job_id = value_or_empty(getenv, "OMPI_MCA_orte_ess_jobid");
    return checked(e, "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE");
  }
  if (getenv("RANK") && getenv("WORLD_SIZE")) {
    LaunchEnv e{"env", parse_count(getenv, "RANK"), parse_count(getenv, "WORLD_SIZE"),
                value_or_empty(getenv, "MASTER_ADDR"), value_or_empty(getenv, "TORCHELASTIC_RUN_ID")};
    return checked(e, "RANK", "WORLD_SIZE");
  }
  return std::nullopt;
}

std::optional<LaunchEnv> detect_launcher() {
  return detect_launcher([](const char* name) { return static_cast<const char*>(std::getenv(name)); });
}

}  // namespace versus
