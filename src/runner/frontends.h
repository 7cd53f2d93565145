// The Python tier (python/versus_frontends): Keras, Gluon and PyTorch as their users write them,
// one worker process per run (python -m versus_frontends --train FRAMEWORK) in the environment
// scripts/setup makes for the framework. Its modes are listed beside the C++ worker's own.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace versus {

struct PythonFrontend {
  std::string framework;
  std::filesystem::path python;        // the environment's interpreter
  std::filesystem::path package_root;  // the folder holding versus_frontends (PYTHONPATH)
  nlohmann::json modes;                // [{"name", "description"}]; the first is the frontend's default
  nlohmann::json pipelines;            // [{"name", "description"}]: how an epoch is fed; the first is from memory
  std::string problem;                 // why it cannot run here ("... run scripts/setup"), or empty
};

// The frontend of `framework` as python/versus_frontends/frontends.json declares it, or nullopt
// when it has none. The package lives in $VERSUS_PYTHON_DIR, else <source>/python; environments
// under $VERSUS_PYTHON_ENV_ROOT, else the source tree (where scripts/setup makes them).
std::optional<PythonFrontend> python_frontend(const std::string& framework);

// The command that runs one training request in the frontend, and the variables it needs.
std::vector<std::string> frontend_command(const PythonFrontend& f);
std::vector<std::string> frontend_environment(const PythonFrontend& f);

}  // namespace versus
