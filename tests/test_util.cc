#include "test_util.h"

#include <unistd.h>

#include <cstdlib>
#include <random>
#include <sstream>

namespace versus::testing {

TempDir::TempDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() /
          ("versus-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path bin_dir() { return VERSUS_BIN_DIR; }

nlohmann::json run_worker_case(const std::string& backend, const CaseSpec& c, std::vector<std::string> env) {
  const auto exe = bin_dir() / ("versus-worker-" + backend);
  env.push_back("TF_CPP_MIN_LOG_LEVEL=2");
  const ProcessResult p = run_process({exe.string(), "--run"}, env, nlohmann::json(c).dump() + "\n", 120, 5);
  const auto line = p.stdout_text.substr(0, p.stdout_text.find('\n'));
  if (line.empty()) return {{"status", "no reply"}, {"stderr", p.stderr_tail}, {"start_error", p.start_error}};
  return nlohmann::json::parse(line);
}

ProcessResult run_versus(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  std::vector<std::string> argv = {(bin_dir() / "versus").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, env, "", 300);
}

bool worker_built(const std::string& backend) {
  return std::filesystem::exists(bin_dir() / ("versus-worker-" + backend));
}

std::vector<std::filesystem::path> files_under(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec))
    if (e.is_regular_file()) out.push_back(e.path());
  return out;
}

namespace {

std::string on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string d; std::getline(dirs, d, ':');)
    if (!d.empty() && ::access((std::filesystem::path(d) / program).c_str(), X_OK) == 0)
      return (std::filesystem::path(d) / program).string();
  return "";
}

}  // namespace

BrowserRender render_in_chromium(const std::filesystem::path& html, const std::filesystem::path& screenshot) {
  BrowserRender r;
  std::string exe = on_path("chromium");
  if (exe.empty()) exe = on_path("chromium-browser");
  if (exe.empty()) return r;
  r.available = true;
  // The flags the issue names, plus: no shared-memory file system assumptions in containers, a
  // fixed window, and console messages on stderr so that the page's errors can be read back.
  std::vector<std::string> argv = {exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                   "--enable-logging=stderr", "--v=0", "--window-size=1280,1600", "--hide-scrollbars"};
  argv.push_back(screenshot.empty() ? "--dump-dom" : "--screenshot=" + screenshot.string());
  argv.push_back("file://" + std::filesystem::absolute(html).string());
  TempDir profile;  // a throw-away profile: no state from earlier runs
  argv.insert(argv.begin() + 1, "--user-data-dir=" + profile.path().string());
  const ProcessResult p = run_process(argv, {}, "", 120, 120);
  r.exit_code = p.exit_code;
  r.dom = p.stdout_text;
  std::stringstream lines(p.stderr_tail);
  for (std::string line; std::getline(lines, line);)
    if (line.find(":CONSOLE") != std::string::npos) r.console_messages.push_back(line);
  return r;
}

}  // namespace versus::testing
