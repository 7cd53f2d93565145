// Layout copies, float32: a tensor rewritten in another axis order, materialised (contiguous).
//   transpose     params rows, cols:    X [rows, cols]  -> Y [cols, rows],   Y = Xᵀ
//   nchw_to_nhwc  params n, c, h, w:    X [n, c, h, w]  -> Y [n, h, w, c]    (the conversion that
//                 TensorFlow's NHWC kernels and torch's channels_last cost)
//   backward: inputs X and dY (shape of Y) -> dX = dY in X's axis order (the inverse permutation)
// A reshape of a contiguous tensor is a view (no work) in every framework, so it is not an op
// here; the copies a reshape causes after a transpose are what these ops measure.
//
// Both are `batch` transposes of [rows, cols] matrices (nchw_to_nhwc: batch n, rows c, cols h·w),
// which is how the reference computes them and how a library without an N-d permute (BLAS)
// does them; the frameworks are given the permutation as their users write it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace versus {

struct LayoutCopyParams {
  std::vector<int64_t> x_shape;  // X as the op defines it: [rows, cols] or [n, c, h, w]
  std::vector<int64_t> perm;     // Y's axis i is X's axis perm[i]
  int64_t batch = 1, rows = 0, cols = 0;  // the same copy as batched [rows, cols] -> [cols, rows]

  std::vector<int64_t> y_shape() const;
  // The permutation that takes Y's axis order back to X's (the backward pass's).
  std::vector<int64_t> inverse_perm() const;
  int64_t elements() const { return batch * rows * cols; }
};

// For op "transpose" or "nchw_to_nhwc". Throws UserError for missing, unknown or out-of-range
// sizes, std::invalid_argument for another op.
LayoutCopyParams parse_layout_copy_params(const std::string& op, const nlohmann::json& params);

}  // namespace versus
