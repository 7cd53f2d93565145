#include "runner/train_job.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/errors.h"
#include "core/stats.h"
#include "nets/network_ops.h"
#include "results/results_dir.h"
#include "runner/context.h"
#include "runner/execute.h"
#include "runner/frontend_inputs.h"
#include "runner/frontends.h"
#include "runner/plan.h"
#include "runner/suite_runner.h"

namespace versus {

ChosenWorkers choose_workers(const std::string& list, const std::string& modes_flag) {
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
    const nlohmann::json listed = training_modes(out.workers[choice.backend]);
    const std::string mode = !choice.variant.empty() ? choice.variant
                             : modes_flag == "all"   ? "all"
                             : listed.empty()        ? ""
                                                     : listed[0].value("name", "");
    if (!mode.empty() && std::find(modes.begin(), modes.end(), mode) == modes.end()) modes.push_back(mode);
  }
  return out;
}

namespace {

// A folder removed when the job ends, however it ends.
struct InputsFolder {
  std::filesystem::path path;
  explicit InputsFolder(std::filesystem::path p) : path(std::move(p)) {}
  InputsFolder(const InputsFolder&) = delete;
  InputsFolder& operator=(const InputsFolder&) = delete;
  ~InputsFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

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

}  // namespace

TrainingOutcome run_train_job(const TrainJob& job) {
  const Network& net = job.net;
  const TrainSettings& s = job.settings;
  const ChosenWorkers& chosen = job.chosen;
  const auto& workers = chosen.workers;
  const std::vector<TrainRun> planned =
      plan_training_runs(workers, chosen.modes, job.thread_counts.empty() ? std::vector<int>{s.threads} : job.thread_counts,
                         job.pipelines);
  nlohmann::json request = training_request(net, s);
  nlohmann::json context = build_context(workers, false, s.threads);
  const ResultsDir dir = ResultsDir::create_new(job.out, job.folder_name);
  nlohmann::json plan = {{"kind", "train"}, {"network", net.name}, {"backends", nlohmann::json::array()}, {"request", request}};
  for (const auto& [b, w] : workers) plan["backends"].push_back(b);
  plan["runs"] = nlohmann::json::array();
  for (const TrainRun& r : planned)
    plan["runs"].push_back({{"id", r.id}, {"backend", r.backend}, {"mode", r.mode}, {"threads", r.threads}, {"pipeline", r.pipeline}});
  write_file_atomically(dir.root() / "training.json", plan.dump(2) + "\n");
  dir.write_context(context);
  write_file_atomically(dir.root() / "code.json", marked_code(workers).dump(1) + "\n");
  const auto dataset = request["dataset"];
  std::fprintf(stderr, "versus: training %s (%lld parameters) on %s, %lld epochs%s, batch %lld, %s lr %g, %d threads -> %s\n",
               net.name.c_str(), static_cast<long long>(net.parameter_count()), dataset["name"].get<std::string>().c_str(),
               static_cast<long long>(request["epochs"].get<int64_t>()),
               s.max_steps > 0 ? fmt::format(" (at most {} steps)", s.max_steps).c_str() : "",
               static_cast<long long>(request["batch"].get<int64_t>()), request["optimizer"]["kind"].get<std::string>().c_str(),
               request["optimizer"]["learning_rate"].get<double>(), s.threads, dir.root().c_str());
  TrainingOutcome out{dir.root(), 0, {}};
  // The Python tier trains from the harness's own weights, data and order, written once (and
  // removed when the job ends: they are inputs, not results).
  std::optional<InputsFolder> inputs;
  const bool python_runs = std::any_of(planned.begin(), planned.end(), [](const TrainRun& r) {
    const auto frontend = r.tier == "python" ? python_frontend(r.backend) : std::nullopt;
    return frontend && frontend->problem.empty();  // a missing environment is answered without inputs
  });
  if (python_runs) {
    inputs.emplace(dir.root() / "frontend-inputs");
    const auto t0 = std::chrono::steady_clock::now();
    try {
      export_frontend_inputs(net, request, inputs->path);
      std::fprintf(stderr, "versus: wrote the weights, data and batch order for the Python tier in %.1f s -> %s\n",
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), inputs->path.c_str());
      request["inputs"] = inputs->path.string();
    } catch (const std::exception& e) {  // the Python runs fail, naming why; the C++ tier goes on
      std::fprintf(stderr, "versus: the Python tier's inputs could not be written (%s): its runs fail\n", e.what());
      request["inputs_error"] = e.what();
    }
  }
  std::map<std::string, nlohmann::json> runs;
  for (const TrainRun& run : planned) {
    const std::string& backend = run.id;
    std::fprintf(stderr, "[%s] building and training%s...\n", backend.c_str(),
                 run.mode.empty() ? "" : fmt::format(" ({} mode, {} threads)", run.mode, run.threads).c_str());
    nlohmann::json doc = execute_training(request, workers.at(run.backend), run, s, context, job.verbose);
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
  run_training_repeats(request, workers, planned, runs, s, context, job.repeats, job.verbose);
  out.parity = check_parity(runs, job.tolerance, job.parity_steps);
  write_file_atomically(dir.root() / "parity.json", out.parity.doc.dump(2) + "\n");
  // Every run carries the outcome (and the time to the target accuracy, when one was asked for).
  for (auto& [backend, doc] : runs) {
    doc["parity"] = {{"passed", out.parity.passed}, {"verdict", out.parity.doc["verdict"]}};
    if (job.target_accuracy > 0 && doc.value("status", "") == "ok") doc["time_to_accuracy"] = time_to_accuracy(doc, job.target_accuracy);
    dir.write_run(backend, doc);
  }
  if (job.explain) time_step_ops(net, request, s.threads, chosen, context, dir, plan, job.verbose);
  return out;
}


}  // namespace versus
