// dot, gemv and batched_gemm: gemm's reference product and norm-based check applied to other
// shapes (see matrix_product.h for why the error scale and tolerance are what they are).
#include "core/ops/blas.h"

#include <fmt/format.h>

#include "core/op_registry.h"
#include "core/ops/matrix_product.h"
#include "core/ops/op_tensors.h"
#include "core/ops/params.h"
#include "core/ops/scaled_check.h"

namespace versus {
namespace {

class DotOp final : public OpDef {
 public:
  std::string name() const override { return "dot"; }
  std::string description() const override { return "Z = Σ X[i]·Y[i], float32 vectors of length n"; }
  void validate_params(const nlohmann::json& p) const override { parse_dot_params(p); }
  std::string shape_label(const nlohmann::json& p) const override {
    return fmt::format("n{}", parse_dot_params(p).n);
  }

  std::vector<HostTensor> make_inputs(const CaseSpec& c) const override {
    const DotParams d = parse_dot_params(c.params);
    return {uniform_tensor("X", {d.n}, c.seed, 0, -1, 1), uniform_tensor("Y", {d.n}, c.seed, 1, -1, 1)};
  }

  std::vector<HostTensor> reference(const CaseSpec& c, const std::vector<HostTensor>& in) const override {
    const DotParams d = parse_dot_params(c.params);
    require_inputs(in, name(), {d.n, d.n});
    HostTensor z{"Z", {1}, {0.0f}};
    matmul_reference(row(d, in[0]), column(d, in[1]), z.data.data());
    return {z};
  }

  Validation check(const CaseSpec& c, const std::vector<HostTensor>& in, const std::vector<HostTensor>& refs,
                   const std::vector<std::vector<float>>& results) const override {
    const DotParams d = parse_dot_params(c.params);
    require_inputs(in, name(), {d.n, d.n});
    ScaledOutput out{&refs[0], {}, product_tolerance(d.n)};
    append_product_scale(row(d, in[0]), column(d, in[1]), out.scale);
    return check_scaled({out}, results, "|Z-ref| / (||X||·||Y||)");
  }

  double flops(const nlohmann::json& p) const override { return 2.0 * static_cast<double>(parse_dot_params(p).n); }
  double bytes(const nlohmann::json& p) const override {
    return 4.0 * (2.0 * static_cast<double>(parse_dot_params(p).n) + 1);
  }

 private:
  static MatView row(const DotParams& d, const HostTensor& x) { return {x.data.data(), 1, d.n}; }
  static MatView column(const DotParams& d, const HostTensor& y) { return {y.data.data(), d.n, 1}; }
};

class GemvOp final : public OpDef {
 public:
  std::string name() const override { return "gemv"; }
  std::string description() const override {
    return "Y = op(A)·X, float32, A m×n row-major (stored n×m when trans_a)";
  }
  void validate_params(const nlohmann::json& p) const override { parse_gemv_params(p); }
  std::string shape_label(const nlohmann::json& p) const override {
    const GemvParams g = parse_gemv_params(p);
    return fmt::format("m{}-n{}-{}", g.m, g.n, g.trans_a ? 't' : 'n');
  }

  std::vector<HostTensor> make_inputs(const CaseSpec& c) const override {
    const GemvParams g = parse_gemv_params(c.params);
    std::vector<int64_t> a_shape = g.trans_a ? std::vector<int64_t>{g.n, g.m} : std::vector<int64_t>{g.m, g.n};
    return {uniform_tensor("A", std::move(a_shape), c.seed, 0, -1, 1), uniform_tensor("X", {g.n}, c.seed, 1, -1, 1)};
  }

  std::vector<HostTensor> reference(const CaseSpec& c, const std::vector<HostTensor>& in) const override {
    const GemvParams g = parse_gemv_params(c.params);
    require_inputs(in, name(), {g.m * g.n, g.n});
    HostTensor y{"Y", {g.m}, std::vector<float>(static_cast<size_t>(g.m))};
    matmul_reference(op_a(g, in[0]), x_column(g, in[1]), y.data.data());
    return {y};
  }

