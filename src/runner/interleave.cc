#include "runner/interleave.h"

#include <map>

#include <fmt/format.h>

#include "core/op_registry.h"

namespace versus {

std::string comparison_key(const CaseSpec& c) {
  return fmt::format("{}-{}-{}-{}-{}-t{}", c.op, find_op(c.op).shape_label(c.params),
                     c.direction == "backward" ? "bwd" : "fwd", c.device, c.dtype, c.threads);
}

std::vector<std::vector<size_t>> comparison_groups(const std::vector<CaseSpec>& cases) {
  std::vector<std::vector<size_t>> groups;
  std::map<std::string, size_t> group_of_key;
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto [it, added] = group_of_key.emplace(comparison_key(cases[i]), groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(i);
  }
  return groups;
}

std::vector<size_t> round_order(size_t n, int round) {
  std::vector<size_t> order;
  for (size_t i = 0; i < n; ++i) order.push_back((i + static_cast<size_t>(round)) % n);
  return order;
}

}  // namespace versus
