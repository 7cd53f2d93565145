#include "core/ops/compare.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace versus {

Validation compare_outputs(const std::vector<HostTensor>& refs, const std::vector<std::vector<float>>& results,
                           double tolerance, double floor) {
  Validation v;
  v.tolerance = tolerance;
  v.metric = fmt::format("|got-ref| / (|ref| + {:g}·max|ref|), worst over all outputs", floor);
  if (results.size() != refs.size()) {
    v.detail = fmt::format("expected {} outputs, got {}", refs.size(), results.size());
    return v;
  }
  bool first = true;
  for (size_t o = 0; o < refs.size(); ++o) {
    const auto& ref = refs[o].data;
    const auto& got = results[o];
    if (got.size() != ref.size()) {
      v.max_rel_error = std::numeric_limits<double>::infinity();
      v.detail = fmt::format("output {} ({}) has {} elements, expected {}", o, refs[o].name, got.size(), ref.size());
      return v;
    }
    double scale = 0;
    for (float r : ref) scale = std::max(scale, std::fabs(double(r)));
    const double guard = floor * scale + std::numeric_limits<double>::min();
    for (size_t i = 0; i < ref.size(); ++i) {
      const double err = std::fabs(double(got[i]) - double(ref[i]));
      double rel = err / (std::fabs(double(ref[i])) + guard);
      if (!std::isfinite(got[i])) rel = std::numeric_limits<double>::infinity();
      v.max_abs_error = std::max(v.max_abs_error, std::isfinite(err) ? err : std::numeric_limits<double>::infinity());
      if (first || rel > v.max_rel_error) {
        first = false;
        v.max_rel_error = rel;
        v.detail = fmt::format("worst at {}[{}]: got {}, reference {}", refs[o].name, i, got[i], ref[i]);
      }
    }
  }
  v.passed = v.max_rel_error <= tolerance;
  return v;
}

}  // namespace versus
