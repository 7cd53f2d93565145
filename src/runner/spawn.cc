#include "runner/spawn.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

extern char** environ;

namespace versus {
namespace {

constexpr size_t kStderrTail = 4096;

std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; *e; ++e) {
    const std::string kv = *e;
    vars[kv.substr(0, kv.find('='))] = kv;
  }
  for (const auto& kv : extra) vars[kv.substr(0, kv.find('='))] = kv;
  std::vector<std::string> out;
  for (auto& [k, kv] : vars) out.push_back(kv);
  return out;
}

struct Pipe {
  int fd[2] = {-1, -1};
  bool open() { return ::pipe2(fd, O_CLOEXEC) == 0; }
  void close_both() {
    for (int& f : fd)
      if (f >= 0) ::close(f), f = -1;
  }
};

constexpr double kSampleSeconds = 0.1;
constexpr size_t kMaxSamples = 1500;

// utime, stime (fields 14, 15, clock ticks), cutime, cstime (16, 17: its children that have ended)
// and rss (field 24, pages) of /proc/PID/stat; the command name (field 2) may hold spaces, so
// fields are counted after its closing parenthesis. False for an exiting process (zombie, or
// memory already released).
struct StatFields {
  double cpu_ticks = 0, rss_pages = 0;
};
bool read_stat(pid_t pid, StatFields& out) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(f, text)) return false;
  const auto close = text.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  out = {};
  for (int n = 3; n <= 24 && fields >> field; ++n) {
    if (n == 3 && (field == "Z" || field == "X")) return false;
    if (n >= 14 && n <= 17) out.cpu_ticks += std::stod(field);
    if (n == 24) out.rss_pages = std::stod(field);
  }
  return out.rss_pages > 0;
}

// The children of every thread of `pid` (/proc/PID/task/TID/children), and theirs.
void add_descendants(pid_t pid, std::vector<pid_t>& out, int depth = 0) {
  if (depth > 8) return;  // a fork bomb is not a benchmark: bounded
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream children(task.path() / "children");
    for (pid_t child = 0; children >> child;) {
      out.push_back(child);
      add_descendants(child, out, depth + 1);
    }
  }
}

// The worker and every process it started (a DataLoader's workers, a compiler): CPU time and
// memory of the whole tree, so a pipeline's worker processes show on the worker's timeline.
// False when the worker itself is exiting: not a reading of the run.
bool read_resources(pid_t pid, double seconds, ResourceSample& out) {
  StatFields own;
  if (!read_stat(pid, own)) return false;
  std::vector<pid_t> descendants;
  add_descendants(pid, descendants);
  for (const pid_t d : descendants) {
    StatFields f;
    if (read_stat(d, f)) own.cpu_ticks += f.cpu_ticks, own.rss_pages += f.rss_pages;
  }
  static const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  static const double page_mib = static_cast<double>(::sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
  out = {seconds, own.cpu_ticks / ticks, own.rss_pages * page_mib};
  return true;
}

// Keeps every other sample and doubles the interval: the timeline stays evenly spaced.
void thin_samples(ProcessResult& r) {
  std::vector<ResourceSample> kept;
  for (size_t i = 0; i < r.samples.size(); i += 2) kept.push_back(r.samples[i]);
  r.samples = std::move(kept);
  r.sample_interval_seconds *= 2;
}

volatile std::sig_atomic_t g_interrupt = 0;
void on_interrupt(int) { g_interrupt = 1; }

}  // namespace

