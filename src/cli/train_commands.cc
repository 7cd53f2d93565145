#include "cli/train_commands.h"

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/memory_limit.h"
#include "data/csv_table.h"
#include "data/dataset.h"
#include "report/report.h"
#include "runner/spawn.h"
#include "runner/train_job.h"
#include "runner/train_runner.h"

namespace versus {

TrainSettings settings_from(const TrainFlags& f, const Network& net) {
  if (f.epochs < 0 || f.batch < 0 || f.steps < 0 || std::any_of(f.threads.begin(), f.threads.end(), [](int t) { return t <= 0; }))
    throw UserError("--epochs, --batch, --steps and --threads must be positive (leave one out for its default)");
  if (f.modes != "default" && f.modes != "all")
    throw UserError(fmt::format("--modes is default or all, not '{}'; name single modes as --backends tensorflow:xla", f.modes));
  if (f.target_accuracy < 0 || f.target_accuracy > 1)
    throw UserError(fmt::format("--target-accuracy {} is not a fraction: give e.g. 0.87 for 87 %", f.target_accuracy));
  if (!(f.tolerance > 0)) throw UserError("--tolerance must be positive, e.g. 1e-3");
  TrainSettings s;
  s.dataset = f.dataset;
  s.dataset_dir = f.dataset_dir;
  if (f.epochs > 0) s.epochs = f.epochs;
  if (f.batch > 0) s.batch = f.batch;
  if (!f.optimizer.empty() || f.learning_rate > 0 || f.momentum >= 0) {
    OptimizerSpec o = net.optimizer;
    if (!f.optimizer.empty() && f.optimizer != o.kind) o = nlohmann::json{{"kind", f.optimizer}}.get<OptimizerSpec>();
    if (f.learning_rate > 0) o.learning_rate = f.learning_rate;
    if (f.momentum >= 0) o.momentum = f.momentum;
    s.optimizer = o;
  }
  s.max_steps = f.steps;
  s.seed = f.seed;
  if (f.device != "cpu" && f.device != "cuda") throw UserError("--device is cpu or cuda, not '" + f.device + "'");
  s.device = f.device;
  s.threads = f.threads.empty() ? static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))
                                : *std::max_element(f.threads.begin(), f.threads.end());
  if (f.timeout > 0) s.timeout_seconds = f.timeout;
  set_worker_memory_limit(f.memory_limit.empty() ? 0 : parse_memory_size(f.memory_limit));
  s.profile = f.explain;
  return s;
}

// The job the flags ask for (UserError for a backend that is not available).
TrainJob train_job(const TrainFlags& f, const Network& net, const TrainSettings& s, const std::string& folder_name) {
  TrainJob job;
  job.net = net;
  job.settings = s;
  job.chosen = choose_workers(f.backends, f.modes);
  job.folder_name = folder_name;
  job.out = f.out;
  job.thread_counts = f.threads;
  job.pipelines = f.pipelines;
  job.repeats = {f.repeats, f.repeat_steps};
  job.parity_steps = f.parity_steps;
  job.tolerance = f.tolerance;
  job.target_accuracy = f.target_accuracy;
  job.explain = f.explain;
  job.verbose = f.verbose;
  return job;
}

