#include "runner/execute.h"

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "core/op_registry.h"
#include "core/ops/dispatch.h"
#include "core/stats.h"
#include "data/file_io.h"
#include "data/load_files.h"
#include "machine/nvml.h"
#include "results/results_dir.h"
#include "runner/frontends.h"
#include "runner/spawn.h"
#include "runner/worker_reply.h"
#include "core/json_number.h"

namespace versus {
namespace {

// One worker process: its reply, or a failure made from how it ended.
bool is_frontend_mode(const WorkerInfo& w, const std::string& variant) {
  for (const auto& m : w.info.value("frontend_modes", nlohmann::json::array()))
    if (m.value("name", "") == variant) return true;
  return false;
}

// The CRC-32 of a tensor of byte values (pixels, labels) as the bytes themselves.
uint32_t byte_values_crc32(const std::vector<float>& values) { return data::crc32_of(as_bytes(values)); }

// A load case of the Python tier: the runner writes the files (the C++ workers' LoadFiles), the
// worker reads them with its frontend's reader and answers the CRC-32 of the bytes it read — the
// tensors themselves (up to 47 million values) would not fit a reply line — which the runner
// checks against the bytes it wrote.
nlohmann::json run_frontend_load(const CaseSpec& c, const RunSettings& s, const PythonFrontend& frontend,
                                 std::vector<std::string> env) {
  const OpDef& op = find_op(c.op);
  const std::vector<HostTensor> inputs = op.make_inputs(c);
  const LoadFiles files(c, inputs);
  nlohmann::json request = c;
  request["mode"] = c.variant;
  request["files"] = {{"dir", files.dir().string()}, {"images", files.images().string()}, {"labels", files.labels().string()}};
  request["pixels"] = files.params().pixels();
  const nlohmann::json expected = {{"images", byte_values_crc32(inputs[0].data)}, {"labels", byte_values_crc32(inputs[1].data)}};
  request["expected_crc32"] = expected;
  for (auto& v : frontend_environment(frontend)) env.push_back(std::move(v));
  std::vector<std::string> command = frontend_command(frontend);
  command[3] = "--run";
  const ProcessResult p = run_process(command, env, request.dump() + "\n", s.timeout_seconds);
  nlohmann::json reply = worker_reply(p, s.timeout_seconds);
  reply["tier"] = "python";  // an unsupported or failed reply says so too: the report names its reader by it
  if (reply.value("status", "") == "ok" && reply.value("outputs_crc32", nlohmann::json()) != expected)
    return {{"status", "validation_failed"}, {"process", reply["process"]},
            {"reason", fmt::format("the Python tier read other bytes than were written: CRC-32 {} (read) vs {} (written)",
                                   reply.value("outputs_crc32", nlohmann::json()).dump(), expected.dump())}};
  return reply;
}

// A case of the Python tier (runner/frontends.h): the worker gets the harness's inputs, the
// reference and the bound a correct result keeps to, and validates before it times; the runner
// checks the returned result again with the op's own checker.
nlohmann::json run_frontend_process(const CaseSpec& c, const RunSettings& s, const WorkerInfo& w,
                                    std::vector<std::string> env) {
  const auto frontend = python_frontend(w.backend);
  const std::string problem = !frontend ? w.backend + " has no Python tier in versus" : frontend->problem;
  if (!problem.empty()) return {{"status", "unsupported"}, {"reason", problem}};
  if (c.op == "load") return run_frontend_load(c, s, *frontend, std::move(env));
  if (c.op != "dispatch")
    return {{"status", "unsupported"}, {"reason", "the Python tier runs training, the dispatch and the load op; '" + c.op + "' is C++-tier only"}};
  if (const std::string mode = parse_dispatch_mode(c.params); mode != "python")
    return {{"status", "unsupported"}, {"reason", "the Python tier's dispatch path is mode=python; '" + mode + "' is the C++ tier's"}};
  const OpDef& op = find_op(c.op);
  const std::vector<HostTensor> inputs = op.make_inputs(c);
  const std::vector<HostTensor> references = op.reference(c, inputs);
  nlohmann::json request = c;
  request["mode"] = c.variant;
  request["inputs"] = nlohmann::json::array();
  for (const HostTensor& t : inputs) request["inputs"].push_back({{"name", t.name}, {"shape", t.shape}, {"data", t.data}});
  request["reference"] = references.at(0).data;
  request["error_scale"] = dispatch_error_scale(inputs);
  request["tolerance"] = 1.01 * std::ldexp(1.0, -24);
  for (auto& v : frontend_environment(*frontend)) env.push_back(std::move(v));
  std::vector<std::string> command = frontend_command(*frontend);
  command[3] = "--run";
  const ProcessResult p = run_process(command, env, request.dump() + "\n", s.timeout_seconds);
  nlohmann::json reply = worker_reply(p, s.timeout_seconds);
  if (reply.value("status", "") == "ok") {
    const Validation v = op.check(c, inputs, references, {reply.value("outputs", nlohmann::json::array()).get<std::vector<std::vector<float>>>()});
    if (!v.passed)
      return {{"status", "validation_failed"}, {"validation", v}, {"process", reply["process"]},
              {"reason", "the Python tier's result differs from the reference: " + v.detail}};
  }
  return reply;
}

nlohmann::json run_one_process(const CaseSpec& c, const RunSettings& s, const WorkerInfo& w,
                               const std::vector<std::string>& env) {
  if (is_frontend_mode(w, c.variant)) return run_frontend_process(c, s, w, env);
  GpuMonitor gpu_monitor;
  const bool monitoring_gpu = c.device == "cuda" && gpu_monitor.start();
  const ProcessResult p = run_process({w.executable.string(), "--run"}, env,
                                      nlohmann::json(c).dump() + "\n", s.timeout_seconds);
  const nlohmann::json gpu = monitoring_gpu ? gpu_monitor.stop() : nlohmann::json(nullptr);
  nlohmann::json reply = worker_reply(p, s.timeout_seconds);
  if (!gpu.is_null()) reply["process"]["gpu"] = gpu;
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

std::optional<double> roofline_bound(const CaseSpec& c, const nlohmann::json& context, double flops, double bytes) {
  if (bytes <= 0) return std::nullopt;
  if (c.device == "cuda") {
    const nlohmann::json gpu = context.value("gpu_roofline", nlohmann::json::object());
    if (!gpu.is_object() || !gpu.value("available", false)) return std::nullopt;
    return std::min(gpu.value("peak_gflops", 0.0), gpu.value("bandwidth_gbs", 0.0) * flops / bytes);
  }
  if (!context.contains("roofline") || !context["roofline"].is_object()) return std::nullopt;
  const nlohmann::json& r = context["roofline"];
  // The peak scales with the threads the case may use; bandwidth is shared by all cores.
  const int roof_threads = std::max(1, whole_or(r, "threads", 1));
  return std::min(r.value("peak_gflops", 0.0) * std::min(1.0, double(c.threads) / roof_threads),
                  r.value("bandwidth_gbs", 0.0) * flops / bytes);
}

CaseExecution::CaseExecution(const CaseSpec& c, const RunSettings& s, const WorkerInfo& w,
                             const nlohmann::json& context)
    : case_(c), settings_(s), worker_(w), env_(worker_environment(c.threads)) {
  // A variant that names one of the worker's execution modes brings that mode's switches.
  const nlohmann::json modes = w.info.value("modes", nlohmann::json::array());
  for (const auto& m : modes)
    if (m.value("name", "") == c.variant)
      for (const auto& [k, v] : m["environment"].items()) env_.push_back(k + "=" + v.get<std::string>());
  doc_ = {{"schema", kResultSchema},
          {"id", c.id()},
          {"case", c},
          {"reproducer", c.reproducer()},
          {"quick", s.quick},
          {"created", now_utc()},
          {"environment", recorded_environment(env_)},
          {"context", context}};
}

bool CaseExecution::wants_process() const {
  if (status_ != "ok") return false;
  const int ran = static_cast<int>(processes_.size());
  if (ran < settings_.processes) return true;
  // Then, while the interval between processes is wider than the target, up to as many again
  // (a noisy case gets more processes, never a silently loose number).
  // One planned process asks for no interval between processes; a second would give Student's t
  // with one degree of freedom (12.7), never a tighter interval, so none is added.
  if (ran >= 2 * settings_.processes || settings_.processes < 2) return false;
  return summarize_processes(samples_, case_.seed).ci_half_width() > kCiHalfWidthTarget;
}

void CaseExecution::run_process() {
  nlohmann::json reply = run_one_process(case_, settings_, worker_, env_);
  if (interrupt_requested()) throw Interrupted();
  take(std::move(reply));
}

void CaseExecution::restore(const nlohmann::json& processes) {
  if (!processes.is_array()) return;
  for (const auto& p : processes)
    if (p.value("status", "") == "ok") take(p);  // a failed process would have ended the run
}

void CaseExecution::take(nlohmann::json reply) {
  const std::string st = reply.value("status", "error");
  if (processes_.empty() || st != "ok") {  // the first process, or the one that failed, speaks for the run
    for (const char* key : {"validation", "framework", "threads_used", "variant", "mode_report"})
      if (reply.contains(key)) doc_[key] = reply[key];
  }
  if (st == "ok") samples_.push_back(reply.value("samples_seconds", std::vector<double>{}));
  processes_.push_back(std::move(reply));
  if (st != "ok") {
    status_ = st;
    reason_ = processes_.back().value("reason", std::string());
  }
}

nlohmann::json CaseExecution::result() const {
  const CaseSpec& c = case_;
  const OpDef& op = find_op(c.op);
  nlohmann::json doc = doc_;
  doc["status"] = status_;
  if (!reason_.empty()) doc["reason"] = reason_;
  doc["processes"] = processes_;
  std::vector<double> pooled;
  for (const auto& p : samples_) pooled.insert(pooled.end(), p.begin(), p.end());
  doc["samples_seconds"] = pooled;
  const double flops = op.work_flops(c), bytes = op.work_bytes(c);
  doc["work"] = {{"flops", flops}, {"bytes", bytes}, {"arithmetic_intensity", flops / bytes},
                 {"counting", c.direction == "backward" ? "backward pass (nominal: see the op's definition)"
                                                          : "forward pass"}};
  if (status_ == "ok" && !pooled.empty()) {
    const Summary sum = summarize_processes(samples_, c.seed);
    const int ran = static_cast<int>(processes_.size());
    const int extra = std::max(0, ran - settings_.processes);
    doc["summary"] = {{"unit", "seconds"}, {"count", sum.count}, {"median", sum.median},
                      {"mean", sum.mean},  {"stddev", sum.stddev}, {"min", sum.min},
                      {"max", sum.max},    {"ci_low", sum.ci_low}, {"ci_high", sum.ci_high},
                      {"rerun_low", sum.rerun_low}, {"rerun_high", sum.rerun_high},
                      {"between_processes", sum.between_processes},
                      {"between_process_cv", sum.between_process_cv},
                      {"interval_method", sum.method},
                      {"cv", sum.cv},      {"unstable", sum.unstable},
                      {"unstable_cv_threshold", kUnstableCv}, {"processes", ran},
                      {"extra_processes", extra},
                      {"ci_half_width", sum.ci_half_width()},
                      {"ci_half_width_target", kCiHalfWidthTarget},
                      {"ci_level", 0.95}};
    doc["gflops"] = throughput(flops, sum, 1e-9);
    doc["gbps"] = throughput(bytes, sum, 1e-9);
    if (const auto bound = roofline_bound(c, doc_["context"], flops, bytes)) {
      doc["roofline_bound_gflops"] = *bound;
      if (*bound > 0) doc["roofline_fraction"] = doc["gflops"]["median"].get<double>() / *bound;
    }
  }
  return doc;
}

nlohmann::json execute_case(const CaseSpec& c, const RunSettings& s, const WorkerInfo& w,
                            const nlohmann::json& context) {
  CaseExecution run(c, s, w, context);
  while (run.wants_process()) run.run_process();
  return run.result();
}

}  // namespace versus
