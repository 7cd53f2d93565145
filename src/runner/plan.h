// What to run: a suite (file or command-line flags) expanded into a flat list of cases.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/case_spec.h"

namespace versus {

struct RunSettings {
  int processes = 3;             // worker processes per case (repetitions across processes)
  double timeout_seconds = 600;  // per worker process
  bool quick = false;            // fewer samples and processes; said in every result
  int64_t memory_limit_bytes = 0;  // per worker process (--memory-limit); 0: none
};

struct SuitePlan {
  std::string name;
  std::string description;
  RunSettings settings;
  std::vector<CaseSpec> cases;
  std::vector<std::string> notes;  // e.g. the variants left out for lack of an op
};

// Backend selector "torch" (all its variants) or "native:openblas" (one variant).
struct BackendChoice {
  std::string backend;
  std::string variant;  // empty: every variant the worker offers
};
std::vector<BackendChoice> parse_backend_list(const std::string& comma_separated);

// Timing plans for the two modes.
TimingPlan default_timing();
TimingPlan quick_timing();
RunSettings default_settings(bool quick);

// A suite document: {"name", "description", "quick", "backends", "threads", "devices", "cases": [
//   {"op": "gemm", "sizes": [128, 512]},             // square: m = n = k = size
//   {"op": "gemm", "params": {"m": [64, 128], "n": 256, "k": 256, "trans_b": [false, true]}}]}
// A case entry may also give "device", "directions" (["forward", "backward"]), "dtype", its own
// "backends" (e.g. a dispatch mode only one framework has) and "why" (its provenance); any other
// key is an error. List-valued params expand to their cross product. `variants_of(backend, op)`
// resolves "all variants" to those that implement `op` (an empty op: every variant); the others
// are not planned, and the plan's notes say so. A suite file may also list "networks": [{"network": "lenet", "batch": 64}], whose
// layers become cases (read_suite_file appends them).
using VariantLookup = std::vector<std::string> (*)(const std::string& backend, const std::string& op);
SuitePlan expand_suite(const nlohmann::json& suite, VariantLookup variants_of, int default_threads);
// Reads a suite file; a bare name like "quick" means suites/quick.json. Records "source_file" and
// each case's line ("source_lines") so that expand_suite names the line of a bad case, and
// appends the cases of the networks the suite lists.
nlohmann::json read_suite_file(const std::string& name_or_path);
std::filesystem::path suites_directory();

void to_json(nlohmann::json& j, const SuitePlan& p);
void from_json(const nlohmann::json& j, SuitePlan& p);

}  // namespace versus
