// `versus run train`, `versus parity` and `versus data`: the end-to-end side of the CLI.
#pragma once
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "nets/network.h"
#include "runner/train_job.h"
#include "runner/train_runner.h"
#include "runner/workers.h"

namespace versus {

struct TrainFlags {
  std::string model, dataset, dataset_dir, optimizer, backends = "tensorflow,mxnet,torch";
  int64_t epochs = 0, batch = 0, steps = 0;   // 0: the network file's setting (steps: whole epochs)
  double learning_rate = 0, momentum = -1, tolerance = 1e-3;
  size_t parity_steps = 50;                   // training runs: the first steps parity compares
  double target_accuracy = 0;                 // 0: none
  std::vector<int> threads;                   // empty: all cores; several: each trains every backend
  std::string modes = "default";              // default | all: every training mode of each backend
  std::vector<std::string> pipelines = {"memory"};  // the Python tier's input pipelines, or all
  uint64_t seed = 1;
  double timeout = 0;
  std::string memory_limit;                   // e.g. "2G": per worker process
  std::string out = "results";
  std::string device = "cpu";
  bool verbose = false, no_report = false;
  bool explain = false;                       // also time the step's ops (report: step explained by ops)
  int repeats = 3;                            // worker processes per run: the step's interval is between them
  int64_t repeat_steps = 200;                 // steps of each repeat after the full run
};

// The training settings the flags ask for (UserError for a bad value).
TrainSettings settings_from(const TrainFlags& f, const Network& net);


// Adds the training flags (--model, --dataset, --epochs...) to `cmd`.
void add_train_flags(CLI::App& cmd, TrainFlags& f, bool parity);
// `versus run train`: exit 0, 2 bad input, 3 a backend failed, 5 parity failed.
int cmd_train(const TrainFlags& f);
// `versus parity --model NAME`: K plain-SGD steps everywhere; exit 5 when the losses differ.
int cmd_parity(TrainFlags f);
// `versus data list|synth|export NAME`.
struct DataFlags {
  std::string action, name, dir;
  int64_t train = 2000, test = 500;  // synth: samples per split
  uint64_t seed = 1;
  std::string format = "csv";        // export: the file format
  bool header = false;               // export csv: a "label,pixel1,..." first line
};
int cmd_data(const DataFlags& f);
// `versus list networks`.
int list_networks();

}  // namespace versus
