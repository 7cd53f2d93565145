#include "cli/train_commands.h"

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "cli/context.h"
#include "core/atomic_file.h"
#include "core/errors.h"
#include "core/stats.h"
#include "data/dataset.h"
#include "nets/network_ops.h"
#include "report/report.h"
#include "runner/execute.h"
#include "runner/plan.h"
#include "results/results_dir.h"
#include "runner/spawn.h"
#include "runner/suite_runner.h"
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
  s.profile = f.explain;
  return s;
}

ChosenWorkers available_workers(const std::string& list, const std::string& modes_flag) {
  ChosenWorkers out;
  for (const auto& choice : parse_backend_list(list)) {
    if (!out.workers.count(choice.backend)) {
      WorkerInfo w = probe_worker(choice.backend);
      if (!w.available)
        throw UserError(fmt::format("backend {} is not available: {}; or leave it out of --backends", choice.backend, w.problem));
      out.workers[choice.backend] = std::move(w);
    }
    // "mxnet,mxnet:hybridized" asks for both: a plain name is the default mode (or all of them).
    auto& modes = out.modes[choice.backend];
    const nlohmann::json listed = out.workers[choice.backend].info.value("modes", nlohmann::json::array());
    const std::string mode = !choice.variant.empty() ? choice.variant
                             : modes_flag == "all"   ? "all"
                             : listed.empty()        ? ""
                                                     : listed[0].value("name", "");
    if (!mode.empty() && std::find(modes.begin(), modes.end(), mode) == modes.end()) modes.push_back(mode);
  }
  return out;
}

