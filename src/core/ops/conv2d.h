// 2-D convolution (cross-correlation, as every framework computes it), float32, in one of two
// layouts, the `layout` parameter:
//   nchw (default): X [n, c, h, w] ⋆ W [k, c, r, s] (OIHW) -> Y [n, k, ho, wo]
//   nhwc:           X [n, h, w, c] ⋆ W [r, s, c, k] (HWIO, TF's and Keras's filter) -> Y [n, ho, wo, k]
// No bias, dilation 1, symmetric zero padding `pad` on all four sides, the same `stride` in both
// directions, ho = (h + 2·pad - r) / stride + 1 (rounded down), wo likewise. The gradients dX
// and dW have the layouts of X and W.
#pragma once
#include <array>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

namespace versus {

enum class Conv2dLayout { kNchw, kNhwc };

struct Conv2dParams {
  int64_t n = 0, c = 0, h = 0, w = 0;  // input
  int64_t k = 0, r = 0, s = 0;         // output channels, kernel height and width
  int64_t stride = 1, pad = 0;
  Conv2dLayout layout = Conv2dLayout::kNchw;
  // Backward computes dW only, as for a network's first layer, whose input needs no gradient.
  bool weight_grad_only = false;
  int64_t ho() const { return (h + 2 * pad - r) / stride + 1; }
  int64_t wo() const { return (w + 2 * pad - s) / stride + 1; }
  bool nhwc() const { return layout == Conv2dLayout::kNhwc; }
  // The shapes of X, W and Y in `layout`.
  std::vector<int64_t> x_shape() const { return nhwc() ? std::vector<int64_t>{n, h, w, c} : std::vector<int64_t>{n, c, h, w}; }
  std::vector<int64_t> w_shape() const { return nhwc() ? std::vector<int64_t>{r, s, c, k} : std::vector<int64_t>{k, c, r, s}; }
  std::vector<int64_t> y_shape() const {
    return nhwc() ? std::vector<int64_t>{n, ho(), wo(), k} : std::vector<int64_t>{n, k, ho(), wo()};
  }
};

// Throws UserError for missing, unknown or out-of-range parameters, a layout other than nchw or
// nhwc, a kernel larger than the padded input, or pad >= the kernel size (a window entirely in
// the padding).
Conv2dParams parse_conv2d_params(const nlohmann::json& params);

// Axis orders for permute_axes: axis d of the result is axis perm[d] of the source.
inline constexpr std::array<int, 4> kNchwToNhwc{0, 2, 3, 1}, kNhwcToNchw{0, 3, 1, 2};
inline constexpr std::array<int, 4> kOihwToHwio{2, 3, 1, 0}, kHwioToOihw{3, 2, 0, 1};
inline constexpr std::array<int, 4> kHwioToOhwi{3, 0, 1, 2}, kOhwiToHwio{1, 2, 3, 0};

// The row-major 4-D tensor `v` of shape `shape` with its axes reordered, as numpy's transpose:
// the result has shape shape[perm[0]], ..., shape[perm[3]] and is row-major too.
template <class T>
std::vector<T> permute_axes(const std::vector<T>& v, const std::vector<int64_t>& shape, const std::array<int, 4>& perm) {
  if (shape.size() != 4 || static_cast<int64_t>(v.size()) != shape[0] * shape[1] * shape[2] * shape[3])
    throw std::logic_error("permute_axes: a 4-D shape matching the data is required");
  const std::array<int64_t, 4> src_stride{shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3], 1};
  std::array<int64_t, 4> dim{}, stride{};
  for (int d = 0; d < 4; ++d) dim[d] = shape[perm[d]], stride[d] = src_stride[perm[d]];
  std::vector<T> out(v.size());
  size_t o = 0;
  for (int64_t i0 = 0; i0 < dim[0]; ++i0)
    for (int64_t i1 = 0; i1 < dim[1]; ++i1)
      for (int64_t i2 = 0; i2 < dim[2]; ++i2) {
        const T* src = &v[i0 * stride[0] + i1 * stride[1] + i2 * stride[2]];
        for (int64_t i3 = 0; i3 < dim[3]; ++i3) out[o++] = src[i3 * stride[3]];
      }
  return out;
}

}  // namespace versus
