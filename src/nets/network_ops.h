// The fundamental ops a network's training step runs, at its shapes: how a network brings its
// op cases with it into the op catalogue (`versus run ops --network lenet`), so the op
// benchmarks can be set against the network's own step time.
#pragma once
#include <cstdint>

#include <nlohmann/json.hpp>

#include "nets/network.h"

namespace versus {

// Suite "cases" entries ({"op", "params", "directions", "why", "count"}), one per distinct op
// shape, in layer order, at `batch` samples; "count" is how many times one training step runs it.
// With `optimizer` (sgd or momentum), the step's parameter updates follow: one sgd_update per
// parameter tensor. Layers with no op in the catalogue (flatten: a view) and updates the catalogue
// has no op for (adam) are listed in "skipped" of the returned object: {"cases": [...], "skipped": [...]}.
nlohmann::json network_op_cases(const Network& net, int64_t batch, const OptimizerSpec* optimizer = nullptr);

}  // namespace versus
