// 2-D convolution (cross-correlation, as every framework computes it), float32:
//   X [n, c, h, w] (NCHW) ⋆ W [k, c, r, s] (OIHW) -> Y [n, k, ho, wo], no bias, dilation 1,
//   symmetric zero padding `pad` on all four sides, the same `stride` in both directions,
//   ho = (h + 2·pad - r) / stride + 1 (rounded down), wo likewise.
#pragma once
#include <cstdint>

#include <nlohmann/json.hpp>

namespace versus {

struct Conv2dParams {
  int64_t n = 0, c = 0, h = 0, w = 0;  // input
  int64_t k = 0, r = 0, s = 0;         // output channels, kernel height and width
  int64_t stride = 1, pad = 0;
  int64_t ho() const { return (h + 2 * pad - r) / stride + 1; }
  int64_t wo() const { return (w + 2 * pad - s) / stride + 1; }
};

// Throws UserError for missing, unknown or out-of-range parameters, a kernel larger than the
// padded input, or pad >= the kernel size (a window entirely in the padding).
Conv2dParams parse_conv2d_params(const nlohmann::json& params);

}  // namespace versus