  Validation check(const CaseSpec& c, const std::vector<HostTensor>& in, const std::vector<HostTensor>& refs,
                   const std::vector<std::vector<float>>& results) const override {
    const GemvParams g = parse_gemv_params(c.params);
    require_inputs(in, name(), {g.m * g.n, g.n});
    ScaledOutput out{&refs[0], {}, product_tolerance(g.n)};
    append_product_scale(op_a(g, in[0]), x_column(g, in[1]), out.scale);
    return check_scaled({out}, results, "|Y-ref| / (||row of op(A)||·||X||)");
  }

  double flops(const nlohmann::json& p) const override {
    const GemvParams g = parse_gemv_params(p);
    return 2.0 * static_cast<double>(g.m) * static_cast<double>(g.n);
  }
  double bytes(const nlohmann::json& p) const override {
    const GemvParams g = parse_gemv_params(p);
    return 4.0 * (static_cast<double>(g.m) * static_cast<double>(g.n) + static_cast<double>(g.m + g.n));
  }

 private:
  static MatView op_a(const GemvParams& g, const HostTensor& a) { return {a.data.data(), g.m, g.n, g.trans_a}; }
  static MatView x_column(const GemvParams& g, const HostTensor& x) { return {x.data.data(), g.n, 1}; }
};

// Each batch entry is gemm's products (matrix_product.h): C forward, dA and dB (in A's and B's
// stored layouts) backward.
class BatchedGemmOp final : public OpDef {
 public:
  std::string name() const override { return "batched_gemm"; }
  std::string description() const override {
    return "C[b] = op(A[b])·op(B[b]), float32 (batch, m, n, k; trans_a/trans_b)";
  }
  void validate_params(const nlohmann::json& p) const override { parse_batched_gemm_params(p); }
  std::string shape_label(const nlohmann::json& p) const override {
    const BatchedGemmParams b = parse_batched_gemm_params(p);
    return fmt::format("b{}-m{}-n{}-k{}-{}{}", b.batch, b.g.m, b.g.n, b.g.k, b.g.trans_a ? 't' : 'n',
                       b.g.trans_b ? 't' : 'n');
  }
  bool has_backward() const override { return true; }

  std::vector<HostTensor> make_inputs(const CaseSpec& c) const override {
    const BatchedGemmParams b = parse_batched_gemm_params(c.params);
    const GemmParams& g = b.g;
    std::vector<HostTensor> in = {uniform_tensor("A", {b.batch, g.a_rows(), g.a_cols()}, c.seed, 0, -1, 1),
                                  uniform_tensor("B", {b.batch, g.b_rows(), g.b_cols()}, c.seed, 1, -1, 1)};
    if (c.direction == "backward") in.push_back(uniform_tensor("dC", {b.batch, g.m, g.n}, c.seed, 2, -1, 1));
    return in;
  }

  std::vector<HostTensor> reference(const CaseSpec& c, const std::vector<HostTensor>& in) const override {
    const BatchedGemmParams b = parse_batched_gemm_params(c.params);
    require_inputs(in, name(), expected_inputs(b, c.direction == "backward"));
    std::vector<HostTensor> out = outputs(b, c.direction == "backward");
    for (int64_t i = 0; i < b.batch; ++i) {
      const std::vector<ViewProduct> ps = products(b, in, i);
      for (size_t o = 0; o < out.size(); ++o)
        matmul_reference(ps[o].left, ps[o].right, out[o].data.data() + i * ps[o].size());
    }
    return out;
  }

  Validation check(const CaseSpec& c, const std::vector<HostTensor>& in, const std::vector<HostTensor>& refs,
                   const std::vector<std::vector<float>>& results) const override {
    const BatchedGemmParams b = parse_batched_gemm_params(c.params);
    require_inputs(in, name(), expected_inputs(b, c.direction == "backward"));
    std::vector<ScaledOutput> outs;
    for (size_t o = 0; o < refs.size(); ++o) outs.push_back({&refs[o], {}, 0.0});
    for (int64_t i = 0; i < b.batch; ++i) {
      const std::vector<ViewProduct> ps = products(b, in, i);
      for (size_t o = 0; o < outs.size(); ++o) {
        outs[o].tolerance = product_tolerance(ps[o].left.cols);
        append_product_scale(ps[o].left, ps[o].right, outs[o].scale);
      }
    }
    return check_scaled(outs, results, kProductMetric);
  }

