// Trains one network in several frameworks from the same weights on the same batches, one
// worker process each, and checks that they computed the same thing (parity).
//
// A training results folder: training.json (the settings and the request every worker got),
// context.json, runs/<backend>.json (schema versus.train/1) and parity.json.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nets/network.h"
#include "results/schemas.h"
#include "runner/spawn.h"
#include "runner/workers.h"

namespace versus {


struct TrainSettings {
  std::string dataset;          // empty: the network's default; "generated": made up in memory
  std::string dataset_dir;      // empty: data_directory(dataset)
  int64_t generated_train = 2048, generated_test = 512;
  std::optional<int64_t> epochs, batch;
  std::optional<OptimizerSpec> optimizer;
  int64_t max_steps = 0;        // 0: whole epochs
  uint64_t seed = 1;
  int threads = 1;
  std::string device = "cpu";   // cpu | cuda
  double timeout_seconds = 3600;
  bool evaluate = true;         // test accuracy after every epoch
  bool inference = true;        // latency and throughput after training
  bool profile = false;         // then a few steps under the framework's own profiler
};

// The request every worker receives (worker/train_loop.h); checks the dataset first, so a
// missing or corrupt file is reported once, before any framework starts.
nlohmann::json training_request(const Network& net, const TrainSettings& s);

// One training run of a command: a backend in one of its modes at one thread count.
struct TrainRun {
  std::string id;       // file name under runs/ and the label in the report, e.g. "tensorflow-xla"
  std::string backend;
  std::string mode;     // one of the worker's execution modes, or of its Python tier
  std::string tier = "cpp";  // cpp: the C++ worker; python: the framework's Python frontend (runner/frontends.h)
  std::string counterpart;   // python: the C++ tier's mode that runs the same way (keras-xla: xla)
  bool frontend_default = false;  // python: the frontend's default mode (what its users get out of the box)
  bool default_mode = true;
  std::map<std::string, std::string> environment;  // the mode's switches, set before the worker starts
  int threads = 1;
  // How each epoch's batches reach the step (python/versus_frontends/frontends.json "pipelines"):
  // "memory" (the C++ tier's only one), or a Python frontend's own (tf.data, dataloader, ...).
  std::string pipeline = "memory";
};

// The runs of `versus run train`: every worker × its selected modes × `threads`. `modes` per
// backend: empty = the default one, {"all"} = every mode the worker lists (training_modes: its
// Python tier's too), else those named
// (an unknown name is a UserError listing the worker's modes). The id is the backend, plus
// "-MODE" for a mode other than the default and "-tN" when several thread counts are swept.
// `pipelines`: each run once per input pipeline named ("all": each its worker or frontend lists; a
// name it lacks is planned, and answered unsupported with the ones it has), "-PIPELINE" added to
// the id of any but memory.
std::vector<TrainRun> plan_training_runs(const std::map<std::string, WorkerInfo>& workers,
                                         const std::map<std::string, std::vector<std::string>>& modes,
                                         const std::vector<int>& threads,
                                         const std::vector<std::string>& pipelines = {"memory"});

// Runs `request` (with the run's mode and threads) in one worker, printing progress, and
// returns the run document. A Python-tier run needs request["inputs"] (runner/frontend_inputs.h);
// one whose environment is missing is "unsupported" with the reason, and no process starts. `cancel` (run_process) stops it early: the ranks of one job.
nlohmann::json execute_training(const nlohmann::json& request, const WorkerInfo& worker, const TrainRun& run,
                                const TrainSettings& s, const nlohmann::json& context, bool verbose,
                                const std::atomic<bool>* cancel = nullptr);

// Repeats of a finished training run: `count` - 1 more worker processes per run, `steps` steps
// each, without evaluation or inference, the order rotated round by round (B C A, C A B, ...) so
// drift on the machine falls on every backend. Each lands in run["repeats"]: its step times, its
// warm-up steps and how its process ended. The step time's interval is then between processes
// (report/training_steps.h); accuracy, time to accuracy and inference come from the full run.
struct RepeatSettings {
  int count = 3;        // processes per run, the full run included
  int64_t steps = 200;  // steps of each repeat (at most the full run's)
};
void run_training_repeats(const nlohmann::json& request, const std::map<std::string, WorkerInfo>& workers,
                          const std::vector<TrainRun>& planned, std::map<std::string, nlohmann::json>& runs,
                          const TrainSettings& s, const nlohmann::json& context, const RepeatSettings& repeats,
                          bool verbose);

// The steps at the start of a run that are warm-up: the first (graph construction, first-touch
// allocation) and the run of steps right after it that each take more than twice the median of
// the rest — lazy compilation (XLA compiles on first use of each cluster, sometimes at step 2).
// At most a tenth of the steps (so a run under 20 steps has only the first); a normal step ends
// the warm-up, and a slow step after it is the steady state's own tail.
int64_t warmup_steps(const std::vector<double>& step_seconds);

// The worker's sampled CPU seconds and resident memory against time (schema part of
// versus.train/1 under process.timeline): parallel arrays seconds, cpu_seconds, rss_mib.
nlohmann::json resource_timeline(const ProcessResult& p);

struct ParityOutcome {
  bool passed = false;
  nlohmann::json doc;  // schema versus.parity/1: per-step losses, largest difference, verdict
};

// Compares the per-step losses of the runs (backend -> run document) over their first
// `max_steps` steps (0: all). A run that names a "parity_exemption" (a frontend whose own
// optimizer computes a different update, e.g. torch.optim.Adam) is listed under not_compared
// with that reason. Passes when at least two backends finished and every step's losses
// agree within `tolerance` (relative). Long trainings are compared on their first steps only:
// float32 rounding differences grow chaotically over thousands of steps, while a real
// difference in what is computed shows from the first ones. Also records how far apart the
// backends' test accuracies are after each epoch.
ParityOutcome check_parity(const std::map<std::string, nlohmann::json>& runs, double tolerance, size_t max_steps = 0);

// The seconds of training (evaluation excluded) until the test accuracy first reached `target`,
// or null when it never did.
nlohmann::json time_to_accuracy(const nlohmann::json& run, double target);

}  // namespace versus
