// Batch normalisation in training mode over NCHW float32, per channel ch over the
// M = n·h·w values of that channel:
//   mean = Σx / M, var = Σ(x - mean)² / M (biased: the normalisation uses it, as every
//   framework does in training; the unbiased one only feeds running statistics, not modelled),
//   Y = gamma · (x - mean) / sqrt(var + eps) + beta, eps = 1e-5 fixed (TensorFlow/Keras default
//   to 1e-3: backends must pass it).
// Forward:  X [n, c, h, w], gamma [c], beta [c]      -> Y [n, c, h, w]
// Backward: X, gamma, beta, dY [n, c, h, w]          -> dX [n, c, h, w], dGamma [c], dBeta [c]
#pragma once
#include <cstdint>

#include <nlohmann/json.hpp>

namespace versus {

inline constexpr double kBatchNormEps = 1e-5;

struct BatchNormParams {
  int64_t n = 0, c = 0, h = 0, w = 0;
  int64_t per_channel() const { return n * h * w; }
};

// Throws UserError for missing, unknown or out-of-range sizes, or n·h·w < 2 (a variance of one
// value, which frameworks refuse in training mode).
BatchNormParams parse_batch_norm_params(const nlohmann::json& params);

}  // namespace versus
