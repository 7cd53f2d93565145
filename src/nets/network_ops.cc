#include "nets/network_ops.h"

#include <fmt/format.h>

#include "core/op_registry.h"

namespace versus {
namespace {

int64_t elements(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

class CaseCollector {
 public:
  CaseCollector(const Network& net, int64_t batch) : net_(net), batch_(batch) {}

  void add(const std::string& op, nlohmann::json params, const std::string& why) {
    for (auto& c : cases_)
      if (c["op"] == op && c["params"] == params) {
        c["why"] = c["why"].get<std::string>() + "; " + why;  // the same shape again: one case, every use named
        c["count"] = c["count"].get<int>() + 1;
        return;
      }
    nlohmann::json c = {{"op", op}, {"params", std::move(params)}, {"why", why}, {"count", 1}};
    if (find_op(op).has_backward()) c["directions"] = {"forward", "backward"};
    cases_.push_back(std::move(c));
  }

  void walk(const std::vector<Layer>& layers) {
    for (const Layer& l : layers) {
      layer(l);
      if (l.type != "flatten") reads_network_input_ = false;  // a flatten is a view of its input
    }
  }

  // The optimizer's update of every parameter tensor, after the backward pass.
  void updates(const OptimizerSpec& o) {
    if (o.kind != "sgd" && o.kind != "momentum") {
      skipped_.push_back(fmt::format("the {} updates: no op in the catalogue yet", o.kind));
      return;
    }
    for (const ParamSpec& p : net_.params)
      add("sgd_update", {{"n", elements(p.shape)}, {"momentum", o.kind == "momentum"}},
          fmt::format("{} {} update ({})", net_.name, p.name, o.kind));
  }

  nlohmann::json result() const { return {{"cases", cases_}, {"skipped", skipped_}}; }

 private:
  const Network& net_;
  int64_t batch_;
  nlohmann::json cases_ = nlohmann::json::array(), skipped_ = nlohmann::json::array();
  // Whether the current layer reads the network's input, whose gradient a training step never computes.
  bool reads_network_input_ = true;

  std::string why(const Layer& l) const { return fmt::format("{} {} (batch {})", net_.name, l.name, batch_); }

  void layer(const Layer& l) {
    const Shape& in = l.in_shape;
    if (l.type == "dense") {
      // y = x·Wᵀ with W stored [units, in], as every framework keeps it; on a sequence, every
      // position of every sample is a row.
      nlohmann::json params = {{"m", batch_ * elements(in) / in.back()}, {"n", l.units}, {"k", in.back()}, {"trans_b", true}};
      if (reads_network_input_) params["b_grad_only"] = true;
      add("gemm", std::move(params), why(l));
    } else if (l.type == "conv2d") {
      nlohmann::json params = {{"n", batch_}, {"c", in[0]}, {"h", in[1]}, {"w", in[2]}, {"k", l.units},
                               {"r", l.kernel}, {"s", l.kernel}, {"stride", l.stride}, {"pad", l.padding}};
      if (reads_network_input_) params["weight_grad_only"] = true;
      add("conv2d", std::move(params), why(l));
    } else if (l.type == "max_pool" || l.type == "avg_pool") {
      add(l.type, {{"n", batch_}, {"c", in[0]}, {"h", in[1]}, {"w", in[2]}, {"window", l.kernel}, {"stride", l.stride},
                   {"pad", l.padding}}, why(l));
    } else if (l.type == "relu" || l.type == "sigmoid" || l.type == "tanh") {
      add(l.type, {{"n", batch_ * elements(in)}}, why(l));
    } else if (l.type == "batch_norm" && in.size() == 3) {
      add("batch_norm", {{"n", batch_}, {"c", in[0]}, {"h", in[1]}, {"w", in[2]}}, why(l));
    } else if (l.type == "embedding") {
      add("embedding", {{"vocab", l.vocab}, {"dim", l.units}, {"batch", batch_}, {"seq", in[0]}}, why(l));
    } else if (l.type == "lstm" && in.size() == 2) {
      // The network's [T, features] per example is the op's time-major [seq, batch, input].
      add("lstm", {{"seq", in[0]}, {"batch", batch_}, {"input", in[1]}, {"hidden", l.units}}, why(l));
    } else if (l.type == "gelu") {
      nlohmann::json params = {{"n", batch_ * elements(in)}};
      if (l.approximate_tanh) params["approximate"] = "tanh";
      add("gelu", std::move(params), why(l));
    } else if (l.type == "layer_norm") {
      add("layer_norm", {{"rows", batch_ * elements(in) / in.back()}, {"cols", in.back()}}, why(l));
    } else if (l.type == "positional_embedding") {
      add("add", {{"n", batch_ * elements(in)}}, why(l) + ": the positions added");
    } else if (l.type == "multi_head_attention") {
      const int64_t width = in[1];
      for (const char* p : {"query", "key", "value", "output"})
        add("gemm", {{"m", batch_ * in[0]}, {"n", width}, {"k", width}, {"trans_b", true}}, why(l) + " " + p + " projection");
      add("attention", {{"batch", batch_}, {"heads", l.units}, {"seq", in[0]}, {"head_dim", width / l.units}, {"mask", "padding"}},
          why(l));
    } else if (l.type == "mean_pool") {
      // The mean over time of each feature: a row reduction of the transposed [features, time].
      add("reduce_mean", {{"rows", batch_ * in[1]}, {"cols", in[0]}}, why(l) + " (over time)");
    } else if (l.type == "residual") {
      walk(l.body);
      walk(l.shortcut);
      add("add", {{"n", batch_ * elements(l.out_shape)}}, why(l) + " sum");
    } else {
      skipped_.push_back(fmt::format("{} ({}): {}", l.name, l.type,
                                     l.type == "flatten" ? "a view, no work" : "no op in the catalogue yet"));
    }
  }
};

}  // namespace

nlohmann::json network_op_cases(const Network& net, int64_t batch, const OptimizerSpec* optimizer) {
  CaseCollector collector(net, batch);
  collector.walk(net.layers);
  const std::string why = fmt::format("{} loss (batch {})", net.name, batch);
  if (net.loss == "softmax_cross_entropy") {
    collector.add("softmax_cross_entropy", {{"batch", batch}, {"classes", net.classes}}, why);
  } else {  // sigmoid_cross_entropy on logits = sigmoid, then binary cross-entropy
    collector.add("sigmoid", {{"n", batch}}, why + ": sigmoid");
    collector.add("binary_cross_entropy", {{"n", batch}}, why);
  }
  if (optimizer) collector.updates(*optimizer);
  return collector.result();
}

}  // namespace versus
