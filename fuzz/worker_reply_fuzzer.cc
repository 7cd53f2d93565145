// Feeds worker_reply (runner/worker_reply.h), the runner's reading of whatever a worker process
// printed, a finished process made from the input: byte 0 sets how it ended (bit 0 started, 1
// timed out, 2 cancelled, 3 killed by SIGSEGV, 4 a --memory-limit in force); the rest, split at the
// first NUL, is its stdout and its stderr tail. Also is_reply_line on every stdout line. A worker
// can print anything, so nothing here may throw, and the reply is always an object with a string
// "status" and the "process" block.
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "core/memory_limit.h"
#include "fuzz_util.h"
#include "runner/worker_reply.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace versus;
  if (size < 1) return 0;
  const uint8_t how = data[0];
  const auto [out, err] = fuzz::split_once(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1),
                                           std::string_view("\0", 1));
  ProcessResult p;
  p.started = how & 1;
  if (!p.started) p.start_error = "cannot start: No such file or directory";
  p.timed_out = how & 2;
  p.cancelled = how & 4;
  p.signal = how & 8 ? SIGSEGV : 0;
  p.exit_code = how & 8 ? -1 : how >> 5;
  p.stdout_text = out;
  p.stderr_tail = err;
  p.wall_seconds = 1.5;
  p.max_rss_kib = 4096;
  set_worker_memory_limit(how & 16 ? int64_t{1} << 30 : 0);

  for (size_t begin = 0; begin <= p.stdout_text.size();) {
    const size_t nl = std::min(p.stdout_text.find('\n', begin), p.stdout_text.size());
    (void)is_reply_line(p.stdout_text.substr(begin, nl - begin));
    begin = nl + 1;
  }
  const nlohmann::json reply = worker_reply(p, 600);
  if (!reply.is_object() || !reply.contains("status") || !reply["status"].is_string() || !reply.contains("process"))
    std::abort();
  return 0;
}