void add_train_flags(CLI::App& cmd, TrainFlags& f, bool parity) {
  cmd.add_option("--model", f.model, "network name (see `versus list networks`) or a network .json file");
  cmd.add_option("--dataset", f.dataset, "dataset name (default: the network's), or 'generated' (random, in memory)");
  cmd.add_option("--data-dir", f.dataset_dir, "folder holding the dataset files (default: versus data dir)");
  if (!parity) {
    cmd.add_option("--epochs", f.epochs, "epochs (default: the network file's)");
    cmd.add_option("--optimizer", f.optimizer, "sgd | momentum | adam (default: the network file's)");
    cmd.add_option("--momentum", f.momentum, "momentum coefficient");
  }
  cmd.add_option("--batch", f.batch, "batch size (default: the network file's)");
  cmd.add_option("--lr,--learning-rate", f.learning_rate, "learning rate (default: the network file's)");
  cmd.add_option("--steps", f.steps, parity ? "plain-SGD steps compared (default 50)" : "stop after this many steps");
  cmd.add_option("--tolerance", f.tolerance, "largest relative loss difference parity accepts")->capture_default_str();
  if (!parity) {
    cmd.add_option("--parity-steps", f.parity_steps, "first steps whose losses parity compares")->capture_default_str();
    cmd.add_option("--target-accuracy", f.target_accuracy, "report the training time until the test accuracy reaches this (0-1)");
    cmd.add_flag("--explain", f.explain, "also time the ops of one training step; the report sets their sum against the step");
    cmd.add_option("--repeats", f.repeats,
                   "worker processes per backend: the full run, then shorter repeats (alternating between backends) "
                   "that give the step time an interval a rerun respects")
        ->capture_default_str()
        ->check(CLI::Range(1, 20));
    cmd.add_option("--repeat-steps", f.repeat_steps, "steps of each repeat after the full run")
        ->capture_default_str()
        ->check(CLI::Range(int64_t{3}, int64_t{1000000}));
  }
  cmd.add_option("--backends", f.backends, "comma list of framework[:mode] (modes: versus list backends)")->capture_default_str();
  cmd.add_option("--threads", f.threads, "intra-op threads, comma list: each trains every backend (default: all cores)")
      ->delimiter(',');
  if (!parity) {
    cmd.add_option("--modes", f.modes, "default, or all: every training mode of each backend (one mode: --backends tensorflow:xla)")
        ->capture_default_str();
    cmd.add_option("--pipeline", f.pipelines,
                   "how the Python tier feeds each epoch, comma list: memory, tf.data, generator (Keras), dataloader, "
                   "dataloader-workers (Gluon, PyTorch), or all: each frontend's own; the C++ tier is fed from memory")
        ->delimiter(',')
        ->check(CLI::IsMember({"memory", "tf.data", "generator", "dataloader", "dataloader-workers", "all"}))
        ->capture_default_str();
  }
  cmd.add_option("--device", f.device, "cpu or cuda (frameworks without a GPU build say unsupported)")->capture_default_str();
  cmd.add_option("--seed", f.seed, "seed of weights and batch order")->capture_default_str();
  cmd.add_option("--timeout", f.timeout, "seconds per worker before it is killed (default 3600)");
  cmd.add_option("--memory-limit", f.memory_limit, "memory per worker process, e.g. 2G: a worker that needs more is out of memory");
  cmd.add_option("--out", f.out, "parent folder of the results folder")->capture_default_str();
  cmd.add_flag("--no-report", f.no_report, "do not write the report at the end");
  cmd.add_flag("-v,--verbose", f.verbose, "progress every few seconds, not only per epoch");
}

int cmd_train(const TrainFlags& f) {
  if (f.model.empty()) throw UserError("say which network: versus run train --model lenet (see `versus list networks`)");
  install_interrupt_handler();
  const Network net = load_network(f.model);
  TrainingOutcome out;
  try {
    out = run_train_job(train_job(f, net, settings_from(f, net), "train-" + net.name));
  } catch (const Interrupted&) {
    std::fprintf(stderr, "versus: interrupted; the finished backends' runs are saved\n");
    return 130;
  }
  std::fprintf(stderr, "versus: parity %s\n", out.parity.doc["verdict"].get<std::string>().c_str());
  if (!f.no_report) {
    const ReportFiles r = write_report(out.dir, out.dir);
    std::printf("report: %s\n        %s\n", r.html.c_str(), r.markdown.c_str());
  }
  std::printf("results: %s\n", out.dir.c_str());
  return out.failed > 0 ? 3 : 0;
}

