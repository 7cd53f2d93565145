// What TensorFlow offers (worker/support.h), asked of its op registry: TF_GraphGetOpDef for each
// name, TF_GetAllOpList for how many ops are registered. Python-only conveniences (Keras losses,
// tf.nn functions composed of several ops) have no op of their own; the notes say so.
#include <tensorflow/c/c_api.h>

#include <memory>

#include "backends/tensorflow/tf_graph.h"
#include "worker/support.h"

namespace versus::tf {
namespace {

// The number of `op` entries (field 1) at the top level of a serialized OpList protobuf: each
// is a length-delimited record, so counting needs only the wire format's varints.
int64_t count_ops(const TF_Buffer* list) {
  const auto* p = static_cast<const uint8_t*>(list->data);
  const uint8_t* end = p + list->length;
  auto varint = [&]() {
    uint64_t v = 0;
    for (int shift = 0; p < end && shift < 64; shift += 7) {
      const uint8_t b = *p++;
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    return v;
  };
  int64_t ops = 0;
  while (p < end) {
    const uint64_t key = varint();
    if ((key & 7) != 2) return -1;  // not an OpList: every top-level field is length-delimited
    const uint64_t length = varint();
    if (length > uint64_t(end - p)) return -1;
    p += length;
    if ((key >> 3) == 1) ++ops;
  }
  return ops;
}

}  // namespace

nlohmann::json framework_support() {
  const Buffer list(TF_GetAllOpList());
  std::unique_ptr<TF_Graph, decltype(&TF_DeleteGraph)> graph(TF_NewGraph(), &TF_DeleteGraph);
  auto registered = [&](const std::string& name) {
    Status s;
    const Buffer def(TF_NewBuffer());  // a fresh one each time: TF refuses to fill a used buffer
    TF_GraphGetOpDef(graph.get(), name.c_str(), def.get(), s);
    return TF_GetCode(s) == TF_OK;
  };
  const std::vector<Lookup> table = {
      {"matmul", {"MatMul"}},
      {"batched_matmul", {"BatchMatMulV2", "BatchMatMulV3"}},
      {"dot", {}, "no op of its own: MatMul of [1, n] by [n, 1], or Mul then Sum (tf.tensordot composes them)"},
      {"matvec", {}, "no op of its own: MatMul with an [n, 1] matrix (tf.linalg.matvec)"},
      {"add", {"AddV2"}},
      {"mul", {"Mul"}},
      {"relu", {"Relu"}},
      {"sigmoid", {"Sigmoid"}},
      {"tanh", {"Tanh"}},
      {"gelu", {"Gelu"}, "tf.nn.gelu composes Erf, Mul and Add where no Gelu op is registered"},
      {"softmax", {"Softmax"}},
      {"conv2d", {"Conv2D"}},
      {"max_pool", {"MaxPool", "MaxPoolV2"}},
      {"avg_pool", {"AvgPool"}},
      {"batch_norm", {"FusedBatchNormV3"}},
      {"layer_norm", {"LayerNorm", "_MklLayerNorm"}, "keras LayerNormalization composes Mean, Sub, Rsqrt, Mul; oneDNN builds may fuse them into the internal _MklLayerNorm"},
      {"dropout", {}, "no op of its own: tf.nn.dropout composes RandomUniform, GreaterEqual, Mul"},
      {"lstm", {"BlockLSTMV2", "BlockLSTM", "CudnnRNNV3"},
       "no C++ gradient is registered for BlockLSTM, so C API users unroll the cell (versus does)"},
      {"gru", {"GRUBlockCell", "CudnnRNNV3"}},
      {"embedding", {"ResourceGather", "GatherV2"}},
      {"reduce_sum", {"Sum"}},
      {"reduce_mean", {"Mean"}},
      {"transpose", {"Transpose"}},
      {"softmax_cross_entropy", {"SoftmaxCrossEntropyWithLogits", "SparseSoftmaxCrossEntropyWithLogits"}},
      {"sigmoid_cross_entropy", {},
       "no op of its own: tf.nn.sigmoid_cross_entropy_with_logits composes Relu, Mul, Exp, Log1p"},
      {"mse", {"SquaredDifference"}, "SquaredDifference then Mean (keras MeanSquaredError)"},
      {"ctc", {"CTCLoss", "CTCLossV2"}},
      {"sgd", {"ResourceApplyGradientDescent"}},
      {"momentum", {"ResourceApplyMomentum", "ResourceApplyKerasMomentum"}},
      {"nesterov", {"ResourceApplyKerasMomentum"}, "use_nesterov=true"},
      {"adam", {"ResourceApplyAdam"}},
      {"adamw", {"ResourceApplyAdamW"}, "keras AdamW composes the decay with ResourceApplyAdam's update"},
      {"rmsprop", {"ResourceApplyRMSProp", "ResourceApplyCenteredRMSProp"}},
      {"adagrad", {"ResourceApplyAdagradV2", "ResourceApplyAdagrad"}},
      {"adadelta", {"ResourceApplyAdadelta"}},
      {"ftrl", {"ResourceApplyFtrlV2", "ResourceApplyFtrl"}},
      {"lamb", {"ResourceApplyLamb"}, "not in core TensorFlow (TensorFlow Addons had it, in Python)"},
  };
  return support_answer("TF_GraphGetOpDef per name; TF_GetAllOpList", list ? count_ops(list.get()) : -1, table,
                        registered);
}

}  // namespace versus::tf
