#include "results/results_dir.h"

#include <algorithm>

#include <ctime>
#include <fstream>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/errors.h"

namespace versus {

nlohmann::json read_json_file(const std::filesystem::path& path) {
  std::ifstream f(path);
  if (!f) throw UserError(fmt::format("cannot read {}: no such file or not readable", path.string()));
  try {
    return nlohmann::json::parse(f);
  } catch (const nlohmann::json::exception& e) {
    // Not only parse_error: a number beyond double's range ("1e400") is an out_of_range error
    // of the parser (found by fuzz/results_fuzzer), and was reported as an internal error.
    throw UserError(fmt::format("{} is not valid JSON ({}); delete it and resume the suite to redo that run",
                                path.string(), e.what()));
  }
}

ResultsDir ResultsDir::create_new(const std::filesystem::path& parent, const std::string& suite_name) {
  const std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::gmtime(&now));
  std::filesystem::path root = parent / fmt::format("{}-{}", suite_name, stamp);
  for (int i = 2; std::filesystem::exists(root); ++i)
    root = parent / fmt::format("{}-{}-{}", suite_name, stamp, i);
  std::error_code ec;
  std::filesystem::create_directories(root / "runs", ec);
  if (ec) throw UserError(fmt::format("cannot create results folder {}: {}", root.string(), ec.message()));
  return ResultsDir(root);
}

ResultsDir ResultsDir::open_existing(const std::filesystem::path& root) {
  if (!std::filesystem::is_directory(root))
    throw UserError(fmt::format("results folder {} does not exist", root.string()));
  if (!std::filesystem::exists(root / "suite.json"))
    throw UserError(fmt::format("{} is not a versus results folder (no suite.json); "
                                "pass a folder made by `versus run`", root.string()));
  return ResultsDir(root);
}

void ResultsDir::write_plan(const nlohmann::json& plan) const {
  write_file_atomically(root_ / "suite.json", plan.dump(2) + "\n");
}

nlohmann::json ResultsDir::read_plan() const { return read_json_file(root_ / "suite.json"); }

void ResultsDir::write_context(const nlohmann::json& context) const {
  write_file_atomically(root_ / "context.json", context.dump(2) + "\n");
}

nlohmann::json ResultsDir::read_context() const {
  return std::filesystem::exists(root_ / "context.json") ? read_json_file(root_ / "context.json")
                                                         : nlohmann::json::object();
}

std::filesystem::path ResultsDir::run_path(const std::string& case_id) const {
  return root_ / "runs" / (case_id + ".json");
}

bool ResultsDir::has_run(const std::string& case_id) const {
  return std::filesystem::exists(run_path(case_id));
}

void ResultsDir::write_run(const std::string& case_id, const nlohmann::json& doc) const {
  std::filesystem::create_directories(root_ / "runs");
  write_file_atomically(run_path(case_id), doc.dump(1) + "\n");
}

std::filesystem::path ResultsDir::partial_path(const std::string& case_id) const {
  return root_ / "partial" / (case_id + ".json");
}

void ResultsDir::write_partial(const std::string& case_id, const nlohmann::json& processes) const {
  std::filesystem::create_directories(root_ / "partial");
  write_file_atomically(partial_path(case_id), nlohmann::json{{"id", case_id}, {"processes", processes}}.dump(1) + "\n");
}

nlohmann::json ResultsDir::read_partial(const std::string& case_id) const {
  if (!std::filesystem::exists(partial_path(case_id))) return nullptr;
  try {
    const nlohmann::json doc = read_json_file(partial_path(case_id));
    if (doc.value("id", std::string()) == case_id && doc.contains("processes") && doc["processes"].is_array())
      return doc["processes"];
  } catch (const UserError&) {
  }
  return nullptr;
}

void ResultsDir::remove_partial(const std::string& case_id) const {
  std::error_code ec;
  std::filesystem::remove(partial_path(case_id), ec);
}

std::vector<nlohmann::json> ResultsDir::read_runs(const std::string& schema, std::vector<std::string>* unreadable) const {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(root_ / "runs", ec))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<nlohmann::json> runs;
  for (const auto& f : files) {
    try {
      nlohmann::json doc = read_json_file(f);
      if (!doc.is_object() || doc.value("schema", std::string()) != schema)
        throw UserError(fmt::format("{} is not a {} document; delete it (and rerun that run)", f.string(), schema));
      runs.push_back(std::move(doc));
    } catch (const UserError& e) {
      if (!unreadable) throw;
      unreadable->push_back(e.what());
    } catch (const nlohmann::json::exception& e) {  // e.g. a "schema" that is not a string
      if (!unreadable) throw UserError(fmt::format("{} is not a {} document ({})", f.string(), schema, e.what()));
      unreadable->push_back(fmt::format("{} is not a {} document ({})", f.string(), schema, e.what()));
    }
  }
  return runs;
}

}  // namespace versus
