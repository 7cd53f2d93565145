// The initial parameters of a network, drawn from a seed in the neutral layout: every backend
// receives these same bytes (fairness protocol, rule 2).
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "nets/network.h"

namespace versus {

// One tensor per Network::params entry, same order, named like the ParamSpec.
std::vector<HostTensor> initial_parameters(const Network& net, uint64_t seed);
// FNV-1a over the bytes of the tensors: results carry it so a reader can see that every
// backend started from the same weights.
uint64_t checksum(const std::vector<HostTensor>& tensors);

}  // namespace versus
