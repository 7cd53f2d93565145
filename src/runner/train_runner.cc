#include "runner/train_runner.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/errors.h"
#include "core/stats.h"
#include "data/dataset.h"
#include "machine/nvml.h"
#include "runner/execute.h"
#include "runner/frontends.h"
#include "runner/spawn.h"
#include "runner/worker_reply.h"
#include "core/json_number.h"

namespace versus {
namespace {

std::string duration_text(double seconds) {
  if (seconds < 60) return fmt::format("{:.0f}s", seconds);
  return fmt::format("{:.0f}m{:02.0f}s", std::floor(seconds / 60), std::fmod(seconds, 60));
}

// "torch: epoch 2/10, step 1200/9370, loss 0.412, ETA 1m20s" from a worker's progress line.
void print_progress(const std::string& backend, const nlohmann::json& p) {
  const auto step = whole_or(p, "step", int64_t{0}), steps = whole_or(p, "steps", int64_t{1});
  const double elapsed = p.value("elapsed_seconds", 0.0);
  const std::string eta = step > 0 ? duration_text(elapsed / static_cast<double>(step) * static_cast<double>(steps - step)) : "?";
  if (p.contains("epoch_done")) {
    const auto& e = p["epoch_done"];
    std::string acc = e.contains("test_accuracy") ? fmt::format(", test accuracy {:.2f} %", e["test_accuracy"].get<double>() * 100) : "";
    std::fprintf(stderr, "  %-10s epoch %lld/%lld done in %.1f s, train loss %.4f%s%s\n", backend.c_str(),
                 static_cast<long long>(whole_or(p, "epoch", int64_t{0})), static_cast<long long>(whole_or(p, "epochs", int64_t{0})),
                 e.value("seconds", 0.0), e.value("train_loss", 0.0), acc.c_str(),
                 step < steps ? (", ETA " + eta).c_str() : "");
  } else {
    std::fprintf(stderr, "  %-10s epoch %lld/%lld, step %lld/%lld, loss %.4f, ETA %s\n", backend.c_str(),
                 static_cast<long long>(whole_or(p, "epoch", int64_t{0})), static_cast<long long>(whole_or(p, "epochs", int64_t{0})),
                 static_cast<long long>(step), static_cast<long long>(steps), p.value("loss", 0.0), eta.c_str());
  }
}

}  // namespace

nlohmann::json resource_timeline(const ProcessResult& p) {
  nlohmann::json seconds = nlohmann::json::array(), cpu = nlohmann::json::array(), rss = nlohmann::json::array();
  for (const auto& s : p.samples) {
    seconds.push_back(s.seconds);
    cpu.push_back(s.cpu_seconds);
    rss.push_back(s.rss_mib);
  }
  return {{"interval_seconds", p.sample_interval_seconds}, {"seconds", seconds}, {"cpu_seconds", cpu}, {"rss_mib", rss}};
}

nlohmann::json training_request(const Network& net, const TrainSettings& s) {
  const std::string dataset = s.dataset.empty() ? net.dataset : s.dataset;
  nlohmann::json data = {{"name", dataset}};
  if (dataset == "generated") {
    data["train"] = s.generated_train;
    data["test"] = s.generated_test;
  } else {
    const std::filesystem::path dir = s.dataset_dir.empty() ? data_directory(dataset) : std::filesystem::path(s.dataset_dir);
    const Dataset d = load_dataset(dataset, dir, dataset_options_for(net));  // throws UserError naming the file and the problem
    if (d.train.sample_shape != net.input_shape)
      throw UserError(fmt::format("dataset {} has samples of shape [{}], but network {} takes [{}]: pick a matching --dataset",
                                  dataset, fmt::join(d.train.sample_shape, ", "), net.name, fmt::join(net.input_shape, ", ")));
    if (d.classes != net.classes)
      throw UserError(fmt::format("dataset {} has {} classes, but network {} has {}", dataset, d.classes, net.name, net.classes));
    data["dir"] = dir.string();
  }
  nlohmann::json request = {{"network", net.source_json},
                            {"dataset", data},
                            {"seed", s.seed},
                            {"threads", s.threads},
                            {"device", s.device},
                            {"optimizer", s.optimizer.value_or(net.optimizer)},
                            {"batch", s.batch.value_or(net.batch)},
                            {"epochs", s.epochs.value_or(net.epochs)},
                            {"max_steps", s.max_steps},
                            {"evaluate", s.evaluate}};
  if (s.inference) request["inference"] = {{"latency_runs", 50}, {"batch", 256}};
  if (s.profile) request["profile"] = true;
  return request;
}

std::vector<TrainRun> plan_training_runs(const std::map<std::string, WorkerInfo>& workers,
                                         const std::map<std::string, std::vector<std::string>>& modes,
                                         const std::vector<int>& threads,
                                         const std::vector<std::string>& pipelines) {
  std::vector<TrainRun> runs;
  for (const int t : threads)
    for (const auto& [backend, worker] : workers) {
      const nlohmann::json listed = training_modes(worker);
      std::vector<std::string> names;
      for (const auto& m : listed) names.push_back(m.value("name", ""));
      const auto it = modes.find(backend);
      std::vector<std::string> wanted = it == modes.end() || it->second.empty() ? std::vector<std::string>{} : it->second;
      if (wanted.empty()) wanted = {names.empty() ? std::string() : names.front()};
      if (std::find(wanted.begin(), wanted.end(), "all") != wanted.end()) wanted = names;
      for (const auto& mode : wanted) {
        const auto found = std::find(names.begin(), names.end(), mode);
        if (!mode.empty() && found == names.end())
          throw UserError(fmt::format("{} has no training mode '{}': it has {} (versus list backends)", backend, mode,
                                      names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
        TrainRun r;
        r.id = r.backend = backend;
        r.mode = mode;
        r.default_mode = found == names.begin() || names.empty();
        r.threads = t;
        if (found != names.end()) {
          const nlohmann::json& m = listed[found - names.begin()];
          r.tier = m.value("tier", "cpp");
          r.counterpart = m.value("counterpart", "");
          const auto first_python = std::find_if(listed.begin(), listed.end(), [](const nlohmann::json& x) { return x.value("tier", "") == "python"; });
          r.frontend_default = r.tier == "python" && first_python - listed.begin() == found - names.begin();
          // A named copy: iterating items() of a temporary json would dangle.
          const nlohmann::json env = listed[found - names.begin()].value("environment", nlohmann::json::object());
          for (const auto& [k, v] : env.items()) r.environment[k] = v.get<std::string>();
        }
        if (!r.default_mode) r.id += "-" + mode;
        if (threads.size() > 1) r.id += fmt::format("-t{}", t);
        std::vector<std::string> feeds = pipelines.empty() ? std::vector<std::string>{"memory"} : pipelines;
        if (std::find(feeds.begin(), feeds.end(), "all") != feeds.end()) {
          feeds.clear();
          if (found != names.end())
            for (const auto& p : listed[found - names.begin()].value("pipelines", nlohmann::json::array()))
              feeds.push_back(p.value("name", ""));
          if (feeds.empty()) feeds = {"memory"};
        }
        for (const std::string& feed : feeds) {
          TrainRun fed = r;
          fed.pipeline = feed;
          if (feed != "memory") fed.id += "-" + feed;
          runs.push_back(std::move(fed));
        }
      }
    }
  return runs;
}

nlohmann::json execute_training(const nlohmann::json& base_request, const WorkerInfo& worker, const TrainRun& run,
                                const TrainSettings& s, const nlohmann::json& context, bool verbose,
                                const std::atomic<bool>* cancel) {
  nlohmann::json request = base_request;
  request["threads"] = run.threads;
  if (!run.mode.empty()) request["mode"] = run.mode;
  request["pipeline"] = run.pipeline;
  std::vector<std::string> env = worker_environment(run.threads);
  for (const auto& [k, v] : run.environment) env.push_back(k + "=" + v);
  nlohmann::json doc = {{"schema", kTrainSchema},
                        {"id", run.id},
                        {"backend", worker.backend},
                        {"mode", run.mode},
                        {"pipeline", run.pipeline},
                        {"tier", run.tier},
                        {"default_mode", run.default_mode},
                        {"frontend_default", run.frontend_default},
                        {"counterpart", run.counterpart},
                        {"network", request["network"].value("name", "")},
                        {"settings", {{"seed", request["seed"]}, {"threads", request["threads"]}, {"mode", run.mode},
                                      {"device", request.value("device", "cpu")},
                                      {"optimizer", request["optimizer"]}, {"batch", request["batch"]},
                                      {"epochs", request["epochs"]}, {"max_steps", request["max_steps"]},
                                      {"dataset", request["dataset"]}}},
                        {"environment", recorded_environment(env)},
                        {"context", context}};
  std::vector<std::string> command = {worker.executable.string(), "--train"};
  if (run.tier == "python") {
    // Answered without a process: a missing environment (unsupported), or inputs the harness could not export.
    const auto frontend = python_frontend(worker.backend);
    const std::string problem = !frontend ? fmt::format("{} has no Python tier in versus", worker.backend) : frontend->problem;
    if (!problem.empty()) return doc.update({{"status", "unsupported"}, {"reason", problem}}), doc;
    if (!request.contains("inputs"))
      return doc.update({{"status", "error"},
                         {"reason", "the harness could not export the Python tier's inputs: " + request.value("inputs_error", std::string("?"))}}),
             doc;
    command = frontend_command(*frontend);
    for (auto& v : frontend_environment(*frontend)) env.push_back(std::move(v));
  }
  auto on_line = [&](const std::string& line) {
    if (is_reply_line(line)) return true;
    try {
      const auto p = nlohmann::json::parse(line).at("progress");
      if (verbose || p.contains("epoch_done")) print_progress(run.id, p);
    } catch (const std::exception&) {
    }
    return false;
  };
  // On the GPU, NVML samples GPU 0 while the worker trains (utilisation, peak memory, power).
  GpuMonitor gpu_monitor;
  const bool monitoring_gpu = request.value("device", "cpu") == "cuda" && gpu_monitor.start();
  const ProcessResult p = run_process(command, env, request.dump() + "\n",
                                      s.timeout_seconds, 20, on_line, cancel);
  const nlohmann::json gpu = monitoring_gpu ? gpu_monitor.stop() : nlohmann::json(nullptr);
  if (interrupt_requested()) throw Interrupted();
  nlohmann::json reply = worker_reply(p, s.timeout_seconds);
  doc["environment"] = recorded_environment(env);  // with the frontend's variables
  doc.update(reply);
  const auto& proc = reply["process"];
  const double cpu = proc["user_cpu_seconds"].get<double>() + proc["system_cpu_seconds"].get<double>();
  const double wall = proc["wall_seconds"].get<double>();
  // Cores kept busy on average over the whole process (1.0 = one core): with a thread budget
  // of N, values well under N show a framework that does not use what it was given.
  if (wall > 0) doc["cpu_utilisation_cores"] = cpu / wall;
  doc["process"]["timeline"] = resource_timeline(p);
  if (!gpu.is_null()) doc["process"]["gpu"] = gpu;
  if (doc.contains("step_seconds") && doc["step_seconds"].is_array()) {
    const auto steps = doc["step_seconds"].get<std::vector<double>>();
    const int64_t warm = warmup_steps(steps);
    double warm_seconds = 0;
    for (int64_t i = 0; i < warm && i < static_cast<int64_t>(steps.size()); ++i) warm_seconds += steps[static_cast<size_t>(i)];
    // Compilation observed in those steps is build time, not step time.
    doc["warmup_steps"] = warm;
    doc["warmup_seconds"] = warm_seconds;
  }
  return doc;
}

int64_t warmup_steps(const std::vector<double>& steps) {
  if (steps.size() < 3) return std::min<int64_t>(1, static_cast<int64_t>(steps.size()));
  const double typical = median(std::vector<double>(steps.begin() + 1, steps.end()));
  const int64_t limit = std::max<int64_t>(1, static_cast<int64_t>(steps.size()) / 10);
  int64_t warm = 1;
  while (warm < limit && steps[static_cast<size_t>(warm)] > 2 * typical) ++warm;
  return warm;
}

void run_training_repeats(const nlohmann::json& request, const std::map<std::string, WorkerInfo>& workers,
                          const std::vector<TrainRun>& planned, std::map<std::string, nlohmann::json>& runs,
                          const TrainSettings& s, const nlohmann::json& context, const RepeatSettings& repeats,
                          bool verbose) {
  std::vector<const TrainRun*> finished;
  for (const TrainRun& run : planned)
    if (runs.count(run.id) && runs[run.id].value("status", "") == "ok") finished.push_back(&run);
  if (finished.empty() || repeats.count < 2) return;
  nlohmann::json short_request = request;
  const int64_t full_steps = static_cast<int64_t>(runs[finished.front()->id]["step_seconds"].size());
  short_request["max_steps"] = std::max<int64_t>(3, std::min(repeats.steps, full_steps));
  // No test pass; the epochs stay as they are, so max_steps (never a short epoch) ends the repeat.
  short_request["evaluate"] = false;
  short_request.erase("inference");
  short_request.erase("profile");
  for (int round = 1; round < repeats.count; ++round) {
    for (size_t k = 0; k < finished.size(); ++k) {
      const TrainRun& run = *finished[(k + static_cast<size_t>(round)) % finished.size()];
      std::fprintf(stderr, "[%s] repeat %d of %d (%lld steps)...\n", run.id.c_str(), round + 1, repeats.count,
                   static_cast<long long>(short_request["max_steps"].get<int64_t>()));
      const nlohmann::json doc = execute_training(short_request, workers.at(run.backend), run, s, context, verbose);
      nlohmann::json repeat = {{"status", doc.value("status", "error")}};
      for (const char* key : {"reason", "step_seconds", "warmup_steps", "warmup_seconds", "build_seconds",
                              "first_step_seconds", "cpu_utilisation_cores", "pid", "epochs"})
        if (doc.contains(key)) repeat[key] = doc[key];
      if (doc.contains("process"))
        for (const char* key : {"wall_seconds", "user_cpu_seconds", "system_cpu_seconds", "max_rss_mib", "started_unix_seconds"})
          if (doc["process"].contains(key)) repeat["process"][key] = doc["process"][key];
      nlohmann::json& target = runs[run.id];
      if (!target.contains("repeats")) target["repeats"] = nlohmann::json::array();
      target["repeats"].push_back(std::move(repeat));
    }
  }
}

nlohmann::json time_to_accuracy(const nlohmann::json& run, double target) {
  double seconds = 0;
  for (const auto& e : run.value("epochs", nlohmann::json::array())) {
    seconds += e.value("seconds", 0.0);
    if (e.value("test_accuracy", -1.0) >= target)
      return {{"target", target}, {"seconds", seconds}, {"epoch", whole_or(e, "epoch", 0)}};
  }
  return {{"target", target}, {"seconds", nullptr}, {"epoch", nullptr}};
}

namespace {

// Per epoch, the largest minus the smallest test accuracy of the backends, in points.
nlohmann::json accuracy_spread(const std::map<std::string, nlohmann::json>& runs) {
  nlohmann::json spread = nlohmann::json::array();
  for (size_t epoch = 0;; ++epoch) {
    double lo = 1e9, hi = -1e9;
    int n = 0;
    for (const auto& [backend, run] : runs) {
      if (run.value("status", "") != "ok" || epoch >= run["epochs"].size()) continue;
      const auto& e = run["epochs"][epoch];
      if (!e.contains("test_accuracy")) continue;
      lo = std::min(lo, e["test_accuracy"].get<double>()), hi = std::max(hi, e["test_accuracy"].get<double>());
      ++n;
    }
    if (n < 2) break;
    spread.push_back((hi - lo) * 100);
  }
  return spread;
}

}  // namespace

ParityOutcome check_parity(const std::map<std::string, nlohmann::json>& runs, double tolerance, size_t max_steps) {
  ParityOutcome out;
  nlohmann::json losses = nlohmann::json::object(), failed = nlohmann::json::object();
  size_t steps = SIZE_MAX;
  for (const auto& [backend, run] : runs) {
    if (run.value("status", "") == "ok" && run.contains("parity_exemption")) {
      // A frontend that runs a named, different algorithm (torch.optim.Adam's ε placement) is shown
      // apart with its reason, not compared, and not failed.
      failed[backend] = fmt::format("a known difference: {}", run["parity_exemption"].get<std::string>());
    } else if (run.value("status", "") == "ok" && run.contains("step_losses")) {
      losses[backend] = run["step_losses"];
      steps = std::min(steps, run["step_losses"].size());
      if (max_steps > 0) steps = std::min(steps, max_steps);
    } else {
      failed[backend] = fmt::format("{}: {}", run.value("status", "error"), run.value("reason", std::string()));
    }
  }
  for (auto& [backend, l] : losses.items())  // only the steps compared; the runs hold them all
    if (steps < l.size()) l.erase(l.begin() + static_cast<long>(steps), l.end());
  double worst = 0;
  size_t worst_step = 0;
  std::string worst_pair;
  std::vector<double> per_step;
  if (losses.size() >= 2) {
    for (size_t k = 0; k < steps; ++k) {
      double step_worst = 0;
      for (auto a = losses.begin(); a != losses.end(); ++a)
        for (auto b = std::next(a); b != losses.end(); ++b) {
          const double x = (*a)[k].get<double>(), y = (*b)[k].get<double>();
          const double rel = std::abs(x - y) / std::max({std::abs(x), std::abs(y), 1e-12});
          step_worst = std::max(step_worst, rel);
          if (rel > worst) worst = rel, worst_step = k + 1, worst_pair = a.key() + " vs " + b.key();
        }
      per_step.push_back(step_worst);
    }
  }
  out.passed = losses.size() >= 2 && steps > 0 && worst <= tolerance;
  std::string verdict;
  if (losses.size() < 2) verdict = "not shown: fewer than two backends finished";
  else if (out.passed) verdict = fmt::format("passed: the losses of {} steps agree within {:.2g} (tolerance {:.2g})", steps, worst, tolerance);
  else verdict = fmt::format("FAILED: step {} differs by {:.3g} relative ({}), tolerance {:.2g}", worst_step, worst, worst_pair, tolerance);
  out.doc = {{"schema", kParitySchema}, {"passed", out.passed}, {"verdict", verdict}, {"tolerance", tolerance},
             {"steps", steps == SIZE_MAX ? 0 : steps}, {"largest_relative_difference", worst},
             {"worst_step", worst_step}, {"worst_pair", worst_pair}, {"step_relative_difference", per_step},
             {"step_losses", losses}, {"not_compared", failed},
             {"test_accuracy_spread_points", accuracy_spread(runs)}};
  return out;
}

}  // namespace versus
