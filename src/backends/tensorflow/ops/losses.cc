// Losses in TensorFlow graph mode, built as a Keras user's graph computes them. Each is a
// scalar mean; backward seeds TF_AddGradients with ones (the upstream gradient of a loss is 1,
// as when training differentiates it) and returns the gradient of the prediction only.
//   softmax_cross_entropy  SoftmaxCrossEntropyWithLogits(logits, labels) then Mean over the
//                          batch. The labels are already one-hot, so the dense op applies; the
//                          Sparse variant would also have no C++ gradient.
//   binary_cross_entropy   -Mean(T·Log(P) + (1-T)·Log(1-P)) on probabilities, as Keras'
//                          binary_crossentropy(from_logits=False) composes it, minus Keras'
//                          clipping of P to [1e-7, 1-1e-7], which never binds for the
//                          catalogue's P in (0.05, 0.95) and would only add two element-wise ops.
//   mse                    Mean(Square(X - Yt)), as keras.losses.mean_squared_error.
#include "backends/tensorflow/graph_builder.h"
#include "worker/op_table.h"

namespace versus::tf {
namespace {

// The mean of every element of a 1-D tensor: a scalar, as Keras' reduction gives.
TF_Output mean_all(GraphBuilder& g, TF_Output v) { return g.op("Mean", {v, g.const_int32({0})}); }

std::unique_ptr<OpInstance> finish_loss(GraphBuilder& g, TF_Output loss, TF_Output prediction) {
  if (!g.backward()) return g.finish({loss});
  return g.finish(g.gradients(loss, nullptr, {prediction}), {loss});
}

std::unique_ptr<OpInstance> prepare_softmax_cross_entropy(const CaseSpec& c,
                                                          const std::vector<HostTensor>& in,
                                                          const TfContext& ctx) {
  GraphBuilder g(c, ctx);
  const TF_Output logits = g.feed(in.at(0)), labels = g.feed(in.at(1));
  // Output 0 is the per-row loss [batch]; output 1 (the backprop) feeds only the gradient.
  const TF_Output per_row = g.op("SoftmaxCrossEntropyWithLogits", {logits, labels});
  return finish_loss(g, mean_all(g, per_row), logits);
}

std::unique_ptr<OpInstance> prepare_binary_cross_entropy(const CaseSpec& c, const std::vector<HostTensor>& in,
                                                         const TfContext& ctx) {
  GraphBuilder g(c, ctx);
  const TF_Output p = g.feed(in.at(0)), t = g.feed(in.at(1));
  const TF_Output one = g.scalar(1.0f);
  const TF_Output positive = g.op("Mul", {t, g.op("Log", {p})});
  const TF_Output negative = g.op("Mul", {g.op("Sub", {one, t}), g.op("Log", {g.op("Sub", {one, p})})});
  const TF_Output loss = g.op("Neg", {mean_all(g, g.op("AddV2", {positive, negative}))});
  return finish_loss(g, loss, p);
}

std::unique_ptr<OpInstance> prepare_mse(const CaseSpec& c, const std::vector<HostTensor>& in,
                                        const TfContext& ctx) {
  GraphBuilder g(c, ctx);
  const TF_Output x = g.feed(in.at(0)), target = g.feed(in.at(1));
  const TF_Output loss = mean_all(g, g.op("Square", {g.op("Sub", {x, target})}));
  return finish_loss(g, loss, x);
}

VERSUS_REGISTER_OP(TfContext, "softmax_cross_entropy", prepare_softmax_cross_entropy);
VERSUS_REGISTER_OP(TfContext, "binary_cross_entropy", prepare_binary_cross_entropy);
VERSUS_REGISTER_OP(TfContext, "mse", prepare_mse);

}  // namespace
}  // namespace versus::tf
