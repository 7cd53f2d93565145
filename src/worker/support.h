// What each framework offers, found by asking the framework itself (its op registry), not by
// what versus happens to use: the support matrix of the report. A framework's answer is a table
// from capability to the names it would have it under, each looked up in its registry:
//   tensorflow  TF_GraphGetOpDef per name, TF_GetAllOpList for the count
//   mxnet       MXListAllOpNames
//   torch       the dispatcher's operator names (c10::Dispatcher::getAllOpNames); optimizers are
//               C++ classes (torch::optim), not registered ops, and are marked as such
// A capability with no op of its own (e.g. a loss a framework composes in Python) carries a note
// saying how the framework provides it, or that it does not.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace versus {

struct Capability {
  const char* id;
  const char* kind;  // "op", "loss" or "optimizer"
  const char* what;
};

// The rows of the support matrix, in the order the report shows them.
const std::vector<Capability>& capabilities();

// Where a framework would have one capability.
struct Lookup {
  std::string id;                  // a Capability id
  std::vector<std::string> names;  // registry names, looked up one by one
  std::string note = {};           // how it is provided when no name is found, or a caveat
  bool api_class = false;          // provided by a C++ API class named in `names`, not a registry op
};

// {"source": ..., "registered_ops": N, "entries": [{"id", "kind", "what", "found": [...],
// "looked_for": [...], "note"?, "api_class"?}, ...]}, one entry per capability in capabilities()
// order; a capability the table does not mention has nothing found and no "looked_for".
// Throws std::logic_error for a Lookup whose id is not a capability, so that a typo cannot
// hide a row.
nlohmann::json support_answer(const std::string& source, int64_t registered_ops, const std::vector<Lookup>& table,
                              const std::function<bool(const std::string&)>& is_registered);

}  // namespace versus