  double flops(const nlohmann::json& p) const override {
    // Forward: 2·batch·m·n·k. Backward (not expressible here: flops() is not told the
    // direction) is twice that, one product per gradient.
    const BatchedGemmParams b = parse_batched_gemm_params(p);
    return 2.0 * static_cast<double>(b.batch) * static_cast<double>(b.g.m) * static_cast<double>(b.g.n) *
           static_cast<double>(b.g.k);
  }
  double bytes(const nlohmann::json& p) const override {
    const BatchedGemmParams b = parse_batched_gemm_params(p);
    const GemmParams& g = b.g;
    return 4.0 * static_cast<double>(b.batch) * static_cast<double>(g.m * g.k + g.k * g.n + g.m * g.n);
  }

 private:
  static std::vector<int64_t> expected_inputs(const BatchedGemmParams& b, bool backward) {
    const GemmParams& g = b.g;
    std::vector<int64_t> elements = {b.batch * g.m * g.k, b.batch * g.k * g.n};
    if (backward) elements.push_back(b.batch * g.m * g.n);
    return elements;
  }

  static std::vector<HostTensor> outputs(const BatchedGemmParams& b, bool backward) {
    const GemmParams& g = b.g;
    auto make = [&](std::string name, int64_t rows, int64_t cols) {
      return HostTensor{std::move(name), {b.batch, rows, cols}, std::vector<float>(static_cast<size_t>(b.batch * rows * cols))};
    };
    if (!backward) return {make("C", g.m, g.n)};
    return {make("dA", g.a_rows(), g.a_cols()), make("dB", g.b_rows(), g.b_cols())};
  }

  // The products that give the outputs for batch entry i, in output order.
  static std::vector<ViewProduct> products(const BatchedGemmParams& b, const std::vector<HostTensor>& in,
                                           int64_t i) {
    const GemmParams& g = b.g;
    return gemm_products(g, in[0].data.data() + i * g.m * g.k, in[1].data.data() + i * g.k * g.n,
                         in.size() < 3 ? nullptr : in[2].data.data() + i * g.m * g.n);
  }
};

}  // namespace

DotParams parse_dot_params(const nlohmann::json& p) {
  const ParamReader r("dot", p, {"n"});
  DotParams d;
  d.n = r.size("n", 1, int64_t{1} << 31);
  r.limit_elements(2.0 * static_cast<double>(d.n), fmt::format("n={}", d.n));
  return d;
}

GemvParams parse_gemv_params(const nlohmann::json& p) {
  const ParamReader r("gemv", p, {"m", "n", "trans_a"});
  GemvParams g;
  g.m = r.size("m");
  g.n = r.size("n");
  g.trans_a = r.flag("trans_a");
  r.limit_elements(product({g.m, g.n}) + static_cast<double>(g.m + g.n),
                   fmt::format("{}x{}", g.m, g.n));
  return g;
}

BatchedGemmParams parse_batched_gemm_params(const nlohmann::json& p) {
  const ParamReader r("batched_gemm", p, {"batch", "m", "n", "k", "trans_a", "trans_b"});
  BatchedGemmParams b;
  b.batch = r.size("batch");
  b.g.m = r.size("m");
  b.g.n = r.size("n");
  b.g.k = r.size("k");
  b.g.trans_a = r.flag("trans_a");
  b.g.trans_b = r.flag("trans_b");
  // The backward pass holds A, B, dC, dA and dB at once.
  const GemmParams& g = b.g;
  const double per_batch = 2.0 * (product({g.m, g.k}) + product({g.k, g.n})) + product({g.m, g.n});
  r.limit_elements(static_cast<double>(b.batch) * per_batch, fmt::format("{}x{}x{}x{}", b.batch, g.m, g.n, g.k));
  return b;
}

const OpDef& dot_op() {
  static const DotOp op;
  return op;
}
const OpDef& gemv_op() {
  static const GemvOp op;
  return op;
}
const OpDef& batched_gemm_op() {
  static const BatchedGemmOp op;
  return op;
}

}  // namespace versus
