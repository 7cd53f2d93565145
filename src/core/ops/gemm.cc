// gemm: C = op(A)·op(B) and its backward pass (dA, dB in the stored layouts), with a float64
// reference that checks evenly spaced rows only when a product is too large to check whole.
#include "core/ops/gemm.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/errors.h"
#include "core/op_registry.h"
#include "core/ops/matrix_product.h"
#include "core/ops/dtype.h"
#include "core/ops/op_tensors.h"
#include "core/ops/params.h"
#include "core/ops/scaled_check.h"
#include "core/rng.h"

namespace versus {
namespace {

constexpr int64_t kMaxDim = 1 << 16;
constexpr double kMaxBytes = 8.0 * (1ULL << 30);  // inputs + output

int64_t read_dim(const nlohmann::json& p, const char* key) {
  if (!p.contains(key)) throw UserError(fmt::format("gemm needs --{} (a positive size)", key));
  const auto& v = p.at(key);
  if (!v.is_number_integer())
    throw UserError(fmt::format("gemm: --{} must be an integer, got {}", key, v.dump()));
  const int64_t d = v.get<int64_t>();
  if (d <= 0 || d > kMaxDim)
    throw UserError(fmt::format("gemm: --{} {} is out of range; use 1..{}", key, d, kMaxDim));
  return d;
}

// The products behind the case's outputs: C forward, dA and dB backward (matrix_product.h).
std::vector<ViewProduct> case_products(const GemmParams& g, const std::vector<HostTensor>& in) {
  return gemm_products(g, in[0].data.data(), in[1].data.data(), in.size() > 2 ? in[2].data.data() : nullptr);
}

// Rows of a product the float64 reference computes: all of them up to 2^31 multiply-adds
// (about a second), else 64 evenly spaced rows. A wrong layout or transpose corrupts every row,
// so a sample of rows still catches it, while an 8192³ reference would take minutes per process.
// Each product of a case (C, or dA and dB) has the m·n·k multiply-adds of the forward one.
std::vector<int64_t> checked_rows(const ViewProduct& p) {
  constexpr double kFullCheckMacs = 2147483648.0;
  constexpr int64_t kSampledRows = 64;
  const int64_t rows = p.left.rows;
  std::vector<int64_t> out;
  if (double(rows) * double(p.right.cols) * double(p.left.cols) <= kFullCheckMacs || rows <= kSampledRows) {
    for (int64_t i = 0; i < rows; ++i) out.push_back(i);
  } else {
    for (int64_t r = 0; r < kSampledRows; ++r) out.push_back(r * (rows - 1) / (kSampledRows - 1));
  }
  return out;
}

// A product cut down to its checked rows: those rows of the left factor (a row-major float32
// copy, exact since the inputs are float32) times the whole right factor.
struct CheckedRows {
  std::vector<int64_t> rows;
  std::vector<float> left;
  MatView right;
  MatView left_rows() const { return {left.data(), static_cast<int64_t>(rows.size()), right.rows, false}; }
};

CheckedRows checked(const ViewProduct& p) {
  CheckedRows c{checked_rows(p), {}, p.right};
  c.left.reserve(c.rows.size() * static_cast<size_t>(p.left.cols));
  for (int64_t i : c.rows)
    for (int64_t q = 0; q < p.left.cols; ++q) c.left.push_back(static_cast<float>(p.left.at(i, q)));
  return c;
}

class GemmOp final : public OpDef {
 public:
  std::string name() const override { return "gemm"; }
  std::string description() const override {
    return "C = op(A)·op(B), float32 (sizes m,n,k; trans_a/trans_b; b_grad_only: backward gives dB alone, as a "
           "network's first dense layer)";
  }

  void validate_params(const nlohmann::json& p) const override { parse_gemm_params(p); }

  std::string shape_label(const nlohmann::json& p) const override {
    const GemmParams g = parse_gemm_params(p);
    return fmt::format("m{}-n{}-k{}-{}{}{}", g.m, g.n, g.k, g.trans_a ? 't' : 'n', g.trans_b ? 't' : 'n',
                       g.b_grad_only ? "-db" : "");
  }

  bool has_backward() const override { return true; }

  std::vector<HostTensor> make_inputs(const CaseSpec& c) const override {
    const GemmParams g = parse_gemm_params(c.params);
    HostTensor a{"A", {g.a_rows(), g.a_cols()}, {}};
    HostTensor b{"B", {g.b_rows(), g.b_cols()}, {}};
    a.data.resize(static_cast<size_t>(a.elements()));
    b.data.resize(static_cast<size_t>(b.elements()));
    fill_uniform(a.data, c.seed, 0, -1.0f, 1.0f);
    fill_uniform(b.data, c.seed, 1, -1.0f, 1.0f);
    std::vector<HostTensor> in = {std::move(a), std::move(b)};
    if (c.direction == "backward") in.push_back(uniform_tensor("dC", {g.m, g.n}, c.seed, 2, -1, 1));
    for (HostTensor& t : in) round_to(parse_dtype(c.dtype), t.data);  // exact in a 16-bit case's type
    return in;
  }

