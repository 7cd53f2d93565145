// `versus run dist`: one network trained data-parallel by N ranks through each framework's own
// distributed engine, next to single-process runs of the same global batches (the parity
// reference and the scaling baseline).
//
// Locally every rank is a worker process on loopback, started here; under a launcher (srun,
// mpirun) this process is one rank and starts only its own worker (rank 0 also the engine's
// helper roles, and afterwards the single-process baselines and the summary).
//
// A distributed results folder: distributed.json (settings, plan, and the summary per
// backend), context.json, runs/<backend>-rank<R>.json (versus.train/1 with "distributed"),
// runs/<backend>-single.json (global batch) and runs/<backend>-single-local.json (one rank's
// share of the batch, in one process: the baseline of the overhead).
#pragma once
#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runner/launch_env.h"
#include "runner/train_runner.h"
#include "core/distributed_spec.h"

namespace versus {


struct DistSettings {
  TrainSettings train;              // threads = per rank; batch = the global batch
  int world_size = 2;
  std::string host = "127.0.0.1";   // rendezvous host (rank 0's)
  int port = 0;                     // 0: a free port found here (local runs only)
  std::optional<LaunchEnv> launch;  // set: this process is one rank of a launcher's job
  double tolerance = 1e-3;
  int cores = 1;                    // of this machine, to judge oversubscription
};

// The cores each local rank is pinned to ("0", "1", or "0,1"), or "" where ranks × threads
// exceed `cores` (then nothing is pinned: the ranks share the cores, and the summary says so).
std::string cores_of_rank(int rank, int threads, int world_size, int cores);

// Runs `world_size` ranks of one backend, those in `local_ranks` as processes here (with the
// engine's helper roles when `start_helpers`), and returns their documents in the order of
// `local_ranks`. When one rank fails, the others are stopped at once and say why. Under a
// launcher the other ranks run elsewhere: `peer_failure`, asked every half second while the
// ranks run, returns the document of one that failed (null while none has), which stops the
// local ones too.
using PeerFailure = std::function<nlohmann::json()>;
std::vector<nlohmann::json> run_ranks(const nlohmann::json& request, const WorkerInfo& worker, const DistributedSpec& spec,
                                      const std::vector<int>& local_ranks, bool start_helpers, const DistSettings& s,
                                      const nlohmann::json& context, bool verbose, const PeerFailure& peer_failure = {});

// The summary of one backend's job (schema part of versus.distributed/1): status, the step
// time of the job (per step, the slowest rank), of the single process on the global batch and
// on one rank's share, speed-up and scaling efficiency, communication versus compute, bytes,
// memory per rank, and parity (ranks against each other; the job against the single run).
nlohmann::json summarize_job(const std::vector<nlohmann::json>& ranks, const nlohmann::json& single,
                             const nlohmann::json& single_local, const DistSettings& s);

}  // namespace versus