int cmd_parity(TrainFlags f) {
  if (f.model.empty()) throw UserError("say which network: versus parity --model mlp (see `versus list networks`)");
  install_interrupt_handler();
  const Network net = load_network(f.model);
  TrainSettings s = settings_from(f, net);
  // Plain SGD at the network's learning rate: momentum and Adam only add state to disagree on.
  OptimizerSpec sgd;
  sgd.kind = "sgd";
  sgd.learning_rate = f.learning_rate > 0 ? f.learning_rate : net.optimizer.learning_rate;
  s.optimizer = sgd;
  s.max_steps = f.steps > 0 ? f.steps : 50;
  s.epochs = 1000000;  // bounded by max_steps
  f.parity_steps = 0;  // compare them all
  s.evaluate = false;
  s.inference = false;
  f.repeats = 1;  // parity compares losses, not times: no repeats
  TrainJob job = train_job(f, net, s, "parity-" + net.name);
  size_t runs = 0;  // "torch,torch:python" compares two tiers of one framework
  for (const auto& [b, modes] : job.chosen.modes) runs += std::max<size_t>(1, modes.size());
  if (runs < 2) throw UserError("parity compares frameworks: give at least two in --backends");
  TrainingOutcome out;
  try {
    out = run_train_job(job);
  } catch (const Interrupted&) {
    return 130;
  }
  const auto& doc = out.parity.doc;
  const auto& losses = doc["step_losses"];
  if (!losses.empty()) {
    std::printf("%-6s", "step");
    for (const auto& [b, l] : losses.items()) std::printf(" %14s", b.c_str());
    std::printf(" %12s\n", "rel. diff");
    const size_t steps = doc["steps"].get<size_t>();
    for (size_t k = 0; k < steps; ++k) {
      if (!f.verbose && k >= 5 && k + 5 < steps && (k + 1) % 10 != 0) continue;
      std::printf("%-6zu", k + 1);
      for (const auto& [b, l] : losses.items()) std::printf(" %14.8f", l[k].get<double>());
      std::printf(" %12.2e\n", doc["step_relative_difference"][k].get<double>());
    }
  }
  for (const auto& [b, why] : doc["not_compared"].items()) std::printf("%s not compared: %s\n", b.c_str(), why.get<std::string>().c_str());
  std::printf("parity %s: %s\nresults: %s\n", net.name.c_str(), doc["verdict"].get<std::string>().c_str(), out.dir.c_str());
  return out.parity.passed ? 0 : 5;
}

int cmd_data(const DataFlags& f) {
  const std::string& action = f.action;
  const std::string& name = f.name;
  if (action == "list") {
    for (const auto& d : known_datasets()) {
      const auto where = data_directory(d);
      std::string state;
      try {
        const Dataset ds = load_dataset(d, where);
        state = fmt::format("{} train / {} test{}", ds.train.count, ds.test.count, ds.synthetic ? ", SYNTHETIC" : "");
      } catch (const UserError& e) {
        state = std::string("not usable: ") + e.what();
      }
      std::printf("%-14s %s\n               %s\n", d.c_str(), where.c_str(), state.c_str());
    }
    return 0;
  }
  if (action == "synth") {
    if (name.empty()) throw UserError("say which dataset: versus data synth cifar10 (see `versus data list`)");
    const std::filesystem::path where = f.dir.empty() ? local_data_directory(name) : std::filesystem::path(f.dir);
    write_synthetic_dataset(name, where, f.seed, f.train, f.test);
    std::printf("wrote synthetic %s (%lld train, %lld test) to %s\n", name.c_str(), static_cast<long long>(f.train),
                static_cast<long long>(f.test), where.c_str());
    return 0;
  }
  if (action == "export") {
    if (name.empty()) throw UserError("say which dataset: versus data export fashion-mnist --format csv");
    if (name == "imdb") throw UserError("export --format csv writes image datasets (fashion-mnist, mnist, cifar10), not imdb");
    const Dataset ds = load_dataset(name);
    const std::filesystem::path where = f.dir.empty() ? local_data_directory(name) : std::filesystem::path(f.dir);
    for (const auto& file : data::export_image_csv(ds, where, f.header))
      std::printf("wrote %s%s\n", file.c_str(), ds.synthetic ? " (from the SYNTHETIC stand-in)" : "");
    return 0;
  }
  throw UserError(fmt::format("unknown data action '{}': use list, synth or export", action));
}

int list_networks() {
  for (const auto& name : available_networks()) {
    const Network n = load_network(name);
    std::printf("%-11s %9lld params  %-14s %s\n", name.c_str(), static_cast<long long>(n.parameter_count()),
                n.dataset.c_str(), n.description.c_str());
  }
  return 0;
}

}  // namespace versus
