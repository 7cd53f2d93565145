// A results folder: suite.json (the plan), context.json (machine, roofline, frameworks) and
// runs/<case id>.json, one document per finished run (a training folder: training.json,
// runs/<run id>.json, parity.json; a distributed one adds distributed.json). Every file is written
// atomically, so an interrupted suite leaves only whole files behind and can be resumed; the
// runs already written are what resume skips (has_run).
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "results/schemas.h"

namespace versus {

class ResultsDir {
 public:
  explicit ResultsDir(std::filesystem::path root) : root_(std::move(root)) {}
  // Creates results/<suite>-<UTC timestamp>/ under `parent`.
  static ResultsDir create_new(const std::filesystem::path& parent, const std::string& suite_name);
  // Opens an existing folder; throws UserError when it is not a versus results folder.
  static ResultsDir open_existing(const std::filesystem::path& root);

  const std::filesystem::path& root() const { return root_; }
  // The plan as the runner describes it (runner/plan.h: SuitePlan's JSON form).
  void write_plan(const nlohmann::json& plan) const;
  // Throws UserError naming suite.json when it is unreadable or not valid JSON.
  nlohmann::json read_plan() const;
  void write_context(const nlohmann::json& context) const;
  nlohmann::json read_context() const;
  bool has_run(const std::string& case_id) const;
  void write_run(const std::string& case_id, const nlohmann::json& doc) const;
  // The processes of a run still in progress: a suite's rounds span the whole suite, so an
  // interrupted suite keeps them in partial/<case id>.json (replaced after every process, removed
  // once the run is written) and a resumed one carries on from them.
  void write_partial(const std::string& case_id, const nlohmann::json& processes) const;
  // The kept processes, or null when there are none (or the file is unreadable: they are redone).
  nlohmann::json read_partial(const std::string& case_id) const;
  void remove_partial(const std::string& case_id) const;
  // All run documents, sorted by file name. A corrupt file, or one of another schema (training
  // folders hold versus.train/1 runs), throws UserError naming it -- or, given `unreadable`, is
  // left out and described there ("<file>: <why>"), so a reader goes on with the rest.
  std::vector<nlohmann::json> read_runs(const std::string& schema = kResultSchema,
                                        std::vector<std::string>* unreadable = nullptr) const;

 private:
  std::filesystem::path run_path(const std::string& case_id) const;
  std::filesystem::path partial_path(const std::string& case_id) const;
  std::filesystem::path root_;
};

// Reads and parses a JSON file, or throws UserError naming the file and the problem.
nlohmann::json read_json_file(const std::filesystem::path& path);

}  // namespace versus
