#include "runner/dist_runner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/stats.h"
#include "runner/execute.h"
#include "runner/spawn.h"
#include "runner/worker_reply.h"
#include "core/json_number.h"

namespace versus {

std::string cores_of_rank(int rank, int threads, int world_size, int cores) {
  if (threads * world_size > cores) return "";
  std::string list;
  for (int c = rank * threads; c < (rank + 1) * threads; ++c) list += (list.empty() ? "" : ",") + std::to_string(c);
  return list;
}

namespace {

// The job's failure, first come: every process it stops says why.
class JobFailure {
 public:
  void record(const std::string& who, const nlohmann::json& doc) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (reason_.empty())
      reason_ = fmt::format("{} {}: {}", who, doc.value("status", "error"), doc.value("reason", std::string("no reason given")));
  }
  std::string reason() {
    std::lock_guard<std::mutex> lock(mutex_);
    return reason_;
  }

 private:
  std::mutex mutex_;
  std::string reason_;
};

}  // namespace

std::vector<nlohmann::json> run_ranks(const nlohmann::json& request, const WorkerInfo& worker, const DistributedSpec& spec,
                                      const std::vector<int>& local_ranks, bool start_helpers, const DistSettings& s,
                                      const nlohmann::json& context, bool verbose, const PeerFailure& peer_failure) {
  std::atomic<bool> stop_ranks{false}, stop_helpers{false}, interrupted{false};
  std::atomic<int> helpers_running{0};
  JobFailure failure;
  const TrainRun base = plan_training_runs({{worker.backend, worker}}, {}, {s.train.threads}).front();

  std::vector<std::thread> helpers;
  if (start_helpers)
    for (const auto& role : worker.info.value("distributed_helper_roles", std::vector<std::string>{})) {
      ++helpers_running;
      helpers.emplace_back([&, role] {
        const ProcessResult p = run_process({worker.executable.string(), "--serve", role}, worker_environment(1),
                                            nlohmann::json(spec).dump() + "\n", s.train.timeout_seconds, 20, {}, &stop_helpers);
        const nlohmann::json reply = worker_reply(p, s.train.timeout_seconds);
        if (reply.value("status", "") != "ok" && !stop_helpers) {
          failure.record(fmt::format("{} {} process", worker.backend, role), reply);
          stop_ranks = true;
        }
        --helpers_running;
      });
    }

  std::vector<nlohmann::json> docs(local_ranks.size());
  std::vector<std::thread> ranks;
  for (size_t i = 0; i < local_ranks.size(); ++i)
    ranks.emplace_back([&, i] {
      const int rank = local_ranks[i];
      nlohmann::json rank_request = request;
      DistributedSpec mine = spec;
      mine.rank = rank;
      rank_request["distributed"] = mine;
      TrainRun run = base;
      run.id = fmt::format("{}-rank{}", worker.backend, rank);
      if (const std::string cpus = cores_of_rank(rank, s.train.threads, s.world_size, s.cores); !cpus.empty() && !s.launch)
        run.environment["VERSUS_CPUS"] = cpus;
      try {
        docs[i] = execute_training(rank_request, worker, run, s.train, context, verbose && rank == 0, &stop_ranks);
      } catch (const Interrupted&) {
        interrupted = true;
        docs[i] = {{"status", "interrupted"}, {"reason", "the user interrupted versus"}};
      } catch (const std::exception& e) {
        docs[i] = {{"status", "error"}, {"reason", e.what()}};
      }
      docs[i]["id"] = run.id;
      docs[i]["rank"] = rank;
      if (docs[i].value("status", "") != "ok" && docs[i].value("status", "") != "cancelled") {
        failure.record(fmt::format("rank {}", rank), docs[i]);
        stop_ranks = true;
      }
    });
  std::atomic<bool> ranks_done{false};
  std::thread watcher;
  if (peer_failure)
    watcher = std::thread([&] {
      while (!ranks_done && !stop_ranks) {
        if (const nlohmann::json peer = peer_failure(); !peer.is_null()) {
          failure.record(fmt::format("rank {}", whole_or(peer, "rank", -1)), peer);
          stop_ranks = true;
        }
        for (int i = 0; i < 5 && !ranks_done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
  for (auto& t : ranks) t.join();
  ranks_done = true;
  if (watcher.joinable()) watcher.join();
  // The helpers end with the job (MXNet's workers stop the server as they leave); a grace period.
  for (int waited = 0; helpers_running > 0 && waited < 300; ++waited)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  stop_helpers = true;
  for (auto& t : helpers) t.join();
  if (interrupted) throw Interrupted();

  const std::string why = failure.reason();
  for (auto& d : docs)
    if (d.value("status", "") == "cancelled") d["reason"] = "stopped because " + why;
  // A helper that failed while every rank finished still fails the job: its ranks' results stand.
  return docs;
}

namespace {

double median_after_first(const std::vector<double>& v) {
  if (v.size() < 2) return v.empty() ? std::nan("") : v.front();
  return median(std::vector<double>(v.begin() + 1, v.end()));
}

// The first and third quartile of the steps after the first (the report's error bars).
nlohmann::json quartiles(const std::vector<double>& steps) {
  if (steps.size() < 2) return nullptr;
  std::vector<double> v(steps.begin() + 1, steps.end());
  std::sort(v.begin(), v.end());
  const auto at = [&](double p) { return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5)]; };
  return {at(0.25), at(0.75)};
}

std::vector<double> doubles(const nlohmann::json& j, const char* key) {
  return j.contains(key) ? j[key].get<std::vector<double>>() : std::vector<double>{};
}

// The largest |a − b| of two parameter lists relative to the largest |b| of the same tensor.
double parameter_difference(const nlohmann::json& a, const nlohmann::json& b) {
  if (!a.is_array() || !b.is_array() || a.size() != b.size()) return std::nan("");
  double worst = 0;
  for (size_t t = 0; t < a.size(); ++t) {
    const auto x = a[t]["data"].get<std::vector<double>>(), y = b[t]["data"].get<std::vector<double>>();
    if (x.size() != y.size()) return std::nan("");
    double diff = 0, scale = 1e-12;
    for (size_t i = 0; i < x.size(); ++i) diff = std::max(diff, std::abs(x[i] - y[i])), scale = std::max(scale, std::abs(y[i]));
    worst = std::max(worst, diff / scale);
  }
  return worst;
}

nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json parity_of(const std::vector<nlohmann::json>& ranks, const nlohmann::json& single, double tolerance) {
  // Ranks against rank 0: the same averaged gradients and the same update give the same bits.
  double across = 0;
  for (const auto& r : ranks) across = std::max(across, parameter_difference(r["final_parameters"], ranks.front()["final_parameters"]));
  nlohmann::json p = {{"tolerance", tolerance}, {"ranks_max_relative_difference", number_or_null(across)},
                      {"ranks_identical", across == 0}};
  bool passed = std::isfinite(across) && across <= tolerance;
  std::string verdict = across == 0 ? "every rank holds the same parameters, bit for bit"
                                    : fmt::format("ranks' parameters differ by up to {:.3g} (relative)", across);
  if (single.value("status", "") != "ok") {
    p["against_single"] = nullptr;
    p["passed"] = false;
    p["verdict"] = verdict + "; no single-process reference (" + single.value("reason", std::string("it did not run")) + ")";
    return p;
  }
  // The job's loss of a step is the mean of its ranks' losses (equal shares of the batch).
  // The first steps only, as `versus parity` does: float32 rounding differences (a sum over two
  // half batches is not the sum over the whole one) grow chaotically over many steps, while a real
  // difference in what is computed shows at once. The final parameters are reported, not judged.
  constexpr size_t kComparedSteps = 20;
  const std::vector<double> reference = doubles(single, "step_losses");
  size_t steps = std::min(reference.size(), kComparedSteps);
  for (const auto& r : ranks) steps = std::min(steps, r["step_losses"].size());
  std::vector<double> job_losses(steps, 0.0);
  double loss_diff = 0;
  for (size_t k = 0; k < steps; ++k) {
    for (const auto& r : ranks) job_losses[k] += r["step_losses"][k].get<double>() / static_cast<double>(ranks.size());
    loss_diff = std::max(loss_diff, std::abs(job_losses[k] - reference[k]) / std::max(std::abs(reference[k]), 1e-12));
  }
  const double param_diff = parameter_difference(ranks.front()["final_parameters"], single["final_parameters"]);
  p["against_single"] = {{"steps", steps}, {"job_step_losses", job_losses}, {"single_step_losses", reference},
                         {"loss_max_relative_difference", loss_diff},
                         {"parameters_max_relative_difference", number_or_null(param_diff)}};
  passed = passed && steps > 0 && loss_diff <= tolerance;
  p["passed"] = passed;
  p["verdict"] = fmt::format("{}: {}; against one process on the same global batches, the first {} steps' losses within {:.2g} "
                             "(tolerance {:.2g}); final parameters within {:.2g} (relative to each tensor's largest value)",
                             passed ? "passed" : "FAILED", verdict, steps, loss_diff, tolerance, param_diff);
  return p;
}

}  // namespace

nlohmann::json summarize_job(const std::vector<nlohmann::json>& ranks, const nlohmann::json& single,
                             const nlohmann::json& single_local, const DistSettings& s) {
  const int n = s.world_size, t = s.train.threads;
  const int64_t batch = single.contains("batch") ? single["batch"].get<int64_t>()
                        : !ranks.empty() && ranks.front().contains("batch") ? ranks.front()["batch"].get<int64_t>() : 0;
  nlohmann::json out = {{"world_size", n}, {"threads_per_rank", t}, {"global_batch", batch},
                        {"local_batch", n > 0 ? batch / n : 0}, {"cores", s.cores},
                        {"oversubscribed", n * t > s.cores}};
  nlohmann::json rank_status = nlohmann::json::array();
  // The job's reason: the rank most likely to have failed by itself — a crash before an error
  // (a peer's engine may err on the lost rank), an error before a timeout or a stop (usually
  // waiting on another rank) — the lowest rank among equals.
  const auto consequence_level = [](const std::string& status) {
    return status == "crashed" || status == "out_of_memory" ? 0 : status == "timeout" ? 2 : status == "cancelled" ? 3 : 1;
  };
  std::string failed;
  int failed_level = 4;
  for (const auto& r : ranks) {
    const std::string status = r.value("status", "error");
    rank_status.push_back({{"rank", whole_or(r, "rank", 0)}, {"status", status}, {"reason", r.value("reason", "")}});
    if (status == "ok" || consequence_level(status) >= failed_level) continue;
    failed_level = consequence_level(status);
    failed = fmt::format("rank {} {}: {}", whole_or(r, "rank", 0), status, r.value("reason", std::string()));
  }
  out["ranks"] = rank_status;
  if (ranks.empty() || !failed.empty()) {
    // Unsupported when a rank said so and the others said the same or were stopped because of it:
    // which of them answers first is a race, not a difference in the outcome.
    const auto said_unsupported = std::find_if(ranks.begin(), ranks.end(), [](const nlohmann::json& r) {
      return r.value("status", "") == "unsupported";
    });
    const bool unsupported = said_unsupported != ranks.end() && std::all_of(ranks.begin(), ranks.end(), [](const nlohmann::json& r) {
      return r.value("status", "") == "unsupported" || r.value("status", "") == "cancelled";
    });
    out["status"] = unsupported ? "unsupported" : "failed";
    out["reason"] = ranks.empty() ? std::string("no rank ran") : unsupported ? said_unsupported->value("reason", std::string()) : failed;
    return out;
  }
  out["status"] = "ok";
  out["engine"] = ranks.front()["distributed"]["communication"].value("engine", "");
  out["collective"] = ranks.front()["distributed"]["communication"].value("collective", "");

  // The job's step is as slow as its slowest rank; the first step (warm-up, rendezvous) is left out.
  size_t steps = SIZE_MAX;
  for (const auto& r : ranks) steps = std::min(steps, r["step_seconds"].size());
  std::vector<double> job_step(steps, 0.0);
  double comm = 0;  // the slowest rank's median
  bool comm_measured = false;
  nlohmann::json per_rank = nlohmann::json::array();
  for (const auto& r : ranks) {
    const auto step = doubles(r, "step_seconds");
    for (size_t k = 0; k < steps; ++k) job_step[k] = std::max(job_step[k], step[k]);
    // Per step (torch, MXNet: the first one left out), or on sampled steps (TensorFlow's traces).
    const auto c = doubles(r["distributed"]["communication"], "communication_seconds");
    const double rank_comm = c.size() == step.size() ? median_after_first(c) : c.empty() ? std::nan("") : median(c);
    if (std::isfinite(rank_comm)) comm = std::max(comm, rank_comm), comm_measured = true;
    per_rank.push_back({{"rank", whole_or(r, "rank", 0)}, {"median_step_seconds", median_after_first(step)},
                        {"median_communication_seconds", number_or_null(rank_comm)},
                        {"max_rss_mib", r["process"].value("max_rss_mib", 0.0)},
                        {"cpu_utilisation_cores", r.value("cpu_utilisation_cores", 0.0)}});
  }
  out["per_rank"] = per_rank;
  const double step = median_after_first(job_step);
  out["steps"] = steps;
  out["job_step_seconds"] = job_step;
  out["median_step_seconds"] = step;
  out["step_quartiles_seconds"] = quartiles(job_step);
  if (comm_measured) {
    out["median_communication_seconds"] = comm;
    out["median_compute_seconds"] = step - comm;
    out["communication_fraction"] = step > 0 ? comm / step : 0.0;
  }
  out["throughput_samples_per_second"] = step > 0 ? static_cast<double>(batch) / step : 0.0;
  const nlohmann::json& comm_doc = ranks.front()["distributed"]["communication"];
  out["payload_bytes_per_rank_per_step"] = whole_or(comm_doc, "payload_bytes", int64_t{0});
  const nlohmann::json& first = ranks.front()["distributed"];
  if (first.contains("received_bytes") && steps > 0) {
    out["received_bytes_per_step"] = first["received_bytes"].get<double>() / static_cast<double>(steps);
    out["received_interface"] = first.value("interface", "lo");
  }
  nlohmann::json hosts = nlohmann::json::array();
  for (const nlohmann::json& r : ranks) hosts.push_back(r.value("distributed", nlohmann::json::object()).value("host", ""));
  out["hosts"] = hosts;

  if (single.value("status", "") == "ok") {
    const double one = median_after_first(doubles(single, "step_seconds"));
    out["single"] = {{"median_step_seconds", one}, {"throughput_samples_per_second", static_cast<double>(batch) / one},
                     {"step_quartiles_seconds", quartiles(doubles(single, "step_seconds"))},
                     {"max_rss_mib", single["process"].value("max_rss_mib", 0.0)}};
    out["speedup"] = one / step;
    out["scaling_efficiency"] = one / step / n;
  } else {
    out["single"] = {{"status", single.value("status", "error")}, {"reason", single.value("reason", "")}};
  }
  if (single_local.value("status", "") == "ok") {
    const double local = median_after_first(doubles(single_local, "step_seconds"));
    out["single_local"] = {{"median_step_seconds", local}, {"batch", whole_or(single_local, "batch", int64_t{0})},
                           {"step_quartiles_seconds", quartiles(doubles(single_local, "step_seconds"))}};
    // What being one of N costs over doing the same share alone: communication, waiting for
    // the slowest rank, and (oversubscribed) the cores the ranks take from each other.
    out["overhead_seconds"] = step - local;
    out["overhead_fraction"] = (step - local) / local;
  }
  out["parity"] = parity_of(ranks, single, s.tolerance);
  return out;
}

}  // namespace versus
