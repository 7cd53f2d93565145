// Finds the versus-worker-<framework> executables and asks each what it is (--info).
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace versus {

struct WorkerInfo {
  std::string backend;
  std::filesystem::path executable;
  bool available = false;
  nlohmann::json info;   // name, version, build flags, variants (from --info)
  std::string problem;   // why it is not available
  std::vector<std::string> variants() const;
};

// The frameworks versus knows, whether or not their worker was built here.
const std::vector<std::string>& known_backends();
// Directory holding the workers: $VERSUS_WORKER_DIR, else the directory of this executable.
std::filesystem::path worker_directory();
// Also lists the framework's Python tier under info["frontend_modes"] (runner/frontends.h): each
// mode with "tier": "python" and, when its environment is missing, the "problem".
WorkerInfo probe_worker(const std::string& backend);

// The modes a training run may pick: the C++ worker's own ("tier": "cpp"), then its Python tier's.
nlohmann::json training_modes(const WorkerInfo& worker);

}  // namespace versus
