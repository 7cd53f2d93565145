#include "core/ops/gemm.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/op_registry.h"
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

  std::vector<HostTensor> reference(const CaseSpec& c, const std::vector<HostTensor>& in) const override {
    const GemmParams g = parse_gemm_params(c.params);
    // op(A) and op(B) as row-major double copies, then an i-k-j loop the compiler vectorises.
    std::vector<double> a(static_cast<size_t>(g.m * g.k)), b(static_cast<size_t>(g.k * g.n));
    for (int64_t i = 0; i < g.m; ++i)
      for (int64_t p = 0; p < g.k; ++p)
        a[i * g.k + p] = in[0].data[g.trans_a ? p * g.m + i : i * g.k + p];
    for (int64_t p = 0; p < g.k; ++p)
      for (int64_t j = 0; j < g.n; ++j)
        b[p * g.n + j] = in[1].data[g.trans_b ? j * g.k + p : p * g.n + j];
    HostTensor out{"C", {g.m, g.n}, std::vector<float>(static_cast<size_t>(g.m * g.n))};
    std::vector<double> row(static_cast<size_t>(g.n));
    for (int64_t i = 0; i < g.m; ++i) {
      std::fill(row.begin(), row.end(), 0.0);
      for (int64_t p = 0; p < g.k; ++p) {
        const double aip = a[i * g.k + p];
        const double* brow = &b[p * g.n];
        for (int64_t j = 0; j < g.n; ++j) row[j] += aip * brow[j];
      }
      for (int64_t j = 0; j < g.n; ++j) out.data[i * g.n + j] = static_cast<float>(row[j]);
    }
    return {out};
  }

  // Error of C[i][j] divided by ‖row i of op(A)‖·‖column j of op(B)‖. Any float32 summation
  // order keeps this below k·2⁻²⁴ (a dot product's forward-error bound with Cauchy–Schwarz),
  // while a wrong layout or transpose gives errors of order 1/√k.
  Validation check(const CaseSpec& c, const std::vector<HostTensor>& in, const std::vector<HostTensor>& refs,
                   const std::vector<std::vector<float>>& results) const override {
    const GemmParams g = parse_gemm_params(c.params);
    Validation v;
    if (results.size() != 1) {
      v.detail = fmt::format("expected 1 output, got {}", results.size());
      return v;
    }
    const HostTensor& ref = refs[0];
    const std::vector<float>& got = results[0];
    v.metric = "|C-ref| / (||row of op(A)||·||column of op(B)||)";
    v.tolerance = std::max(1e-6, 1.01 * static_cast<double>(g.k) * std::ldexp(1.0, -24));
    if (got.size() != ref.data.size()) {
      v.detail = fmt::format("result has {} elements, expected {}", got.size(), ref.data.size());
      return v;
    }
    std::vector<double> row_norm(static_cast<size_t>(g.m), 0.0), col_norm(static_cast<size_t>(g.n), 0.0);
    for (int64_t i = 0; i < g.m; ++i)
      for (int64_t p = 0; p < g.k; ++p) {
        const double x = in[0].data[g.trans_a ? p * g.m + i : i * g.k + p];
        row_norm[i] += x * x;
      }
    for (int64_t p = 0; p < g.k; ++p)
      for (int64_t j = 0; j < g.n; ++j) {
        const double x = in[1].data[g.trans_b ? j * g.k + p : p * g.n + j];
        col_norm[j] += x * x;
      }
    int64_t worst = -1;
    for (int64_t i = 0; i < g.m; ++i)
      for (int64_t j = 0; j < g.n; ++j) {
        const size_t idx = static_cast<size_t>(i * g.n + j);
        const double err = std::fabs(static_cast<double>(got[idx]) - ref.data[idx]);
        const double scale = std::sqrt(row_norm[i] * col_norm[j]);
        double rel = scale > 0 ? err / scale : err;
        if (!std::isfinite(got[idx])) rel = std::numeric_limits<double>::infinity();
        v.max_abs_error = std::max(v.max_abs_error, err);
        if (worst < 0 || rel > v.max_rel_error) {
          v.max_rel_error = rel;
          worst = static_cast<int64_t>(idx);
        }
      }
    v.passed = v.max_rel_error <= v.tolerance;
    if (worst >= 0)
      v.detail = fmt::format("worst at C[{}][{}]: got {}, reference {}", worst / g.n, worst % g.n,
                             got[worst], ref.data[worst]);
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
