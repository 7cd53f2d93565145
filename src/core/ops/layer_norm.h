// layer_norm's parameters (core/ops/layer_norm.cc defines the op): what each backend needs.
#pragma once
#include <cstdint>

#include <nlohmann/json.hpp>

namespace versus {

// PyTorch's and MXNet's default; Keras's is 1e-3, so the TensorFlow backend passes it.
inline constexpr double kLayerNormEps = 1e-5;

struct LayerNormParams {
  int64_t rows = 0, cols = 0;  // normalised over cols, the last axis
  bool composed = false;       // "impl": "composed": from elementary ops
};

// Throws UserError for missing, unknown or out-of-range sizes (cols >= 2), or an unknown impl.
LayerNormParams parse_layer_norm_params(const nlohmann::json& params);

}  // namespace versus
