#include "runner/frontends.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

namespace versus {
namespace {

std::filesystem::path from_environment_or(const char* variable, const std::filesystem::path& fallback) {
  const char* v = std::getenv(variable);
  return v && *v ? std::filesystem::path(v) : fallback;
}

// Whether the environment at `venv` holds `package` (lib/python3.*/site-packages/<package>).
bool holds_package(const std::filesystem::path& venv, const std::string& package) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(venv / "lib", ec))
    if (entry.path().filename().string().rfind("python3", 0) == 0 &&
        std::filesystem::is_directory(entry.path() / "site-packages" / package, ec))
      return true;
  return false;
}

}  // namespace

std::optional<PythonFrontend> python_frontend(const std::string& framework) {
  const std::filesystem::path root = from_environment_or("VERSUS_PYTHON_DIR", std::filesystem::path(VERSUS_SOURCE_DIR) / "python");
  std::ifstream in(root / "versus_frontends" / "frontends.json");
  if (!in) return std::nullopt;
  nlohmann::json declared;
  try {
    declared = nlohmann::json::parse(in);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (!declared.contains(framework)) return std::nullopt;
  const nlohmann::json& d = declared[framework];
  PythonFrontend f;
  f.framework = framework;
  f.package_root = root;
  f.modes = d.value("modes", nlohmann::json::array());
  f.pipelines = d.value("pipelines", nlohmann::json::array());
  const std::filesystem::path venv =
      from_environment_or("VERSUS_PYTHON_ENV_ROOT", VERSUS_SOURCE_DIR) / d.value("environment", std::string(".venv"));
  f.python = venv / "bin" / "python";
  const std::string package = d.value("package", framework);
  if (::access(f.python.c_str(), X_OK) != 0)
    f.problem = fmt::format("the Python tier of {} needs the environment {}, which is not there: run scripts/setup",
                            framework, venv.string());
  else
    for (const std::string& p : {package, std::string("numpy")})
      if (!holds_package(venv, p)) {
        f.problem = fmt::format("the Python tier of {} needs the '{}' package in {}: run scripts/setup", framework, p,
                                venv.string());
        break;
      }
  return f;
}

std::vector<std::string> frontend_command(const PythonFrontend& f) {
  return {f.python.string(), "-m", "versus_frontends", "--train", f.framework};
}

std::vector<std::string> frontend_environment(const PythonFrontend& f) {
  // No bytecode written into the source tree, no user site packages; Keras on TensorFlow whatever the
  // user's own keras.json says (the frontend also sets channels-last itself).
  return {"PYTHONPATH=" + f.package_root.string(), "PYTHONDONTWRITEBYTECODE=1", "PYTHONNOUSERSITE=1",
          "KERAS_BACKEND=tensorflow"};
}

}  // namespace versus
