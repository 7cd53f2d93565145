#include "core/ops/scaled_check.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace versus {

std::string element_name(const HostTensor& t, size_t flat_index) {
  std::string index;
  for (size_t d = t.shape.size(); d-- > 0;) {
    const auto extent = static_cast<size_t>(t.shape[d]);
    index = fmt::format("[{}]", extent ? flat_index % extent : 0) + index;
    if (extent) flat_index /= extent;
  }
  return t.name + index;
}

Validation check_scaled(const std::vector<ScaledOutput>& outputs, const std::vector<std::vector<float>>& results,
                        const std::string& metric) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  Validation v;
  v.metric = metric;
  if (results.size() != outputs.size()) {
    v.detail = fmt::format("expected {} output{}, got {}", outputs.size(), outputs.size() == 1 ? "" : "s",
                           results.size());
    return v;
  }
  double worst_ratio = -1;  // error / tolerance of the worst output so far
  for (size_t o = 0; o < outputs.size(); ++o) {
    const HostTensor& ref = *outputs[o].reference;
    const std::vector<float>& got = results[o];
    const double tol = outputs[o].tolerance;
    if (got.size() != ref.data.size()) {
      v.passed = false;
      v.max_rel_error = kInf;
      v.tolerance = tol;
      v.detail = fmt::format("{} has {} elements, expected {}", ref.name, got.size(), ref.data.size());
      return v;
    }
    double worst_rel = -1;
    size_t worst = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      const double err = std::fabs(static_cast<double>(got[i]) - ref.data[i]);
      const double scale = outputs[o].scale[i];
      double rel = scale > 0 ? err / scale : err;
      if (!std::isfinite(got[i])) rel = kInf;
      v.max_abs_error = std::max(v.max_abs_error, std::isfinite(err) ? err : kInf);
      if (rel > worst_rel) {
        worst_rel = rel;
        worst = i;
      }
    }
    if (got.empty()) continue;
    const double ratio = tol > 0 ? worst_rel / tol : (worst_rel > 0 ? kInf : 0);
    if (ratio > worst_ratio) {
      worst_ratio = ratio;
      v.max_rel_error = worst_rel;
      v.tolerance = tol;
      v.detail = fmt::format("worst at {}: got {}, reference {}", element_name(ref, worst), got[worst],
                             ref.data[worst]);
    }
  }
  v.passed = worst_ratio <= 1;
  return v;
}

}  // namespace versus