namespace {

// The ops one training step runs (nets/network_ops.h), timed in every training backend's default
// mode at the training's thread count, into DIR/ops-<time>/: what the report's "step explained
// by its ops" section sets against the measured step. Recorded in training.json under "explain".
void time_step_ops(const Network& net, const nlohmann::json& request, int threads, const ChosenWorkers& chosen,
                   const nlohmann::json& context, const ResultsDir& dir, nlohmann::json& plan, bool verbose) {
  const int64_t batch = request.value("batch", net.batch);
  const OptimizerSpec optimizer = request.contains("optimizer") ? request["optimizer"].get<OptimizerSpec>() : net.optimizer;
  const nlohmann::json ops = network_op_cases(net, batch, &optimizer);
  nlohmann::json suite = {{"name", "ops"},
                          {"description", fmt::format("the ops of one training step of {} at batch {}", net.name, batch)},
                          {"quick", true}, {"threads", {threads}}, {"seed", 42}, {"cases", ops["cases"]},
                          {"backends", nlohmann::json::array()}};
  for (const auto& [b, w] : chosen.workers) suite["backends"].push_back(b);
  // No variants: each worker's default, as the default training mode uses.
  const SuitePlan ops_plan = expand_suite(suite, [](const std::string&, const std::string&) { return std::vector<std::string>{}; }, threads);
  const ResultsDir ops_dir = ResultsDir::create_new(dir.root(), "ops");
  ops_dir.write_plan(ops_plan);
  ops_dir.write_context(context);
  plan["explain"] = {{"ops_folder", ops_dir.root().filename().string()}, {"batch", batch}, {"threads", threads},
                     {"cases", ops["cases"]}, {"not_measured", ops["skipped"]}};
  write_file_atomically(dir.root() / "training.json", plan.dump(2) + "\n");
  std::fprintf(stderr, "versus: timing the %zu op runs of one %s step (--explain) -> %s\n", ops_plan.cases.size(),
               net.name.c_str(), ops_dir.root().c_str());
  run_suite(ops_dir, ops_plan, context, chosen.workers, verbose);
}

struct TrainingOutcome {
  std::filesystem::path dir;
  int failed = 0;
  ParityOutcome parity;
};

// Trains `net` in every worker, one after the other, into a new results folder.
TrainingOutcome train_everywhere(const Network& net, const TrainSettings& s, const std::string& folder_name,
                                 const ChosenWorkers& chosen, const TrainFlags& f, double tolerance) {
  const auto& workers = chosen.workers;
  const std::vector<TrainRun> planned = plan_training_runs(workers, chosen.modes, f.threads.empty() ? std::vector<int>{s.threads} : f.threads);
  const nlohmann::json request = training_request(net, s);
  nlohmann::json context = build_context(workers, false, s.threads);
  const ResultsDir dir = ResultsDir::create_new(f.out, folder_name);
  nlohmann::json plan = {{"kind", "train"}, {"network", net.name}, {"backends", nlohmann::json::array()}, {"request", request}};
  for (const auto& [b, w] : workers) plan["backends"].push_back(b);
  plan["runs"] = nlohmann::json::array();
  for (const TrainRun& r : planned)
    plan["runs"].push_back({{"id", r.id}, {"backend", r.backend}, {"mode", r.mode}, {"threads", r.threads}});
  write_file_atomically(dir.root() / "training.json", plan.dump(2) + "\n");
  dir.write_context(context);
  const auto dataset = request["dataset"];
  std::fprintf(stderr, "versus: training %s (%lld parameters) on %s, %lld epochs%s, batch %lld, %s lr %g, %d threads -> %s\n",
               net.name.c_str(), static_cast<long long>(net.parameter_count()), dataset["name"].get<std::string>().c_str(),
               static_cast<long long>(request["epochs"].get<int64_t>()),
               s.max_steps > 0 ? fmt::format(" (at most {} steps)", s.max_steps).c_str() : "",
               static_cast<long long>(request["batch"].get<int64_t>()), request["optimizer"]["kind"].get<std::string>().c_str(),
               request["optimizer"]["learning_rate"].get<double>(), s.threads, dir.root().c_str());
  TrainingOutcome out{dir.root(), 0, {}};
  std::map<std::string, nlohmann::json> runs;
  for (const TrainRun& run : planned) {
    const std::string& backend = run.id;
    std::fprintf(stderr, "[%s] building and training%s...\n", backend.c_str(),
                 run.mode.empty() ? "" : fmt::format(" ({} mode, {} threads)", run.mode, run.threads).c_str());
    nlohmann::json doc = execute_training(request, workers.at(run.backend), run, s, context, f.verbose);
    const std::string status = doc.value("status", "error");
    if (status == "ok") {
      const auto& epochs = doc["epochs"];
      const auto& last = epochs.back();
      std::fprintf(stderr, "[%s] done: build %.2f s, first step %.3f s, %s median step %.2f ms%s\n", backend.c_str(),
                   doc["build_seconds"].get<double>(), doc["first_step_seconds"].get<double>(),
                   fmt::format("{} steps,", doc["step_seconds"].size()).c_str(),
                   median(doc["step_seconds"].get<std::vector<double>>()) * 1e3,
                   last.contains("test_accuracy") ? fmt::format(", test accuracy {:.2f} %", last["test_accuracy"].get<double>() * 100).c_str() : "");
    } else {
      if (status != "unsupported") ++out.failed;  // unsupported is an answer, shown, not a failure
      std::fprintf(stderr, "[%s] %s: %s\n", backend.c_str(), status.c_str(), doc.value("reason", std::string()).c_str());
    }
    dir.write_run(backend, doc);
    runs[backend] = std::move(doc);
  }
  run_training_repeats(request, workers, planned, runs, s, context, {f.repeats, f.repeat_steps}, f.verbose);
  out.parity = check_parity(runs, tolerance, f.parity_steps);
  write_file_atomically(dir.root() / "parity.json", out.parity.doc.dump(2) + "\n");
  // Every run carries the outcome (and the time to the target accuracy, when one was asked for).
  for (auto& [backend, doc] : runs) {
    doc["parity"] = {{"passed", out.parity.passed}, {"verdict", out.parity.doc["verdict"]}};
    if (f.target_accuracy > 0 && doc.value("status", "") == "ok") doc["time_to_accuracy"] = time_to_accuracy(doc, f.target_accuracy);
    dir.write_run(backend, doc);
  }
  if (f.explain) time_step_ops(net, request, s.threads, chosen, context, dir, plan, f.verbose);
  return out;
}

}  // namespace

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
  if (!parity)
    cmd.add_option("--modes", f.modes, "default, or all: every training mode of each backend (one mode: --backends tensorflow:xla)")
        ->capture_default_str();
  cmd.add_option("--device", f.device, "cpu or cuda (frameworks without a GPU build say unsupported)")->capture_default_str();
  cmd.add_option("--seed", f.seed, "seed of weights and batch order")->capture_default_str();
  cmd.add_option("--timeout", f.timeout, "seconds per worker before it is killed (default 3600)");
  cmd.add_option("--out", f.out, "parent folder of the results folder")->capture_default_str();
  cmd.add_flag("--no-report", f.no_report, "do not write the report at the end");
  cmd.add_flag("-v,--verbose", f.verbose, "progress every few seconds, not only per epoch");
}

int cmd_train(const TrainFlags& f) {
  if (f.model.empty()) throw UserError("say which network: versus run train --model lenet (see `versus list networks`)");
  install_interrupt_handler();
  const Network net = load_network(f.model);
  const auto workers = available_workers(f.backends, f.modes);
  const TrainSettings s = settings_from(f, net);
  TrainingOutcome out;
  try {
    out = train_everywhere(net, s, "train-" + net.name, workers, f, f.tolerance);
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
  const auto workers = available_workers(f.backends, f.modes);
  if (workers.workers.size() < 2) throw UserError("parity compares frameworks: give at least two in --backends");
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
  TrainingOutcome out;
  try {
    f.repeats = 1;  // parity compares losses, not times: no repeats
    out = train_everywhere(net, s, "parity-" + net.name, workers, f, f.tolerance);
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

int cmd_data(const std::string& action, const std::string& name, const std::string& dir, int64_t train, int64_t test,
             uint64_t seed) {
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
    const std::filesystem::path where = dir.empty() ? local_data_directory(name) : std::filesystem::path(dir);
    write_synthetic_dataset(name, where, seed, train, test);
    std::printf("wrote synthetic %s (%lld train, %lld test) to %s\n", name.c_str(), static_cast<long long>(train),
                static_cast<long long>(test), where.c_str());
    return 0;
  }
  throw UserError(fmt::format("unknown data action '{}': use list or synth", action));
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
