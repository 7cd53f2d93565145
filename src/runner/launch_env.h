// Where a distributed job's process stands: its rank, the world size and the rendezvous host,
// read from the environment of the launcher that started it (srun, mpirun, torchrun-style
// RANK/WORLD_SIZE). versus never starts remote processes itself: a scheduler does.
#pragma once
#include <functional>
#include <optional>
#include <string>

namespace versus {

struct LaunchEnv {
  std::string launcher;     // "slurm", "openmpi" or "env" (RANK/WORLD_SIZE)
  int rank = 0;
  int world_size = 1;
  std::string master_host;  // from the launcher's host list, or MASTER_ADDR; empty when it says none
  std::string job_id;       // the same in every rank of one job (names the shared results folder)
};

using EnvLookup = std::function<const char*(const char*)>;

// The launcher's view, or nullopt when no launcher variables are set (a plain local run).
// SLURM is checked first, then Open MPI, then RANK/WORLD_SIZE. Throws UserError naming the
// variable when one is set but malformed, or the rank is outside [0, world size).
std::optional<LaunchEnv> detect_launcher(const EnvLookup& getenv);
std::optional<LaunchEnv> detect_launcher();  // from this process's environment

// The first host of a SLURM host list: "node[03-05,7],gpu1" -> "node03"; "a,b" -> "a".
std::string first_host_of_nodelist(const std::string& nodelist);

}  // namespace versus
