// Runs a child process with posix_spawn (never fork, never a shell), feeds its stdin, collects
// its output, enforces a timeout and measures its resource use.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace versus {

// The worker's CPU time and resident memory, read from /proc while it runs.
struct ResourceSample {
  double seconds = 0;      // since the start
  double cpu_seconds = 0;  // user + system, all threads, so far
  double rss_mib = 0;      // resident set now
};

struct ProcessResult {
  bool started = false;
  std::string start_error;   // why it could not be started
  int exit_code = -1;        // valid when exited normally
  int signal = 0;            // non-zero when killed by a signal
  bool timed_out = false;    // we killed it at the deadline, before it replied
  bool interrupted = false;  // killed because the user interrupted versus
  bool cancelled = false;    // killed because the caller's cancel flag was raised
  bool killed_after_reply = false;  // it replied but did not exit: killed after a grace period
  std::string stdout_text;
  std::string stderr_tail;   // the last few KiB, for failure reasons
  double wall_seconds = 0;
  double started_unix_seconds = 0;  // when it was started (system clock): the order processes ran in
  double user_cpu_seconds = 0, system_cpu_seconds = 0;
  int64_t max_rss_kib = 0;
  // Every kSampleSeconds at first; the interval doubles whenever kMaxSamples are reached, so a
  // long run keeps a whole, evenly spaced timeline of bounded size.
  std::vector<ResourceSample> samples;
  double sample_interval_seconds = 0;
};

// SIGINT/SIGTERM set a flag instead of killing versus: the running worker is then killed and
// the suite stops between runs, leaving only whole result files (resume with --resume).
void install_interrupt_handler();
bool interrupt_requested();

// A child that has printed a full line but does not exit within `exit_grace_seconds` is killed
// and keeps its output (killed_after_reply): some frameworks hang in their exit handlers.
// `env` entries ("NAME=value") are added to (and override) this process's environment.
// `on_line`, when given, sees every complete stdout line as it arrives and returns whether it is
// the reply (workers print progress lines before it); without it the first line is the reply.
// `cancel`, when given, is watched while the child runs: once raised, the child (and its process
// group) is killed within a second (the ranks of one distributed job stop together).
using LineHandler = std::function<bool(const std::string& line)>;
ProcessResult run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                          const std::string& stdin_data, double timeout_seconds,
                          double exit_grace_seconds = 20, const LineHandler& on_line = {},
                          const std::atomic<bool>* cancel = nullptr);

}  // namespace versus
