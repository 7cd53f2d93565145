#include "core/ops/gemm.h"

#include <fmt/format.h>

#include "core/errors.h"
#include "core/op_registry.h"
#include "core/ops/matrix_product.h"
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

MatView op_a(const GemmParams& g, const HostTensor& a) { return {a.data.data(), g.m, g.k, g.trans_a}; }

// Rows of C the float64 reference computes: all of them up to 2^31 multiply-adds (about a
// second), else 64 evenly spaced rows. A wrong layout or transpose corrupts every row, so a
// sample of rows still catches it, while an 8192³ reference would take minutes per process.
std::vector<int64_t> checked_rows(const GemmParams& g) {
  constexpr double kFullCheckMacs = 2147483648.0;
  constexpr int64_t kSampledRows = 64;
  std::vector<int64_t> rows;
  if (double(g.m) * double(g.n) * double(g.k) <= kFullCheckMacs || g.m <= kSampledRows) {
    for (int64_t i = 0; i < g.m; ++i) rows.push_back(i);
  } else {
    for (int64_t r = 0; r < kSampledRows; ++r) rows.push_back(r * (g.m - 1) / (kSampledRows - 1));
  }
  return rows;
}

// Those rows of op(A), as a row-major (rows × k) float32 matrix.
std::vector<float> checked_rows_of_a(const GemmParams& g, const HostTensor& a) {
  const MatView view = op_a(g, a);
  std::vector<float> out;
  for (int64_t i : checked_rows(g))
    for (int64_t p = 0; p < g.k; ++p) out.push_back(static_cast<float>(view.at(i, p)));
  return out;
}
MatView op_b(const GemmParams& g, const HostTensor& b) { return {b.data.data(), g.k, g.n, g.trans_b}; }

class GemmOp final : public OpDef {
 public:
  std::string name() const override { return "gemm"; }
  std::string description() const override {
    return "C = op(A)·op(B), float32 (sizes m,n,k; trans_a/trans_b)";
  }

  void validate_params(const nlohmann::json& p) const override { parse_gemm_params(p); }

  std::string shape_label(const nlohmann::json& p) const override {
    const GemmParams g = parse_gemm_params(p);
    return fmt::format("m{}-n{}-k{}-{}{}", g.m, g.n, g.k, g.trans_a ? 't' : 'n',
                       g.trans_b ? 't' : 'n');
  }

  std::vector<HostTensor> make_inputs(const CaseSpec& c) const override {
    const GemmParams g = parse_gemm_params(c.params);
    HostTensor a{"A", {g.a_rows(), g.a_cols()}, {}};
    HostTensor b{"B", {g.b_rows(), g.b_cols()}, {}};
    a.data.resize(static_cast<size_t>(a.elements()));
    b.data.resize(static_cast<size_t>(b.elements()));
    fill_uniform(a.data, c.seed, 0, -1.0f, 1.0f);
    fill_uniform(b.data, c.seed, 1, -1.0f, 1.0f);
    return {std::move(a), std::move(b)};
  }

  // The reference holds the checked rows of C only (all of them unless the product is huge).
  std::vector<HostTensor> reference(const CaseSpec& c, const std::vector<HostTensor>& in) const override {
    const GemmParams g = parse_gemm_params(c.params);
    const std::vector<float> a_rows = checked_rows_of_a(g, in[0]);
    const MatView a_sub{a_rows.data(), static_cast<int64_t>(a_rows.size()) / g.k, g.k, false};
    HostTensor out{"C", {a_sub.rows, g.n}, std::vector<float>(static_cast<size_t>(a_sub.rows * g.n))};
    matmul_reference(a_sub, op_b(g, in[1]), out.data.data());
    return {out};
  }

  Validation check(const CaseSpec& c, const std::vector<HostTensor>& in, const std::vector<HostTensor>& refs,
                   const std::vector<std::vector<float>>& results) const override {
    const GemmParams g = parse_gemm_params(c.params);
    const std::vector<int64_t> rows = checked_rows(g);
    const std::vector<float> a_rows = checked_rows_of_a(g, in[0]);
    const MatView a_sub{a_rows.data(), static_cast<int64_t>(rows.size()), g.k, false};
    ScaledOutput out{&refs[0], {}, product_tolerance(g.k)};
    append_product_scale(a_sub, op_b(g, in[1]), out.scale);
    // The backend's full C, cut down to the checked rows.
    std::vector<std::vector<float>> picked = results;
    if (results.size() == 1 && static_cast<int64_t>(rows.size()) != g.m &&
        results[0].size() == static_cast<size_t>(g.m * g.n)) {
      picked[0].clear();
      for (int64_t i : rows)
        picked[0].insert(picked[0].end(), results[0].begin() + i * g.n, results[0].begin() + (i + 1) * g.n);
    }
    Validation v = check_scaled({out}, picked, "|C-ref| / (||row of op(A)||·||column of op(B)||)");
    if (static_cast<int64_t>(rows.size()) != g.m)
      v.detail = fmt::format("checked {} of {} rows (evenly spaced; the float64 reference of the whole product "
                             "would take minutes); {}", rows.size(), g.m, v.detail);
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
};

}  // namespace

GemmParams parse_gemm_params(const nlohmann::json& p) {
  if (!p.is_object()) throw UserError("gemm: parameters must be an object with m, n, k");
  GemmParams g;
  g.m = read_dim(p, "m");
  g.n = read_dim(p, "n");
  g.k = read_dim(p, "k");
  g.trans_a = p.value("trans_a", false);
  g.trans_b = p.value("trans_b", false);
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
