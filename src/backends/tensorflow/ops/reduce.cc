// Row reductions in TensorFlow graph mode: Sum / Mean of X [rows, cols] over axis 1 (a Const,
// as tf.reduce_sum(x, axis=1) puts it in the graph). Backward: their C++ gradients, which
// broadcast dY [rows] back along the rows (divided by cols for the mean).
#include "backends/tensorflow/graph_builder.h"
#include "worker/op_table.h"

namespace versus::tf {
namespace {

std::unique_ptr<OpInstance> reduce(const char* type, const CaseSpec& c, const std::vector<HostTensor>& in,
                                   const TfContext& ctx) {
  GraphBuilder g(c, ctx);
  const TF_Output x = g.feed(in.at(0));
  const TF_Output y = g.op(type, {x, g.const_int32({1})});
  if (!g.backward()) return g.finish({y});
  return g.finish(g.gradients(y, g.feed(in.at(1)), {x}), {y});
}

std::unique_ptr<OpInstance> prepare_reduce_sum(const CaseSpec& c, const std::vector<HostTensor>& in,
                                               const TfContext& ctx) {
  return reduce("Sum", c, in, ctx);
}
std::unique_ptr<OpInstance> prepare_reduce_mean(const CaseSpec& c, const std::vector<HostTensor>& in,
                                                const TfContext& ctx) {
  return reduce("Mean", c, in, ctx);
}

VERSUS_REGISTER_OP(TfContext, "reduce_sum", prepare_reduce_sum);
VERSUS_REGISTER_OP(TfContext, "reduce_mean", prepare_reduce_mean);

}  // namespace
}  // namespace versus::tf
