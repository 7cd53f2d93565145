// The outcome of checking a backend's result against the harness's reference.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace versus {

struct Validation {
  bool passed = false;
  double max_rel_error = 0;  // op-specific normalised error (see the op's check())
  double max_abs_error = 0;
  double tolerance = 0;
  std::string metric;        // how max_rel_error is defined, in words
  std::string detail;        // where the worst element is, or why it failed
};

inline void to_json(nlohmann::json& j, const Validation& v) {
  j = {{"passed", v.passed},       {"max_rel_error", v.max_rel_error},
       {"max_abs_error", v.max_abs_error}, {"tolerance", v.tolerance},
       {"metric", v.metric},       {"detail", v.detail}};
}

inline void from_json(const nlohmann::json& j, Validation& v) {
  v.passed = j.at("passed").get<bool>();
  v.max_rel_error = j.value("max_rel_error", 0.0);
  v.max_abs_error = j.value("max_abs_error", 0.0);
  v.tolerance = j.value("tolerance", 0.0);
  v.metric = j.value("metric", std::string());
  v.detail = j.value("detail", std::string());
}

}  // namespace versus
