// One `versus run train` or `versus parity` job, start to end: the chosen workers each train the
// network into a new results folder (training.json, runs/, parity.json), then the repeats, parity
// and, with explain, the ops of one step timed beside it. The CLI only parses flags into a TrainJob.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "nets/network.h"
#include "runner/execute.h"  // Interrupted
#include "runner/train_runner.h"
#include "runner/workers.h"

namespace versus {

// The workers of a --backends list, and the training modes asked of each ("backend:mode"
// entries, or every mode with modes_flag "all"). UserError for a backend that is not available.
struct ChosenWorkers {
  std::map<std::string, WorkerInfo> workers;
  std::map<std::string, std::vector<std::string>> modes;
};
ChosenWorkers choose_workers(const std::string& backend_list, const std::string& modes_flag);

struct TrainJob {
  Network net;
  TrainSettings settings;
  ChosenWorkers chosen;
  std::string folder_name;              // e.g. "train-lenet": the results folder's name before its time
  std::filesystem::path out;            // parent of the results folder
  std::vector<int> thread_counts;       // each trains every backend
  std::vector<std::string> pipelines = {"memory"};  // the Python tier's input pipelines ("all": each frontend's)
  RepeatSettings repeats;
  size_t parity_steps = 50;             // the first steps parity compares (0: all)
  double tolerance = 1e-3;              // largest relative loss difference parity accepts
  double target_accuracy = 0;           // > 0: record the time to reach it
  bool explain = false;                 // also time the ops of one step
  bool verbose = false;
};

struct TrainingOutcome {
  std::filesystem::path dir;
  int failed = 0;  // runs that failed (unsupported is an answer, not a failure)
  ParityOutcome parity;
};

// Runs the job; throws Interrupted on Ctrl-C (the finished backends' runs are saved).
TrainingOutcome run_train_job(const TrainJob& job);

}  // namespace versus
