#include "report/lines_of_code.h"

#include <set>
#include <string>

#include <fmt/format.h>

#include "core/json_number.h"

namespace versus {
namespace {

// A layer type's region name in the workers' sources.
std::string region_of(const std::string& type) {
  if (type == "max_pool" || type == "avg_pool") return "layer pool";
  if (type == "relu" || type == "sigmoid" || type == "tanh" || type == "gelu") return "layer activation";
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

namespace {

// The frontend each tier of a framework is written in, for labels.
std::string tier_label(const std::string& framework, const std::string& tier) {
  if (tier == "cpp") return framework + " (C++)";
  if (framework == "tensorflow") return "tensorflow (Python: Keras)";
  if (framework == "mxnet") return "mxnet (Python: Gluon)";
  if (framework == "torch") return "torch (Python: PyTorch)";
  return framework + " (Python)";
}

}  // namespace

std::optional<Section> lines_of_code_section(const nlohmann::json& network, const nlohmann::json& frameworks,
                                             const nlohmann::json& code) {
  std::set<std::string> regions;
  collect_regions(network.value("layers", nlohmann::json::array()), regions);
  Table t{{"framework"}, {false}, {}};
  for (const auto& r : regions) t.header.push_back(r.substr(6)), t.numeric.push_back(true);  // "layer conv2d" -> "conv2d"
  for (const char* h : {"loss", "model (layers + loss)", "training step", "total"}) t.header.push_back(h), t.numeric.push_back(true);
  auto add_row = [&](const std::string& label, const nlohmann::json& loc) {
    std::vector<Cell> row{{label}};
    int model = 0;
    bool missing = false;
    for (const auto& r : regions) {
      const bool has = loc.contains(r);
      missing = missing || !has;
      model += loc.value(r, 0);
      row.push_back({has ? std::to_string(loc.value(r, 0)) : "not marked", has ? Tone::plain : Tone::warn});
    }
    const int loss = whole_or(loc, "loss", 0), step = whole_or(loc, "train_step", 0);
    model += loss;
    row.push_back({std::to_string(loss)});
    row.push_back({std::to_string(model) + (missing ? " +?" : "")});
    row.push_back({std::to_string(step)});
    row.push_back({std::to_string(model + step) + (missing ? " +?" : "")});
    t.rows.push_back(std::move(row));
  };
  for (const auto& [name, fw] : frameworks.items()) {
    if (!fw.is_object()) continue;
    if (fw.contains("lines_of_code") && !fw["lines_of_code"].empty()) add_row(tier_label(name, "cpp"), fw["lines_of_code"]);
    if (fw.contains("frontend_code") && fw["frontend_code"].contains("lines_of_code"))
      add_row(tier_label(name, "python"), fw["frontend_code"]["lines_of_code"]);
  }
  if (t.rows.empty()) return std::nullopt;
  Section s{"lines-of-code", "Lines of code", 2, {}};
  s.blocks.push_back(Paragraph{fmt::format(
      "How much of each framework's own API it takes to express this network ({}), in C++ (versus's workers) and in "
      "Python (the frontends users write: Keras, Gluon, PyTorch): the code lines (blank and comment-only lines "
      "excluded) of the regions that translate each layer type the network uses, its loss, and one training step "
      "(forward, loss, backward, update; for TensorFlow's C API also the graph wiring of gradients and updates; for "
      "Keras the `compile` and `fit` calls), counted by the build between `loc:` markers. A layer type counts once "
      "however often the network uses it. Both tiers translate any network from its neutral description, so this is "
      "the code a user writes per layer kind, with versus's checks included; the optimizers' updates are left out "
      "(library calls in torch and the Python frontends, one update operator per parameter in TensorFlow's and "
      "MXNet's C APIs).",
      network.value("name", "?"))});
  s.blocks.push_back(t);
  // The code itself, region by region, every framework and tier side by side.
  if (code.is_object() && !code.empty()) {
    s.blocks.push_back(Paragraph{"The code itself: each region of the table above as every framework writes it, "
                                 "C++ and Python side by side (the marked regions, as counted)."});
    std::vector<std::string> shown(regions.begin(), regions.end());
    shown.insert(shown.end(), {"loss", "train_step"});
    for (const auto& region : shown) {
      CodeColumns columns{region == "train_step" ? "training step" : region, {}};
      for (const auto& [name, tiers] : code.items())
        for (const char* tier : {"cpp", "python"})
          if (tiers.contains(tier) && tiers[tier].contains(region))
            columns.columns.push_back({tier_label(name, tier), tiers[tier][region].get<std::string>()});
      if (!columns.columns.empty()) s.blocks.push_back(std::move(columns));
    }
  }
  return s;
}

}  // namespace versus
