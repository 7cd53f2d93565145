// Each backend's table from op name to the function that prepares it. Every file under
// src/backends/<framework>/ops/ registers its ops here, so adding an op to a backend is adding
// one file: nothing central to edit, and the backend lists what it implements.
#pragma once
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/errors.h"
#include "worker/backend.h"

namespace versus {

// `Context` is the backend's own shared state handed to every op (e.g. TF's session config).
template <typename Context>
class OpTable {
 public:
  using Prepare = std::unique_ptr<OpInstance> (*)(const CaseSpec&, const std::vector<HostTensor>&,
                                                  const Context&);

  static OpTable& get() {
    static OpTable table;
    return table;
  }

  // `variants`: the backend's variants that implement the op; empty: every one.
  bool add(const std::string& op, Prepare prepare, std::vector<std::string> variants = {}) {
    table_[op] = prepare;
    variants_[op] = std::move(variants);
    return true;
  }

  std::unique_ptr<OpInstance> prepare(const std::string& backend, const CaseSpec& c,
                                      const std::vector<HostTensor>& in, const Context& ctx) const {
    const auto it = table_.find(c.op);
    if (it == table_.end()) throw UnsupportedCase(backend + " has no implementation of op '" + c.op + "'");
    return it->second(c, in, ctx);
  }

  std::vector<std::string> ops() const {
    std::vector<std::string> names;
    for (const auto& [name, fn] : table_) names.push_back(name);
    return names;
  }

  // The ops each of `all_variants` implements, for --info's "variant_ops": a suite that asks for
  // every variant plans only these (runner/plan.cc). Per op, not per direction: a variant may still
  // lack an op's backward pass (native:onednn's reductions) and says so when asked.
  std::map<std::string, std::vector<std::string>> ops_by_variant(const std::vector<std::string>& all_variants) const {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& v : all_variants) {
      out[v];
      for (const auto& [name, only] : variants_)
        if (only.empty() || std::find(only.begin(), only.end(), v) != only.end()) out[v].push_back(name);
    }
    return out;
  }

 private:
  std::map<std::string, Prepare> table_;
  std::map<std::string, std::vector<std::string>> variants_;
};

}  // namespace versus

// Registers `fn` for op `name` in the table of backend context `Context`, at static init; after
// `fn`, optionally the only variants that implement it.
#define VERSUS_REGISTER_OP(Context, name, fn, ...) \
  [[maybe_unused]] static const bool versus_registered_##fn = ::versus::OpTable<Context>::get().add(name, fn, {__VA_ARGS__})
