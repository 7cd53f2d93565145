#include "runner/workers.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

#include "runner/frontends.h"
#include "runner/spawn.h"

namespace versus {

const std::vector<std::string>& known_backends() {
  static const std::vector<std::string> names = {"native", "tensorflow", "mxnet", "torch"};
  return names;
}

std::vector<std::string> WorkerInfo::variants() const {
  std::vector<std::string> out;
  if (info.contains("variants"))
    for (const auto& v : info["variants"]) out.push_back(v.get<std::string>());
  return out;
}

std::filesystem::path worker_directory() {
  if (const char* dir = std::getenv("VERSUS_WORKER_DIR"); dir && *dir) return dir;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::current_path() : self.parent_path();
}

WorkerInfo probe_worker(const std::string& backend) {
  WorkerInfo w;
  w.backend = backend;
  w.executable = worker_directory() / ("versus-worker-" + backend);
  if (::access(w.executable.c_str(), X_OK) != 0) {
    w.problem = fmt::format("{} is not built here (its framework was not found at configure time; "
                            "run scripts/setup, then rebuild)", w.executable.filename().string());
    return w;
  }
  const ProcessResult r = run_process({w.executable.string(), "--info"}, {"TF_CPP_MIN_LOG_LEVEL=2"}, "", 120);
  if (!r.started || r.exit_code != 0) {
    std::string why = r.started ? fmt::format("exit {} signal {}", r.exit_code, r.signal) : r.start_error;
    const auto last = r.stderr_tail.find_last_not_of('\n');
    if (last != std::string::npos) {
      const auto begin = r.stderr_tail.rfind('\n', last);
      why += ": " + r.stderr_tail.substr(begin == std::string::npos ? 0 : begin + 1, last - (begin == std::string::npos ? 0 : begin + 1) + 1);
    }
    // Exit 127: the loader could not find or link the framework's libraries (a wheel removed or
    // replaced since the build).
    w.problem = fmt::format("{} --info failed ({}){}", w.executable.filename().string(), why,
                            r.exit_code == 127 ? "; run scripts/setup, then rebuild" : "");
    return w;
  }
  try {
    w.info = nlohmann::json::parse(r.stdout_text.substr(0, r.stdout_text.find('\n')));
    w.available = true;
    if (const auto frontend = python_frontend(backend)) {
      nlohmann::json modes = nlohmann::json::array();
      for (nlohmann::json m : frontend->modes) {
        m["tier"] = "python";
        m["pipelines"] = frontend->pipelines;
        if (!frontend->problem.empty()) m["problem"] = frontend->problem;
        modes.push_back(std::move(m));
      }
      w.info["frontend_modes"] = std::move(modes);
      // Its lines of code and marked code, counted by the build beside the workers (python/CMakeLists.txt).
      std::ifstream code(worker_directory() / ("frontend-code-" + backend + ".json"));
      if (code) w.info["frontend_code"] = nlohmann::json::parse(code, nullptr, false);
      if (w.info.contains("frontend_code") && w.info["frontend_code"].is_discarded()) w.info.erase("frontend_code");
    }
  } catch (const std::exception& e) {
    w.problem = fmt::format("{} --info printed no valid JSON ({})", w.executable.filename().string(), e.what());
  }
  return w;
}

nlohmann::json training_modes(const WorkerInfo& worker) {
  nlohmann::json modes = nlohmann::json::array();
  if (!worker.info.is_object()) return modes;  // a worker that is not built
  nlohmann::json pipelines = nlohmann::json::array();
  for (const auto& name : worker.info.value("pipelines", nlohmann::json::array())) pipelines.push_back({{"name", name}});
  for (nlohmann::json m : worker.info.value("modes", nlohmann::json::array())) {
    m["tier"] = "cpp";
    m["pipelines"] = pipelines;
    modes.push_back(std::move(m));
  }
  for (const auto& m : worker.info.value("frontend_modes", nlohmann::json::array())) modes.push_back(m);
  return modes;
}

}  // namespace versus
