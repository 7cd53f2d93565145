// What libtorch offers (worker/support.h), asked of the dispatcher: every registered operator's
// name (c10::Dispatcher::getAllOpNames). The optimizers are C++ classes of torch::optim, not
// registered operators; they are listed as API classes (compiled into this worker, so present).
#include <ATen/core/dispatch/Dispatcher.h>

#include <set>

#include "worker/support.h"

namespace versus::th {

nlohmann::json framework_support() {
  std::set<std::string> registry;
  for (const c10::OperatorName& op : c10::Dispatcher::singleton().getAllOpNames()) registry.insert(op.name);
  const auto registered = [&](const std::string& name) { return registry.count(name) > 0; };
  const std::string no_class = "no torch::optim class in the C++ frontend";
  const std::vector<Lookup> table = {
      {"matmul", {"aten::mm", "aten::addmm", "aten::linear"}},
      {"batched_matmul", {"aten::bmm"}},
      {"dot", {"aten::dot"}},
      {"matvec", {"aten::mv"}},
      {"add", {"aten::add"}},
      {"mul", {"aten::mul"}},
      {"relu", {"aten::relu"}},
      {"sigmoid", {"aten::sigmoid"}},
      {"tanh", {"aten::tanh"}},
      {"gelu", {"aten::gelu"}},
      {"softmax", {"aten::_softmax"}},
      {"conv2d", {"aten::conv2d", "aten::mkldnn_convolution"}},
      {"max_pool", {"aten::max_pool2d_with_indices"}},
      {"avg_pool", {"aten::avg_pool2d"}},
      {"batch_norm", {"aten::native_batch_norm"}},
      {"layer_norm", {"aten::native_layer_norm"}},
      {"dropout", {"aten::native_dropout", "aten::dropout"}},
      {"lstm", {"aten::lstm"}},
      {"gru", {"aten::gru"}},
      {"embedding", {"aten::embedding"}},
      {"reduce_sum", {"aten::sum"}},
      {"reduce_mean", {"aten::mean"}},
      {"transpose", {"aten::transpose", "aten::permute"}, "a view; the copy happens in .contiguous()"},
      {"softmax_cross_entropy", {"aten::cross_entropy_loss"}},
      {"sigmoid_cross_entropy", {"aten::binary_cross_entropy_with_logits"}},
      {"mse", {"aten::mse_loss"}},
      {"ctc", {"aten::ctc_loss"}},
      {"sgd", {"torch::optim::SGD"}, "", true},
      {"momentum", {"torch::optim::SGD"}, "SGDOptions::momentum", true},
      {"nesterov", {"torch::optim::SGD"}, "SGDOptions::nesterov", true},
      {"adam", {"torch::optim::Adam"}, "", true},
      {"adamw", {"torch::optim::AdamW"}, "", true},
      {"rmsprop", {"torch::optim::RMSprop"}, "", true},
      {"adagrad", {"torch::optim::Adagrad"}, "", true},
      {"adadelta", {}, no_class},
      {"ftrl", {}, no_class},
      {"lamb", {}, no_class},
  };
  return support_answer("c10::Dispatcher::getAllOpNames; torch::optim classes", static_cast<int64_t>(registry.size()),
                        table, registered);
}

}  // namespace versus::th
