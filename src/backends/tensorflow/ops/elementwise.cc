// Element-wise ops in TensorFlow graph mode, one TF op each, as tf.add / tf.multiply /
// tf.nn.relu / tf.sigmoid / tf.tanh put them in a graph:
//   add AddV2, mul Mul, relu Relu, sigmoid Sigmoid, tanh Tanh.
// Backward: TF's registered C++ gradients seeded with the fed dY (ReluGrad, SigmoidGrad,
// TanhGrad; add and mul through their broadcast-aware gradients, which grappler reduces to the
// element-wise work for equal shapes).
#include "backends/tensorflow/graph_builder.h"
#include "worker/op_table.h"

namespace versus::tf {
namespace {

std::unique_ptr<OpInstance> binary(const char* type, const CaseSpec& c, const std::vector<HostTensor>& in,
                                   const TfContext& ctx) {
  GraphBuilder g(c, ctx);
  const TF_Output a = g.feed(in.at(0)), b = g.feed(in.at(1));
  const TF_Output y = g.op(type, {a, b});
  if (!g.backward()) return g.finish({y});
  return g.finish(g.gradients(y, g.feed(in.at(2)), {a, b}), {y});
}

std::unique_ptr<OpInstance> unary(const char* type, const CaseSpec& c, const std::vector<HostTensor>& in,
                                  const TfContext& ctx) {
  GraphBuilder g(c, ctx);
  const TF_Output x = g.feed(in.at(0));
  const TF_Output y = g.op(type, {x});
  if (!g.backward()) return g.finish({y});
  return g.finish(g.gradients(y, g.feed(in.at(1)), {x}), {y});
}

std::unique_ptr<OpInstance> prepare_add(const CaseSpec& c, const std::vector<HostTensor>& in,
                                        const TfContext& ctx) {
  return binary("AddV2", c, in, ctx);
}
std::unique_ptr<OpInstance> prepare_mul(const CaseSpec& c, const std::vector<HostTensor>& in,
                                        const TfContext& ctx) {
  return binary("Mul", c, in, ctx);
}
std::unique_ptr<OpInstance> prepare_relu(const CaseSpec& c, const std::vector<HostTensor>& in,
                                         const TfContext& ctx) {
  return unary("Relu", c, in, ctx);
}
std::unique_ptr<OpInstance> prepare_sigmoid(const CaseSpec& c, const std::vector<HostTensor>& in,
                                            const TfContext& ctx) {
  return unary("Sigmoid", c, in, ctx);
}
std::unique_ptr<OpInstance> prepare_tanh(const CaseSpec& c, const std::vector<HostTensor>& in,
                                         const TfContext& ctx) {
  return unary("Tanh", c, in, ctx);
}

VERSUS_REGISTER_OP(TfContext, "add", prepare_add);
VERSUS_REGISTER_OP(TfContext, "mul", prepare_mul);
VERSUS_REGISTER_OP(TfContext, "relu", prepare_relu);
VERSUS_REGISTER_OP(TfContext, "sigmoid", prepare_sigmoid);
VERSUS_REGISTER_OP(TfContext, "tanh", prepare_tanh);

}  // namespace
}  // namespace versus::tf
