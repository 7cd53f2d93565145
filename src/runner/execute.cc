#include "runner/execute.h"

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "core/op_registry.h"
#include "core/stats.h"
#include "machine/nvml.h"
#include "runner/results_dir.h"
#include "runner/spawn.h"

namespace versus {
namespace {

std::string last_line(const std::string& text) {
  const auto end = text.find_last_not_of("\n ");
  if (end == std::string::npos) return "";
  const auto begin = text.rfind('\n', end);
  return text.substr(begin == std::string::npos ? 0 : begin + 1, end - (begin == std::string::npos ? 0 : begin));
}

std::vector<std::string> worker_environment(const CaseSpec& c) {
  const std::string t = std::to_string(c.threads);
  std::vector<std::string> env = {"OMP_NUM_THREADS=" + t, "OPENBLAS_NUM_THREADS=" + t,
                                  "MKL_NUM_THREADS=" + t};
  if (!std::getenv("TF_CPP_MIN_LOG_LEVEL")) env.push_back("TF_CPP_MIN_LOG_LEVEL=2");
  return env;
}

nlohmann::json recorded_environment(const std::vector<std::string>& overrides) {
  nlohmann::json env = nlohmann::json::object();
  for (const auto& name : environment_that_matters()) {
    if (const char* v = std::getenv(name.c_str())) env[name] = v;
    for (const auto& kv : overrides)
      if (kv.rfind(name + "=", 0) == 0) env[name] = kv.substr(name.size() + 1);
  }
  return env;
}

// One worker process: its reply, or a failure made from how it ended.
nlohmann::json run_one_process(const CaseSpec& c, const RunSettings& s, const WorkerInfo& w,
                               const std::vector<std::string>& env) {
  GpuMonitor gpu_monitor;
  const bool monitoring_gpu = c.device == "cuda" && gpu_monitor.start();
  const ProcessResult p = run_process({w.executable.string(), "--run"}, env,
                                      nlohmann::json(c).dump() + "\n", s.timeout_seconds);
  const nlohmann::json gpu = monitoring_gpu ? gpu_monitor.stop() : nlohmann::json(nullptr);
  nlohmann::json reply;
  const std::string line = p.stdout_text.substr(0, p.stdout_text.find('\n'));
  if (!line.empty()) {
    try {
      reply = nlohmann::json::parse(line);
    } catch (const std::exception&) {
      reply = nullptr;
    }
  }
  const std::string stderr_last = last_line(p.stderr_tail);
  if (!p.started) {
    reply = {{"status", "error"}, {"reason", p.start_error}};
  } else if (p.timed_out) {
    reply = {{"status", "timeout"},
             {"reason", fmt::format("no result within {:.0f} s; worker killed (raise --timeout if the case is just slow)",
                                    s.timeout_seconds)}};
  } else if (!reply.is_object() || !reply.contains("status")) {
    std::string how = p.signal ? fmt::format("killed by signal {} ({})", p.signal, strsignal(p.signal))
                               : fmt::format("exited with code {} without a result", p.exit_code);
    if (!stderr_last.empty()) how += "; last stderr line: " + stderr_last;
    reply = {{"status", "crashed"}, {"reason", "worker " + how}};
  }
  reply["process"] = {{"wall_seconds", p.wall_seconds},
                      {"user_cpu_seconds", p.user_cpu_seconds},
                      {"system_cpu_seconds", p.system_cpu_seconds},
                      {"max_rss_mib", static_cast<double>(p.max_rss_kib) / 1024.0},
                      {"exit_code", p.exit_code},
                      {"signal", p.signal},
                      {"killed_after_reply", p.killed_after_reply}};
  if (!gpu.is_null()) reply["process"]["gpu"] = gpu;
  if (reply.value("status", "") != "ok" && !stderr_last.empty()) reply["stderr_tail"] = p.stderr_tail;
  return reply;
}

nlohmann::json throughput(double amount, const Summary& s, double scale) {
  // Time's interval maps to throughput's interval inverted: the fastest time gives the high end.
  return {{"median", amount / s.median * scale},
          {"ci_low", amount / s.ci_high * scale},
          {"ci_high", amount / s.ci_low * scale}};
}

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace

const std::vector<std::string>& environment_that_matters() {
  static const std::vector<std::string> names = {
      "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_PROC_BIND", "OMP_PLACES",
      "KMP_AFFINITY", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "TF_ENABLE_ONEDNN_OPTS",
      "TF_XLA_FLAGS", "TF_CPP_MIN_LOG_LEVEL", "MXNET_ENGINE_TYPE", "MXNET_MKLDNN_ENABLED",
      "MXNET_CPU_WORKER_NTHREADS", "DNNL_MAX_CPU_ISA", "ONEDNN_MAX_CPU_ISA", "CUDA_VISIBLE_DEVICES"};
  return names;
}

nlohmann::json execute_case(const CaseSpec& c, const RunSettings& s, const WorkerInfo& w,
                            const nlohmann::json& context) {
  const OpDef& op = find_op(c.op);
  const std::vector<std::string> env = worker_environment(c);
  nlohmann::json doc = {{"schema", kResultSchema},
                        {"id", c.id()},
                        {"case", c},
                        {"reproducer", c.reproducer()},
                        {"quick", s.quick},
                        {"created", now_utc()},
                        {"environment", recorded_environment(env)},
                        {"context", context}};
  nlohmann::json processes = nlohmann::json::array();
  std::vector<double> samples;
  std::string status = "ok", reason;
  for (int i = 0; i < s.processes; ++i) {
    nlohmann::json reply = run_one_process(c, s, w, env);
    if (interrupt_requested()) throw Interrupted();
    const std::string st = reply.value("status", "error");
    if (i == 0 || st != "ok") {  // the first process, or the one that failed, speaks for the run
      for (const char* key : {"validation", "framework", "threads_used", "variant"})
        if (reply.contains(key)) doc[key] = reply[key];
    }
    if (st == "ok")
      for (double x : reply["samples_seconds"]) samples.push_back(x);
    processes.push_back(std::move(reply));
    if (st != "ok") {
      status = st;
      reason = processes.back().value("reason", std::string());
      break;  // a failing case fails the same way again; the suite moves on
    }
  }
  doc["status"] = status;
  if (!reason.empty()) doc["reason"] = reason;
  doc["processes"] = processes;
  doc["samples_seconds"] = samples;
  const double flops = op.work_flops(c), bytes = op.work_bytes(c);
  doc["work"] = {{"flops", flops}, {"bytes", bytes}, {"arithmetic_intensity", flops / bytes},
                 {"counting", c.direction == "backward" ? "backward pass (nominal: see the op's definition)"
                                                          : "forward pass"}};
  if (status == "ok" && !samples.empty()) {
    const Summary sum = summarize(samples, c.seed);
    doc["summary"] = {{"unit", "seconds"}, {"count", sum.count}, {"median", sum.median},
                      {"mean", sum.mean},  {"stddev", sum.stddev}, {"min", sum.min},
                      {"max", sum.max},    {"ci_low", sum.ci_low}, {"ci_high", sum.ci_high},
                      {"cv", sum.cv},      {"unstable", sum.unstable},
                      {"unstable_cv_threshold", kUnstableCv}, {"processes", s.processes},
                      {"bootstrap_resamples", kBootstrapResamples}, {"ci_level", 0.95}};
    doc["gflops"] = throughput(flops, sum, 1e-9);
    doc["gbps"] = throughput(bytes, sum, 1e-9);
    if (context.contains("roofline")) {
      const double peak = context["roofline"].value("peak_gflops", 0.0);
      const double bw = context["roofline"].value("bandwidth_gbs", 0.0);
      // The peak scales with the threads the case may use; bandwidth is shared by all cores.
      const int roof_threads = std::max(1, context["roofline"].value("threads", 1));
      const double bound = std::min(peak * std::min(1.0, double(c.threads) / roof_threads),
                                    bw * flops / bytes);
      doc["roofline_bound_gflops"] = bound;
      if (bound > 0) doc["roofline_fraction"] = doc["gflops"]["median"].get<double>() / bound;
    }
  }
  return doc;
}

}  // namespace versus
