// gelu's parameters (core/ops/gelu.cc defines the op): what each backend needs to build it.
#pragma once
#include <cstdint>

#include <nlohmann/json.hpp>

namespace versus {

inline constexpr double kGeluSqrt2OverPi = 0.7978845608028654, kGeluTanhCoeff = 0.044715;

struct GeluParams {
  int64_t n = 0;
  bool tanh = false;      // "approximate": "tanh": X/2·(1 + tanh(√(2/π)·(X + 0.044715·X³)))
  bool composed = false;  // "impl": "composed": from elementary ops, not the framework's GELU
};

// Throws UserError for a missing or out-of-range n, or an unknown approximate or impl.
GeluParams parse_gelu_params(const nlohmann::json& params);

}  // namespace versus
