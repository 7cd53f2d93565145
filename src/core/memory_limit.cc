#include "core/memory_limit.h"

#include <sys/resource.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "core/errors.h"

namespace versus {
namespace {

int64_t g_limit_bytes = 0;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// How each framework, the C++ runtime and Python say an allocation failed.
bool says_allocation_failed(const std::string& text) {
  const std::string t = lower(text);
  for (const char* words : {"bad_alloc", "cannot allocate memory", "can't allocate memory", "out of memory", "oom when allocating",
                            "failed to allocate", "memoryerror", "resource_exhausted", "pthread_create", "std::length_error",
                            "resource temporarily unavailable"})
    if (t.find(words) != std::string::npos) return true;
  return false;
}

}  // namespace

int64_t parse_memory_size(const std::string& text) {
  const char* begin = text.c_str();
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(begin, &end);
  std::string unit = lower(std::string(end));
  unit.erase(std::remove(unit.begin(), unit.end(), ' '), unit.end());
  if (!unit.empty() && unit.back() == 'b') unit.pop_back();    // "GB", "GiB"
  if (!unit.empty() && unit.back() == 'i') unit.pop_back();
  const double scale = unit.empty() ? 1 : unit == "k" ? 1024.0 : unit == "m" ? 1048576.0 : unit == "g" ? 1073741824.0
                     : unit == "t" ? 1099511627776.0 : 0;
  if (end == begin || errno != 0 || scale == 0 || !std::isfinite(value) || value <= 0)
    throw UserError(fmt::format("--memory-limit '{}' is not a size: say e.g. 512M or 2G", text));
  const double bytes = value * scale;
  if (bytes < 16 * 1048576.0)
    throw UserError(fmt::format("--memory-limit {} is below 16 MiB, which no framework starts in: say e.g. 512M", text));
  return static_cast<int64_t>(bytes);
}

std::string format_memory_size(int64_t bytes) {
  const double gib = static_cast<double>(bytes) / 1073741824.0;
  if (gib >= 1) return fmt::format("{:.3g} GiB", gib);
  return fmt::format("{:.4g} MiB", static_cast<double>(bytes) / 1048576.0);
}

void set_worker_memory_limit(int64_t bytes) { g_limit_bytes = bytes; }
int64_t worker_memory_limit() { return g_limit_bytes; }

nlohmann::json classify_out_of_memory(nlohmann::json reply, int64_t limit_bytes) {
  const std::string status = reply.value("status", "");
  if (limit_bytes <= 0 || (status != "error" && status != "crashed")) return reply;
  const std::string said = reply.value("reason", std::string()) + "\n" + reply.value("stderr_tail", std::string());
  if (!says_allocation_failed(said)) {
    // A framework that does not check its allocations crashes instead of saying so.
    if (status == "crashed")
      reply["reason"] = fmt::format("{} (it ran under --memory-limit {}, which may be why)", reply.value("reason", std::string()),
                                    format_memory_size(limit_bytes));
    return reply;
  }
  reply["status"] = "out_of_memory";
  reply["memory_limit_bytes"] = limit_bytes;
  reply["reason"] = fmt::format("out of memory: the worker needed more than --memory-limit {} ({})", format_memory_size(limit_bytes),
                                reply.value("reason", std::string()));
  return reply;
}

void apply_memory_limit_from_environment() {
  const char* text = std::getenv(kMemoryLimitVariable);
  if (!text || !*text) return;
  const auto bytes = static_cast<rlim_t>(std::strtoll(text, nullptr, 10));
  if (bytes == 0) return;
  const rlimit limit{bytes, bytes};
  if (::setrlimit(RLIMIT_DATA, &limit) != 0)
    throw std::runtime_error(fmt::format("cannot limit this worker's memory to {} bytes: {}", text, std::strerror(errno)));
}

}  // namespace versus
