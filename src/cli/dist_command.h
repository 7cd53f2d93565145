// `versus run dist`: data-parallel training on each framework's own distributed engine
// (runner/dist_runner.h), locally or as one rank of a job started by srun or mpirun.
#pragma once
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/train_commands.h"

namespace versus {

struct DistFlags {
  TrainFlags train;
  std::vector<int> workers;   // rank counts to run (a sweep when several); empty: 2 locally, the launcher's under one
  std::string master_addr;    // rendezvous host; default: the launcher's first host, else 127.0.0.1
  int port = 29500;           // under a launcher: the first port (each backend takes the next 32)
};

void add_dist_flags(CLI::App& cmd, DistFlags& f);
// Exit 0, 2 bad input, 3 a backend's job failed, 5 parity failed.
int cmd_dist(DistFlags f);

}  // namespace versus
