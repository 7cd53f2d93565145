// softmax over the last axis in TensorFlow graph mode: the Softmax op (what tf.nn.softmax
// emits for the last axis). Backward: its C++ gradient, dX = (dY - Σ_row dY·Y)·Y.
#include "backends/tensorflow/graph_builder.h"
#include "worker/op_table.h"

namespace versus::tf {
namespace {

std::unique_ptr<OpInstance> prepare_softmax(const CaseSpec& c, const std::vector<HostTensor>& in,
                                            const TfContext& ctx) {
  GraphBuilder g(c, ctx);
  const TF_Output x = g.feed(in.at(0));
  const TF_Output y = g.op("Softmax", {x});
  if (!g.backward()) return g.finish({y});
  return g.finish(g.gradients(y, g.feed(in.at(1)), {x}), {y});
}
VERSUS_REGISTER_OP(TfContext, "softmax", prepare_softmax);

}  // namespace
}  // namespace versus::tf
