// Reading an op's shape parameters with messages that name the parameter and its allowed range,
// so a typo in a suite fails before any worker starts instead of benchmarking the wrong shape.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace versus {

// Sizes above this are a typo, not a benchmark (the same limit as gemm).
inline constexpr int64_t kMaxOpDim = 1 << 16;
// Inputs plus outputs of one case, forward or backward, whichever is larger.
inline constexpr double kMaxOpBytes = 8.0 * (1ULL << 30);

// The product of sizes as a double: element counts of unvalidated shapes can overflow int64.
inline double product(std::initializer_list<int64_t> sizes) {
  double p = 1;
  for (int64_t s : sizes) p *= static_cast<double>(s);
  return p;
}

class ParamReader {
 public:
  // Throws UserError unless `params` is an object whose keys are all in `known`: an unknown key
  // is usually a misspelt one, and silently using its default would benchmark another shape.
  ParamReader(std::string op, const nlohmann::json& params, std::initializer_list<const char*> known);

  // A required integer in [lo, hi].
  int64_t size(const char* key, int64_t lo = 1, int64_t hi = kMaxOpDim) const;
  // An optional integer in [lo, hi], `fallback` when absent.
  int64_t size_or(const char* key, int64_t fallback, int64_t lo, int64_t hi) const;
  // An optional boolean, false when absent.
  bool flag(const char* key) const;
  // An optional string that must be one of `allowed`; the first of them when absent.
  std::string choice(const char* key, std::initializer_list<const char*> allowed) const;
  // Throws UserError when a case would need more than kMaxOpBytes of float32 tensors.
  void limit_elements(double elements, const std::string& what) const;

 private:
  std::string op_;
  const nlohmann::json& p_;
};

}  // namespace versus
