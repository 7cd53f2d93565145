// embedding: a gather forward, a scatter-add backward, with a float64 reference.
#include "core/ops/embedding.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "core/op_registry.h"
#include "core/ops/op_tensors.h"
#include "core/ops/params.h"
#include "core/ops/scaled_check.h"
#include "core/rng.h"

namespace versus {
namespace {

// dTable in float64; with `magnitude`, the sums of |dY| (the check's error scale).
std::vector<double> scatter_add(const EmbeddingParams& p, const std::vector<float>& indices,
                                const std::vector<float>& dy, bool magnitude) {
  std::vector<double> dtable(static_cast<size_t>(p.vocab * p.dim), 0.0);
  for (size_t t = 0; t < indices.size(); ++t) {
    double* row = &dtable[static_cast<size_t>(indices[t]) * p.dim];
    const float* g = &dy[t * p.dim];
    for (int64_t j = 0; j < p.dim; ++j) row[j] += magnitude ? std::fabs(g[j]) : g[j];
  }
  return dtable;
}

class EmbeddingOp final : public OpDef {
 public:
  std::string name() const override { return "embedding"; }
  std::string description() const override {
    return "Y = table[indices], float32 (vocab, dim, batch, seq); backward scatter-adds into dTable";
  }
  void validate_params(const nlohmann::json& p) const override { parse_embedding_params(p); }
  std::string shape_label(const nlohmann::json& params) const override {
    const EmbeddingParams p = parse_embedding_params(params);
    return fmt::format("v{}-d{}-b{}-s{}", p.vocab, p.dim, p.batch, p.seq);
  }
  bool has_backward() const override { return true; }

  std::vector<HostTensor> make_inputs(const CaseSpec& c) const override {
    const EmbeddingParams p = parse_embedding_params(c.params);
    std::vector<HostTensor> in = {{"table", {p.vocab, p.dim}, {}}, {"indices", {p.batch, p.seq}, {}}};
    if (c.direction == "backward") in.push_back({"dY", {p.batch, p.seq, p.dim}, {}});
    for (auto& t : in) t.data.resize(static_cast<size_t>(t.elements()));
    fill_uniform(in[0].data, c.seed, 0, -1.0f, 1.0f);
    // Uniform in [0, 1) with 24 bits, scaled in float64 and rounded down: exact, below vocab.
    fill_uniform(in[1].data, c.seed, 1, 0.0f, 1.0f);
    for (float& i : in[1].data)
      i = static_cast<float>(std::min<double>(std::floor(double(i) * double(p.vocab)), double(p.vocab - 1)));
    if (in.size() > 2) fill_uniform(in[2].data, c.seed, 2, -1.0f, 1.0f);
    return in;
  }

  std::vector<HostTensor> reference(const CaseSpec& c, const std::vector<HostTensor>& in) const override {
    const EmbeddingParams p = parse_embedding_params(c.params);
    require_valid_inputs(p, in, c.direction == "backward");
    if (c.direction == "backward") {
      const std::vector<double> d = scatter_add(p, in[1].data, in[2].data, false);
      return {{"dTable", {p.vocab, p.dim}, std::vector<float>(d.begin(), d.end())}};
    }
    HostTensor y{"Y", {p.batch, p.seq, p.dim}, std::vector<float>(static_cast<size_t>(p.batch * p.seq * p.dim))};
    for (size_t t = 0; t < in[1].data.size(); ++t)
      std::copy_n(&in[0].data[static_cast<size_t>(in[1].data[t]) * p.dim], p.dim, &y.data[t * p.dim]);
    return {y};
  }

  // Forward copies, so it must be exact. A dTable row is a sum of as many dY rows as the index
  // occurs: error <= occurrences·2⁻²⁴ of the sum of their magnitudes, in any order.
  Validation check(const CaseSpec& c, const std::vector<HostTensor>& in, const std::vector<HostTensor>& refs,
                   const std::vector<std::vector<float>>& results) const override {
    const EmbeddingParams p = parse_embedding_params(c.params);
    require_valid_inputs(p, in, c.direction == "backward");
    if (c.direction != "backward")
      return check_scaled({{&refs[0], std::vector<double>(refs[0].data.size(), 0.0), 0.0}}, results,
                          "|Y-ref| (a gather is exact)");
    std::vector<int64_t> occurrences(static_cast<size_t>(p.vocab), 0);
    for (float i : in[1].data) ++occurrences[static_cast<size_t>(i)];
    const double most = static_cast<double>(*std::max_element(occurrences.begin(), occurrences.end()));
    return check_scaled({{&refs[0], scatter_add(p, in[1].data, in[2].data, true), 1.01 * most * kUnitRoundoff}},
                        results, "|dTable-ref| / Σ|dY| over the rows scattered into it");
  }

  // Forward is a gather: no arithmetic. Backward (flops() is not told the direction) performs
  // batch·seq·dim additions.
  double flops(const nlohmann::json&) const override { return 0; }
  // Compulsory traffic reads the indices and only the rows they select, not the whole table.
  double bytes(const nlohmann::json& params) const override {
    const EmbeddingParams p = parse_embedding_params(params);
    return 4.0 * (product({p.batch, p.seq}) + 2.0 * product({p.batch, p.seq, p.dim}));
  }

 private:
  // The references index the table with the indices, so both sizes and values are checked.
  void require_valid_inputs(const EmbeddingParams& p, const std::vector<HostTensor>& in, bool backward) const {
    std::vector<int64_t> elements = {p.vocab * p.dim, p.batch * p.seq};
    if (backward) elements.push_back(p.batch * p.seq * p.dim);
    require_inputs(in, name(), elements);
    for (float i : in[1].data)
      if (!(i >= 0 && i < static_cast<float>(p.vocab) && i == std::floor(i)))
        throw std::invalid_argument(fmt::format("embedding: index {} is not an integer in [0, {})", i, p.vocab));
  }
};

}  // namespace

EmbeddingParams parse_embedding_params(const nlohmann::json& params) {
  const ParamReader rd("embedding", params, {"vocab", "dim", "batch", "seq"});
  EmbeddingParams p;
  p.vocab = rd.size("vocab", 1, int64_t{1} << 24);
  p.dim = rd.size("dim");
  p.batch = rd.size("batch");
  p.seq = rd.size("seq");
  // The backward pass holds table, indices, dY and dTable at once.
  rd.limit_elements(2.0 * product({p.vocab, p.dim}) + product({p.batch, p.seq}) + product({p.batch, p.seq, p.dim}),
                    fmt::format("vocab {} dim {} batch {} seq {}", p.vocab, p.dim, p.batch, p.seq));
  return p;
}

const OpDef& embedding_op() {
  static const EmbeddingOp op;
  return op;
}

}  // namespace versus