void install_interrupt_handler() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: poll() returns EINTR at once
  // A terminal closing (SIGHUP) or a scheduler's stop (SIGTERM) ends a run as Ctrl-C does:
  // workers stopped, finished results kept, the folder resumable.
  // A signal the user chose to ignore stays ignored (`nohup versus run ...` survives a logout,
  // `versus run ... &` from a script ignores Ctrl-C).
  for (const int signal : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old {};
    if (sigaction(signal, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    sigaction(signal, &sa, nullptr);
  }
}

bool interrupt_requested() { return g_interrupt != 0; }

ProcessResult run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                          const std::string& stdin_data, double timeout_seconds,
                          double exit_grace_seconds, const LineHandler& on_line,
                          const std::atomic<bool>* cancel) {
  ProcessResult r;
  r.started_unix_seconds = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  Pipe in, out, err;
  if (!in.open() || !out.open() || !err.open()) {
    r.start_error = std::string("pipe: ") + std::strerror(errno);
    in.close_both(), out.close_both(), err.close_both();
    return r;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.fd[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.fd[1], STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group, so a timeout kills whatever the worker started too.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);

  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  const std::vector<std::string> envs = merged_environment(env);
  std::vector<char*> cenv;
  for (const auto& e : envs) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);

  const auto t0 = std::chrono::steady_clock::now();
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, cargv[0], &actions, &attr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(in.fd[0]), in.fd[0] = -1;
  ::close(out.fd[1]), out.fd[1] = -1;
  ::close(err.fd[1]), err.fd[1] = -1;
  if (rc != 0) {
    r.start_error = std::string("cannot start ") + argv[0] + ": " + std::strerror(rc);
    in.close_both(), out.close_both(), err.close_both();
    return r;
  }
  r.started = true;

  // The case is one short line: it fits in the pipe buffer, so writing it cannot block.
  size_t written = 0;
  while (written < stdin_data.size()) {
    const ssize_t n = ::write(in.fd[1], stdin_data.data() + written, stdin_data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the child closed stdin early (e.g. crashed): its exit status tells
    written += static_cast<size_t>(n);
  }
  ::close(in.fd[1]), in.fd[1] = -1;

  auto deadline = t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                           std::chrono::duration<double>(timeout_seconds));
  bool reply_seen = false, grace_set = false;
  size_t scanned = 0;  // stdout_text before this offset has been split into lines
  pollfd fds[2] = {{out.fd[0], POLLIN, 0}, {err.fd[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[65536];
  r.sample_interval_seconds = kSampleSeconds;
  auto next_sample = t0;
  while (open_fds > 0) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_sample) {
      ResourceSample s;
      if (read_resources(pid, std::chrono::duration<double>(now - t0).count(), s)) r.samples.push_back(s);
      if (r.samples.size() >= kMaxSamples) thin_samples(r);
      next_sample = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::chrono::duration<double>(r.sample_interval_seconds));
    }
    if (g_interrupt) {
      r.interrupted = true;
      ::kill(-pid, SIGKILL);
      break;
    }
    if (cancel && cancel->load()) {
      r.cancelled = true;
      ::kill(-pid, SIGKILL);
      break;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      if (reply_seen) {
        r.killed_after_reply = true;
      } else {
        r.timed_out = true;
      }
      ::kill(-pid, SIGKILL);
      break;
    }
    const auto to_sample = std::chrono::duration_cast<std::chrono::milliseconds>(
        next_sample - std::chrono::steady_clock::now()).count() + 1;
    const int n = ::poll(fds, 2, static_cast<int>(std::min<long long>({left, 1000, std::max<long long>(to_sample, 1)})));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
        continue;
      }
      if (i == 0) {
        r.stdout_text.append(buf, static_cast<size_t>(got));
        for (size_t nl; !reply_seen && (nl = r.stdout_text.find('\n', scanned)) != std::string::npos;
             scanned = nl + 1)
          reply_seen = !on_line || on_line(r.stdout_text.substr(scanned, nl - scanned));
        if (reply_seen && !grace_set) {
          grace_set = true;
          deadline = std::min(deadline, std::chrono::steady_clock::now() +
                                         std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                             std::chrono::duration<double>(exit_grace_seconds)));
        }
      } else {
        r.stderr_tail.append(buf, static_cast<size_t>(got));
        if (r.stderr_tail.size() > 2 * kStderrTail)
          r.stderr_tail.erase(0, r.stderr_tail.size() - kStderrTail);
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) ::close(f.fd);

  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  // Kill any grandchildren left in the group (a worker's helper processes).
  ::kill(-pid, SIGKILL);
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.user_cpu_seconds = static_cast<double>(usage.ru_utime.tv_sec) + usage.ru_utime.tv_usec * 1e-6;
  r.system_cpu_seconds = static_cast<double>(usage.ru_stime.tv_sec) + usage.ru_stime.tv_usec * 1e-6;
  r.max_rss_kib = usage.ru_maxrss;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  if (r.stderr_tail.size() > kStderrTail) r.stderr_tail.erase(0, r.stderr_tail.size() - kStderrTail);
  return r;
}

}  // namespace versus