  // The reference holds the checked rows of each output only (all of them unless the product is
  // huge): C, or dA and dB in the stored layouts of A and B.
  std::vector<HostTensor> reference(const CaseSpec& c, const std::vector<HostTensor>& in) const override {
    const GemmParams g = parse_gemm_params(c.params);
    require_inputs(in, name(), expected_inputs(g, c.direction == "backward"));
    const std::vector<ViewProduct> ps = case_products(g, in);
    std::vector<HostTensor> out;
    for (size_t o = 0; o < ps.size(); ++o) {
      const CheckedRows part = checked(ps[o]);
      const int64_t rows = static_cast<int64_t>(part.rows.size()), cols = part.right.cols;
      HostTensor& t = out.emplace_back(HostTensor{output_names(g, c.direction == "backward")[o], {rows, cols}, {}});
      t.data.resize(static_cast<size_t>(rows * cols));
      matmul_reference(part.left_rows(), part.right, t.data.data());
    }
    return out;
  }

  Validation check(const CaseSpec& c, const std::vector<HostTensor>& in, const std::vector<HostTensor>& refs,
                   const std::vector<std::vector<float>>& results) const override {
    const GemmParams g = parse_gemm_params(c.params);
    require_inputs(in, name(), expected_inputs(g, c.direction == "backward"));
    const std::vector<ViewProduct> ps = case_products(g, in);
    // A 16-bit result is rounded to its type once more (|C| <= ||row||·||column||); 2 units leave
    // room for a blocked sum's partial results rounded to it as well.
    const DType t = parse_dtype(c.dtype);
    const double output_rounding = t == DType::kFloat32 ? 0.0 : 2 * unit_roundoff(t);
    std::vector<ScaledOutput> outs;
    // The backend's full outputs, cut down to the checked rows.
    std::vector<std::vector<float>> picked = results;
    std::vector<std::string> sampled;
    for (size_t o = 0; o < ps.size() && o < refs.size(); ++o) {
      const CheckedRows part = checked(ps[o]);
      ScaledOutput& out = outs.emplace_back(ScaledOutput{&refs[o], {}, product_tolerance(ps[o].left.cols) + output_rounding});
      append_product_scale(part.left_rows(), part.right, out.scale);
      if (static_cast<int64_t>(part.rows.size()) == ps[o].left.rows) continue;
      sampled.push_back(fmt::format("{} of {} rows of {}", part.rows.size(), ps[o].left.rows, refs[o].name));
      const int64_t cols = ps[o].right.cols;
      if (o >= results.size() || results[o].size() != static_cast<size_t>(ps[o].size())) continue;
      picked[o].clear();
      for (int64_t i : part.rows)
        picked[o].insert(picked[o].end(), results[o].begin() + i * cols, results[o].begin() + (i + 1) * cols);
    }
    Validation v = check_scaled(outs, picked,
                                c.direction != "backward" ? "|C-ref| / (||row of op(A)||·||column of op(B)||)" : kProductMetric);
    if (!sampled.empty())
      v.detail = fmt::format("checked {} (evenly spaced; the float64 reference of the whole product would take "
                             "minutes); {}", fmt::join(sampled, ", "), v.detail);
    return v;
  }

  double flops(const nlohmann::json& p) const override {
    const GemmParams g = parse_gemm_params(p);
    return 2.0 * static_cast<double>(g.m) * static_cast<double>(g.n) * static_cast<double>(g.k);
  }

  double bytes(const nlohmann::json& p) const override {
    const GemmParams g = parse_gemm_params(p);
    return 4.0 * static_cast<double>(g.m * g.k + g.k * g.n + g.m * g.n);
  }

 private:
  static std::vector<int64_t> expected_inputs(const GemmParams& g, bool backward) {
    std::vector<int64_t> elements = {g.m * g.k, g.k * g.n};
    if (backward) elements.push_back(g.m * g.n);
    return elements;
  }
  static std::vector<std::string> output_names(const GemmParams& g, bool backward) {
    if (!backward) return {"C"};
    if (g.b_grad_only) return {"dB"};
    return {"dA", "dB"};
  }
};

}  // namespace

GemmParams parse_gemm_params(const nlohmann::json& p) {
  if (!p.is_object()) throw UserError("gemm: parameters must be an object with m, n, k");
  const ParamReader known("gemm", p, {"m", "n", "k", "trans_a", "trans_b", "b_grad_only"});  // refuses misspelt keys
  GemmParams g;
  g.m = read_dim(p, "m");
  g.n = read_dim(p, "n");
  g.k = read_dim(p, "k");
  g.trans_a = p.value("trans_a", false);
  g.trans_b = p.value("trans_b", false);
  g.b_grad_only = known.flag("b_grad_only");
  const double bytes = 4.0 * static_cast<double>(g.m * g.k + g.k * g.n + g.m * g.n);
  if (bytes > kMaxBytes)
    throw UserError(fmt::format("gemm {}x{}x{} needs {:.1f} GiB; the limit is {:.0f} GiB", g.m, g.n,
                                g.k, bytes / (1 << 30), kMaxBytes / (1 << 30)));
  return g;
}

const OpDef& gemm_op() {
  static const GemmOp op;
  return op;
}

}  // namespace versus
