// One `versus run dist` job (or this process's ranks of one under srun/mpirun): for every rank
// count and framework, the ranks train on the framework's own engine (dist_runner.h); rank 0 then
// runs the single-process references and writes distributed.json with each job's summary.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "nets/network.h"
#include "runner/dist_runner.h"
#include "runner/train_job.h"

namespace versus {

struct DistJob {
  Network net;
  ChosenWorkers chosen;
  DistSettings settings;          // settings.launch: the launcher this process runs under, if any
  std::vector<int> sizes;         // rank counts, ascending
  std::filesystem::path out;      // parent of the results folder
  int first_port = 29500;         // under a launcher: the ranks exchange their hosts here, framework i takes
                                  // the 32 from first_port + 1 + 32 i (local runs pick free ports)
  bool verbose = false;
};

struct DistOutcome {
  std::filesystem::path dir;
  int failed = 0;                 // jobs that failed (on a rank other than 0: its own runs)
  bool parity_failed = false;
  int rank = 0;                   // this process's rank: only rank 0 summarises the job
};

// Runs the job; throws Interrupted on Ctrl-C (the finished ranks' runs are saved).
DistOutcome run_dist_job(const DistJob& job);

}  // namespace versus
