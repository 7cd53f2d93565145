// load (core/ops/load.h): inputs from the seed, the reference is the inputs themselves.
#include "core/ops/load.h"

#include <cmath>

#include <fmt/format.h>

#include "core/op_registry.h"
#include "core/ops/op_tensors.h"
#include "core/ops/params.h"
#include "core/ops/scaled_check.h"
#include "core/rng.h"

namespace versus {
namespace {

class LoadOp final : public OpDef {
 public:
  std::string name() const override { return "load"; }
  std::string description() const override {
    return "read a dataset file (format idx, idx-gz, csv, cifar; samples) into float32 images and labels";
  }
  void validate_params(const nlohmann::json& p) const override { parse_load_params(p); }
  std::string shape_label(const nlohmann::json& params) const override {
    const LoadParams p = parse_load_params(params);
    return fmt::format("{}-n{}", p.format, p.samples);
  }

  std::vector<HostTensor> make_inputs(const CaseSpec& c) const override {
    const LoadParams p = parse_load_params(c.params);
    std::vector<HostTensor> in = {{"images", {p.samples, p.pixels()}, {}}, {"labels", {p.samples}, {}}};
    for (auto& t : in) t.data.resize(static_cast<size_t>(t.elements()));
    // u in [0, 1): below 0.5 a black pixel, else a byte 1..255; labels 0..9. Exact integers.
    fill_uniform(in[0].data, c.seed, 0, 0.0f, 1.0f);
    for (float& v : in[0].data) v = v < 0.5f ? 0.0f : std::floor((v - 0.5f) * 2.0f * 255.0f) + 1.0f;
    fill_uniform(in[1].data, c.seed, 1, 0.0f, 1.0f);
    for (float& v : in[1].data) v = std::floor(v * 10.0f);
    return in;
  }

  std::vector<HostTensor> reference(const CaseSpec& c, const std::vector<HostTensor>& in) const override {
    const LoadParams p = parse_load_params(c.params);
    require_inputs(in, name(), {p.samples * p.pixels(), p.samples});
    return {in[0], in[1]};
  }

  // Reading bytes back is exact.
  Validation check(const CaseSpec&, const std::vector<HostTensor>&, const std::vector<HostTensor>& refs,
                   const std::vector<std::vector<float>>& results) const override {
    return check_scaled({{&refs[0], std::vector<double>(refs[0].data.size(), 0.0), 0.0},
                         {&refs[1], std::vector<double>(refs[1].data.size(), 0.0), 0.0}},
                        results, "|value-byte| (reading is exact)");
  }

  double flops(const nlohmann::json&) const override { return 0; }
  // The decoded data, one byte per pixel and label, whatever the format: the report's GB/s then
  // compare formats and readers directly (a CSV file is about 2.3× larger than its bytes).
  double bytes(const nlohmann::json& params) const override {
    const LoadParams p = parse_load_params(params);
    return product({p.samples, p.pixels() + 1});
  }
};

}  // namespace

LoadParams parse_load_params(const nlohmann::json& params) {
  const ParamReader rd("load", params, {"format", "samples"});
  LoadParams p;
  p.format = rd.choice("format", {"idx", "idx-gz", "csv", "cifar"});
  p.samples = rd.size_or("samples", 10000, 1, 1'000'000);
  rd.limit_elements(2.0 * product({p.samples, p.pixels() + 1}), fmt::format("load of {} samples", p.samples));
  return p;
}

const OpDef& load_op() {
  static const LoadOp op;
  return op;
}

}  // namespace versus
