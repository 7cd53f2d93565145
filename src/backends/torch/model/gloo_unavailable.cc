// join_gloo_group for a build without the Gloo headers c10d's ProcessGroupGloo needs (see
// ../CMakeLists.txt): distributed torch runs are unsupported, in the configure step's words.
#include "backends/torch/model/gloo_exchange.h"

#include "core/errors.h"

namespace versus::th {

std::string gloo_status() { return std::string("unavailable: ") + VERSUS_TORCH_NO_GLOO_REASON; }

std::unique_ptr<GradientExchange> join_gloo_group(const DistributedSpec&) {
  throw UnsupportedCase(VERSUS_TORCH_NO_GLOO_REASON);
}

}  // namespace versus::th
