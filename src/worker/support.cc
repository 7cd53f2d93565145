#include "worker/support.h"

#include <stdexcept>

namespace versus {

const std::vector<Capability>& capabilities() {
  static const std::vector<Capability> rows = {
      {"matmul", "op", "matrix product (GEMM, dense layer)"},
      {"batched_matmul", "op", "batched matrix product"},
      {"dot", "op", "vector dot product"},
      {"matvec", "op", "matrix-vector product"},
      {"add", "op", "element-wise add"},
      {"mul", "op", "element-wise multiply"},
      {"relu", "op", "ReLU"},
      {"sigmoid", "op", "sigmoid"},
      {"tanh", "op", "tanh"},
      {"gelu", "op", "GELU"},
      {"softmax", "op", "softmax"},
      {"conv2d", "op", "2-D convolution"},
      {"max_pool", "op", "2-D max pooling"},
      {"avg_pool", "op", "2-D average pooling"},
      {"batch_norm", "op", "batch normalisation"},
      {"layer_norm", "op", "layer normalisation"},
      {"dropout", "op", "dropout"},
      {"lstm", "op", "fused LSTM layer"},
      {"gru", "op", "fused GRU layer"},
      {"embedding", "op", "embedding lookup"},
      {"reduce_sum", "op", "sum reduction"},
      {"reduce_mean", "op", "mean reduction"},
      {"transpose", "op", "transpose / permute copy"},
      {"softmax_cross_entropy", "loss", "softmax cross-entropy"},
      {"sigmoid_cross_entropy", "loss", "sigmoid (binary) cross-entropy"},
      {"mse", "loss", "mean squared error"},
      {"ctc", "loss", "CTC loss"},
      {"sgd", "optimizer", "plain SGD"},
      {"momentum", "optimizer", "SGD with momentum"},
      {"nesterov", "optimizer", "Nesterov momentum"},
      {"adam", "optimizer", "Adam"},
      {"adamw", "optimizer", "AdamW (decoupled weight decay)"},
      {"rmsprop", "optimizer", "RMSProp"},
      {"adagrad", "optimizer", "Adagrad"},
      {"adadelta", "optimizer", "Adadelta"},
      {"ftrl", "optimizer", "FTRL"},
      {"lamb", "optimizer", "LAMB"},
  };
  return rows;
}

nlohmann::json support_answer(const std::string& source, int64_t registered_ops, const std::vector<Lookup>& table,
                              const std::function<bool(const std::string&)>& is_registered) {
  for (const Lookup& l : table) {
    bool known = false;
    for (const Capability& c : capabilities()) known = known || l.id == c.id;
    if (!known) throw std::logic_error("support table names unknown capability '" + l.id + "'");
  }
  nlohmann::json entries = nlohmann::json::array();
  for (const Capability& c : capabilities()) {
    nlohmann::json e = {{"id", c.id}, {"kind", c.kind}, {"what", c.what}, {"found", nlohmann::json::array()}};
    for (const Lookup& l : table) {
      if (l.id != c.id) continue;
      for (const std::string& name : l.names)
        if (l.api_class || is_registered(name)) e["found"].push_back(name);
      e["looked_for"] = l.names;
      if (!l.note.empty()) e["note"] = l.note;
      if (l.api_class) e["api_class"] = true;
    }
    entries.push_back(std::move(e));
  }
  return {{"source", source}, {"registered_ops", registered_ops}, {"entries", entries}};
}

}  // namespace versus
