// transpose and nchw_to_nhwc: materialised layout copies, forward and backward, with a reference
// and an exact check. A reshape of a contiguous tensor is a view (no work) in every framework,
// so it is not an op here; the copies a reshape causes after a transpose are what these ops
// measure.
#include "core/ops/layout_copy.h"

#include <stdexcept>

#include <fmt/format.h>

#include "core/op_registry.h"
#include "core/ops/op_tensors.h"
#include "core/ops/params.h"
#include "core/ops/scaled_check.h"

namespace versus {
namespace {

// dst[b][j][i] = src[b][i][j] for `batch` matrices src [rows, cols]. A copy has no rounding, so
// the float32 values are the float64 reference's exactly.
std::vector<float> batched_transpose(const std::vector<float>& src, int64_t batch, int64_t rows, int64_t cols) {
  std::vector<float> dst(src.size());
  for (int64_t b = 0; b < batch; ++b) {
    const float* s = &src[static_cast<size_t>(b * rows * cols)];
    float* d = &dst[static_cast<size_t>(b * rows * cols)];
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) d[j * rows + i] = s[i * cols + j];
  }
  return dst;
}

class LayoutCopyOp final : public OpDef {
 public:
  explicit LayoutCopyOp(bool nchw) : nchw_(nchw) {}

  std::string name() const override { return nchw_ ? "nchw_to_nhwc" : "transpose"; }
  std::string description() const override {
    const char* why =
        " (a reshape of a contiguous tensor is a view, no work, in every framework, so it is not an op here; "
        "the copies a reshape causes after a transpose are what this measures)";
    return std::string(nchw_ ? "Y [n,h,w,c] = X [n,c,h,w] permuted and materialised, float32; backward: dX = dY "
                               "permuted back to NCHW"
                             : "Y [cols,rows] = Xᵀ materialised (contiguous), X [rows,cols] float32; backward: "
                               "dX = dYᵀ") +
           why;
  }
  void validate_params(const nlohmann::json& p) const override { parse_layout_copy_params(name(), p); }
  std::string shape_label(const nlohmann::json& params) const override {
    const LayoutCopyParams p = parse_layout_copy_params(name(), params);
    if (!nchw_) return fmt::format("r{}-c{}", p.x_shape[0], p.x_shape[1]);
    return fmt::format("n{}-c{}-h{}-w{}", p.x_shape[0], p.x_shape[1], p.x_shape[2], p.x_shape[3]);
  }
  bool has_backward() const override { return true; }

  std::vector<HostTensor> make_inputs(const CaseSpec& c) const override {
    const LayoutCopyParams p = parse_layout_copy_params(name(), c.params);
    std::vector<HostTensor> in = {uniform_tensor("X", p.x_shape, c.seed, 0, -1, 1)};
    if (c.direction == "backward") in.push_back(uniform_tensor("dY", p.y_shape(), c.seed, 1, -1, 1));
    return in;
  }

  std::vector<HostTensor> reference(const CaseSpec& c, const std::vector<HostTensor>& in) const override {
    const LayoutCopyParams p = parse_layout_copy_params(name(), c.params);
    if (c.direction == "backward") {
      require_inputs(in, name(), {p.elements(), p.elements()});
      // dY is [batch, cols, rows] as matrices; dX its transpose back.
      return {{"dX", p.x_shape, batched_transpose(in[1].data, p.batch, p.cols, p.rows)}};
    }
    require_inputs(in, name(), {p.elements()});
    return {{"Y", p.y_shape(), batched_transpose(in[0].data, p.batch, p.rows, p.cols)}};
  }

  // A copy must be bit-exact: no tolerance at all.
  Validation check(const CaseSpec& c, const std::vector<HostTensor>&, const std::vector<HostTensor>& refs,
                   const std::vector<std::vector<float>>& results) const override {
    const bool backward = c.direction == "backward";
    return check_scaled({{&refs.at(0), std::vector<double>(refs[0].data.size(), 0.0), 0.0}}, results,
                        backward ? "|dX-ref| (a copy is exact)" : "|Y-ref| (a copy is exact)");
  }

  double flops(const nlohmann::json&) const override { return 0; }
  // Compulsory traffic: X read once, Y written once.
  double bytes(const nlohmann::json& params) const override {
    return 8.0 * static_cast<double>(parse_layout_copy_params(name(), params).elements());
  }
  // The backward pass is the same copy in the other direction (dY read, dX written). As for
  // every op, this counts the backward pass alone; the timed backward case also runs the
  // forward copy, so it moves twice this.
  double backward_flops(const nlohmann::json&) const override { return 0; }
  double backward_bytes(const nlohmann::json& params) const override { return bytes(params); }

 private:
  bool nchw_;
};

}  // namespace

std::vector<int64_t> LayoutCopyParams::y_shape() const {
  std::vector<int64_t> y;
  for (int64_t a : perm) y.push_back(x_shape[static_cast<size_t>(a)]);
  return y;
}

std::vector<int64_t> LayoutCopyParams::inverse_perm() const {
  std::vector<int64_t> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inv[static_cast<size_t>(perm[i])] = static_cast<int64_t>(i);
  return inv;
}

LayoutCopyParams parse_layout_copy_params(const std::string& op, const nlohmann::json& params) {
  LayoutCopyParams p;
  // The backward pass holds X, Y (the forward result), dY and dX at once.
  constexpr double kTensors = 4;
  if (op == "transpose") {
    const ParamReader rd(op, params, {"rows", "cols"});
    p.rows = rd.size("rows");
    p.cols = rd.size("cols");
    rd.limit_elements(kTensors * product({p.rows, p.cols}), fmt::format("rows {} cols {}", p.rows, p.cols));
    p.x_shape = {p.rows, p.cols};
    p.perm = {1, 0};
    return p;
  }
  if (op == "nchw_to_nhwc") {
    const ParamReader rd(op, params, {"n", "c", "h", "w"});
    const int64_t n = rd.size("n"), c = rd.size("c"), h = rd.size("h"), w = rd.size("w");
    rd.limit_elements(kTensors * product({n, c, h, w}), fmt::format("n {} c {} h {} w {}", n, c, h, w));
    p.x_shape = {n, c, h, w};
    p.perm = {0, 2, 3, 1};
    p.batch = n;
    p.rows = c;
    p.cols = h * w;
    return p;
  }
  throw std::invalid_argument("parse_layout_copy_params: not a layout copy: " + op);
}

const OpDef& transpose_op() {
  static const LayoutCopyOp op(false);
  return op;
}

const OpDef& nchw_to_nhwc_op() {
  static const LayoutCopyOp op(true);
  return op;
}

}  // namespace versus
