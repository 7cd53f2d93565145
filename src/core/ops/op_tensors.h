// HostTensor helpers shared by the op definitions: seeded inputs, and a guard that a caller
// passed the tensors an op's reference expects (the references index into them unchecked).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace versus {

// A tensor of uniform values in [lo, hi) from stream `stream` of `seed` (core/rng.h).
HostTensor uniform_tensor(std::string name, std::vector<int64_t> shape, uint64_t seed, uint64_t stream,
                          float lo, float hi);

// Throws std::invalid_argument unless `in` holds exactly these element counts, in order.
void require_inputs(const std::vector<HostTensor>& in, const std::string& op,
                    const std::vector<int64_t>& elements);

}  // namespace versus
