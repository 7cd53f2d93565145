// Element-wise comparison of a backend's outputs with the float64 reference, for ops whose
// error is best judged per element (activations, softmax, losses, reductions, gradients).
#pragma once
#include <string>
#include <vector>

#include "core/tensor.h"
#include "core/validation.h"

namespace versus {

// Error of element i of output o: |got - ref| / (|ref| + floor_o), where floor_o = `floor` ×
// the largest |ref| of that output, so elements near zero are judged against the output's
// scale instead of blowing up. Passes when the worst error is <= `tolerance`; NaN/Inf fail.
Validation compare_outputs(const std::vector<HostTensor>& references,
                           const std::vector<std::vector<float>>& results, double tolerance,
                           double floor = 1e-3);

}  // namespace versus
