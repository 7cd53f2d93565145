#include "report/lines_of_code.h"

#include <set>
#include <string>

#include <fmt/format.h>

namespace versus {
namespace {

// A layer type's region name in the workers' sources.
std::string region_of(const std::string& type) {
  if (type == "max_pool" || type == "avg_pool") return "layer pool";
  if (type == "relu" || type == "sigmoid" || type == "tanh") return "layer activation";
  return "layer " + type;
}

void collect_regions(const nlohmann::json& layers, std::set<std::string>& out) {
  if (!layers.is_array()) return;
  for (const auto& l : layers) {
    out.insert(region_of(l.value("type", "?")));
    collect_regions(l.value("body", nlohmann::json::array()), out);
    collect_regions(l.value("shortcut", nlohmann::json::array()), out);
  }
}

}  // namespace

std::optional<Section> lines_of_code_section(const nlohmann::json& network, const nlohmann::json& frameworks) {
  std::set<std::string> regions;
  collect_regions(network.value("layers", nlohmann::json::array()), regions);
  Table t{{"framework"}, {false}, {}};
  for (const auto& r : regions) t.header.push_back(r.substr(6)), t.numeric.push_back(true);  // "layer conv2d" -> "conv2d"
  for (const char* h : {"loss", "model (layers + loss)", "training step", "total"}) t.header.push_back(h), t.numeric.push_back(true);
  for (const auto& [name, fw] : frameworks.items()) {
    if (!fw.is_object() || !fw.contains("lines_of_code") || fw["lines_of_code"].empty()) continue;
    const nlohmann::json& loc = fw["lines_of_code"];
    std::vector<Cell> row{{name}};
    int model = 0;
    bool missing = false;
    for (const auto& r : regions) {
      const bool has = loc.contains(r);
      missing = missing || !has;
      model += loc.value(r, 0);
      row.push_back({has ? std::to_string(loc.value(r, 0)) : "not marked", has ? Tone::plain : Tone::warn});
    }
    const int loss = loc.value("loss", 0), step = loc.value("train_step", 0);
    model += loss;
    row.push_back({std::to_string(loss)});
    row.push_back({std::to_string(model) + (missing ? " +?" : "")});
    row.push_back({std::to_string(step)});
    row.push_back({std::to_string(model + step) + (missing ? " +?" : "")});
    t.rows.push_back(std::move(row));
  }
  if (t.rows.empty()) return std::nullopt;
  Section s{"lines-of-code", "Lines of code", 2, {}};
  s.blocks.push_back(Paragraph{fmt::format(
      "How much of each framework's own API it takes to express this network ({}): the code lines (blank and "
      "comment-only lines excluded) of the worker regions that translate each layer type the network uses, its loss, "
      "and one training step (forward, loss, backward, update; for TensorFlow also the graph wiring of gradients and "
      "updates), counted by the build between `// loc:` markers. A layer type counts once however often the network "
      "uses it. The workers translate any network from its neutral description, so this is the code a C++ user writes "
      "per layer kind, with versus's checks included; the optimizers' updates are left out (library calls in torch, "
      "one update operator per parameter in TensorFlow and MXNet).",
      network.value("name", "?"))});
  s.blocks.push_back(t);
  return s;
}

}  // namespace versus
