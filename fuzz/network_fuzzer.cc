// Feeds parse_network (nets/network.h), which every network file and every worker's copy of the
// network goes through, the input parsed as JSON; then parameter_count on what it accepted.
// Bad input must be a UserError, or a nlohmann::json::exception (a setting of the wrong type),
// which load_network turns into a UserError naming the file.
#include <cstdint>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "core/errors.h"
#include "fuzz_util.h"
#include "nets/network.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace versus;
  const nlohmann::json doc = nlohmann::json::parse(data, data + size, nullptr, false);
  if (doc.is_discarded()) return 0;
  try {
    const Network net = parse_network(doc);
    if (net.layers.empty() || net.parameter_count() < 0) std::abort();
    for (const ParamSpec& p : net.params)
      for (int64_t d : p.shape)
        if (d < 1) std::abort();
  } catch (const UserError& e) {
    fuzz::rejected(e);
  } catch (const nlohmann::json::exception& e) {
    fuzz::rejected(e);
  }
  return 0;
}
