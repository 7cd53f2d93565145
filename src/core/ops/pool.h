// 2-D max and average pooling over NCHW float32, square window, the same stride both ways:
//   X [n, c, h, w] -> Y [n, c, ho, wo], ho = (h + 2·pad - window) / stride + 1 rounded down
//   (torch ceil_mode=False, MXNet pooling_convention "valid"), wo likewise.
// Padding is symmetric and never contributes: max_pool ignores it (as if -inf) and avg_pool
// divides by the number of real input elements in the window, not by window² (torch
// count_include_pad=False, MXNet count_include_pad=False; both default to True. TensorFlow's
// 'SAME' excludes padding too but places it asymmetrically, so only pad = 0 ('VALID') or a
// shape where 'SAME' equals symmetric padding translates directly).
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace versus {

struct PoolParams {
  int64_t n = 0, c = 0, h = 0, w = 0;
  int64_t window = 0;
  int64_t stride = 0;  // defaults to window: non-overlapping windows, the frameworks' default
  int64_t pad = 0;     // at most window / 2 (torch's limit), so no window lies in the padding
  int64_t ho() const { return (h + 2 * pad - window) / stride + 1; }
  int64_t wo() const { return (w + 2 * pad - window) / stride + 1; }
};

// `op` is "max_pool" or "avg_pool" (max_pool also limits h·w, see pool.cc). Throws UserError for
// missing, unknown or out-of-range parameters.
PoolParams parse_pool_params(const std::string& op, const nlohmann::json& params);

}  // namespace versus
