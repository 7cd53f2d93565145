#include "runner/worker_reply.h"

#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "core/memory_limit.h"

namespace versus {
namespace {

std::string last_line(const std::string& text) {
  const auto end = text.find_last_not_of("\n ");
  if (end == std::string::npos) return "";
  const auto begin = text.rfind('\n', end);
  return text.substr(begin == std::string::npos ? 0 : begin + 1, end - (begin == std::string::npos ? 0 : begin));
}

}  // namespace

std::vector<std::string> worker_environment(int threads) {
  const std::string t = std::to_string(threads);
  std::vector<std::string> env = {"OMP_NUM_THREADS=" + t, "OPENBLAS_NUM_THREADS=" + t, "MKL_NUM_THREADS=" + t};
  if (!std::getenv("TF_CPP_MIN_LOG_LEVEL")) env.push_back("TF_CPP_MIN_LOG_LEVEL=2");
  if (worker_memory_limit() > 0) env.push_back(fmt::format("{}={}", kMemoryLimitVariable, worker_memory_limit()));
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

bool is_reply_line(const std::string& line) { return line.rfind("{\"progress\":", 0) != 0; }

nlohmann::json worker_reply(const ProcessResult& p, double timeout_seconds) {
  nlohmann::json reply;
  size_t begin = 0;
  for (size_t nl; (nl = p.stdout_text.find('\n', begin)) != std::string::npos; begin = nl + 1) {
    const std::string line = p.stdout_text.substr(begin, nl - begin);
    if (line.empty() || !is_reply_line(line)) continue;
    try {
      reply = nlohmann::json::parse(line);
    } catch (const std::exception&) {
      reply = nullptr;
    }
    break;
  }
  // A line without a string "status" is no reply: the runner and the result documents read
  // "status" and "reason" as strings, and {"status": 1} threw out of here (found by
  // fuzz/worker_reply_fuzzer). A "reason" or "stderr_tail" of another type is kept as its JSON text.
  const bool replied = reply.is_object() && reply.contains("status") && reply["status"].is_string();
  for (const char* key : {"reason", "stderr_tail"})
    if (replied && reply.contains(key) && !reply[key].is_string()) reply[key] = reply[key].dump();
  const std::string stderr_last = last_line(p.stderr_tail);
  if (!p.started) {
    reply = {{"status", "error"}, {"reason", p.start_error}};
  } else if (p.timed_out) {
    reply = {{"status", "timeout"},
             {"reason", fmt::format("no result within {:.0f} s; worker killed (raise --timeout if the case is just slow)",
                                    timeout_seconds)}};
  } else if (p.cancelled && !replied) {
    reply = {{"status", "cancelled"}, {"reason", "stopped because another process of the same job failed"}};
  } else if (!replied) {
    std::string how = p.signal ? fmt::format("killed by signal {} ({})", p.signal, strsignal(p.signal))
                               : fmt::format("exited with code {} without a result", p.exit_code);
    if (!stderr_last.empty()) how += "; last stderr line: " + stderr_last;
    reply = {{"status", "crashed"}, {"reason", "worker " + how}};
  }
  reply["process"] = {{"wall_seconds", p.wall_seconds},
                      {"started_unix_seconds", p.started_unix_seconds},
                      {"user_cpu_seconds", p.user_cpu_seconds},
                      {"system_cpu_seconds", p.system_cpu_seconds},
                      {"max_rss_mib", static_cast<double>(p.max_rss_kib) / 1024.0},
                      {"exit_code", p.exit_code},
                      {"signal", p.signal},
                      {"killed_after_reply", p.killed_after_reply}};
  if (reply.value("status", "") != "ok" && !stderr_last.empty()) reply["stderr_tail"] = p.stderr_tail;
  return classify_out_of_memory(std::move(reply), worker_memory_limit());
}

}  // namespace versus
