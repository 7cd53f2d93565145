// Element-wise checking against an error scale that the op derives from its own rounding-error
// analysis (e.g. Σ|a|·|b| over a dot product's terms), so that the tolerance is a stated bound
// in units of 2⁻²⁴ instead of a guess.
#pragma once
#include <string>
#include <vector>

#include "core/tensor.h"
#include "core/validation.h"

namespace versus {

inline constexpr double kUnitRoundoff = 1.0 / (1 << 24);  // float32, round to nearest

struct ScaledOutput {
  const HostTensor* reference;
  // Element i's error is |got - ref| / scale[i]; a zero scale judges the absolute error.
  std::vector<double> scale;
  double tolerance;
};

// Every output is judged against its own tolerance; the reported error and tolerance are those
// of the output that is worst relative to its tolerance. NaN/Inf and wrong sizes fail.
Validation check_scaled(const std::vector<ScaledOutput>& outputs, const std::vector<std::vector<float>>& results,
                        const std::string& metric);

// "C[3][5]" for element 3·5+5 of a {4, 5}-shaped tensor named C.
std::string element_name(const HostTensor& t, size_t flat_index);

}  // namespace versus
