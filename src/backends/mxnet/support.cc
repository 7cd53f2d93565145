// What MXNet offers (worker/support.h), asked of its registry: MXListAllOpNames. Gluon's Python
// conveniences (losses composed of several operators) have no operator of their own; the notes
// say so.
#include <set>

#include "backends/mxnet/mx_api.h"
#include "worker/support.h"

namespace versus::mx {

nlohmann::json framework_support() {
  uint32_t count = 0;
  const char** names = nullptr;
  check(MXListAllOpNames(&count, &names), "MXListAllOpNames");
  const std::set<std::string> registry(names, names + count);
  const std::vector<Lookup> table = {
      {"matmul", {"FullyConnected", "dot"}},
      {"batched_matmul", {"batch_dot"}},
      {"dot", {"dot"}},
      {"matvec", {"dot"}},
      {"add", {"elemwise_add", "broadcast_add"}},
      {"mul", {"elemwise_mul", "broadcast_mul"}},
      {"relu", {"relu", "Activation"}},
      {"sigmoid", {"sigmoid", "Activation"}},
      {"tanh", {"tanh", "Activation"}},
      {"gelu", {"LeakyReLU"}, "LeakyReLU with act_type='gelu'"},
      {"softmax", {"softmax"}},
      {"conv2d", {"Convolution"}},
      {"max_pool", {"Pooling"}},
      {"avg_pool", {"Pooling"}},
      {"batch_norm", {"BatchNorm"}},
      {"layer_norm", {"LayerNorm"}},
      {"dropout", {"Dropout"}},
      {"lstm", {"RNN"}, "RNN with mode='lstm'"},
      {"gru", {"RNN"}, "RNN with mode='gru'"},
      {"embedding", {"Embedding"}},
      {"reduce_sum", {"sum"}},
      {"reduce_mean", {"mean"}},
      {"transpose", {"transpose"}},
      {"softmax_cross_entropy", {"softmax_cross_entropy", "SoftmaxOutput"}},
      {"sigmoid_cross_entropy", {"LogisticRegressionOutput"},
       "gluon's SigmoidBinaryCrossEntropyLoss composes relu, log, exp; LogisticRegressionOutput fuses sigmoid "
       "with this loss's gradient"},
      {"mse", {"LinearRegressionOutput"}, "gluon's L2Loss composes square and mean"},
      {"ctc", {"CTCLoss", "_contrib_CTCLoss"}},
      {"sgd", {"sgd_update"}},
      {"momentum", {"sgd_mom_update"}},
      {"nesterov", {"nag_mom_update"}},
      {"adam", {"adam_update"}},
      {"adamw", {"_adamw_update", "_contrib_adamw_update"}},
      {"rmsprop", {"rmsprop_update", "rmspropalex_update"}},
      {"adagrad", {"_sparse_adagrad_update"}, "dense Adagrad is Python arithmetic in mxnet.optimizer"},
      {"adadelta", {}, "mxnet.optimizer.AdaDelta is Python arithmetic over NDArrays, no fused operator"},
      {"ftrl", {"ftrl_update"}},
      {"lamb", {"lamb_update_phase1", "lamb_update_phase2"}},
  };
  return support_answer("MXListAllOpNames", count, table,
                        [&](const std::string& name) { return registry.count(name) > 0; });
}

}  // namespace versus::mx
