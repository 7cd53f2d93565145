// embedding in TensorFlow graph mode: GatherV2(table, indices, axis 0), what tf.gather and
// keras Embedding emit. The harness passes indices as exact integers in float32; they are
// converted to an int32 tensor once, at prepare (a TF model's indices are integers already),
// and fed as an int32 Placeholder on every run.
// Backward: the C++ gradient of GatherV2 w.r.t. the table, a dense dTable [vocab, dim] (Python
// TF returns IndexedSlices there; the catalogue's dTable is dense).
#include "backends/tensorflow/graph_builder.h"
#include "worker/op_table.h"

namespace versus::tf {
namespace {

std::unique_ptr<OpInstance> prepare_embedding(const CaseSpec& c, const std::vector<HostTensor>& in,
                                              const TfContext& ctx) {
  GraphBuilder g(c, ctx);
  const TF_Output table = g.feed(in.at(0)), indices = g.feed_int32(in.at(1));
  const TF_Output y = g.op("GatherV2", {table, indices, g.scalar_int32(0)});
  if (!g.backward()) return g.finish({y});
  return g.finish(g.gradients(y, g.feed(in.at(2)), {table}), {y});
}
VERSUS_REGISTER_OP(TfContext, "embedding", prepare_embedding);

}  // namespace
}  // namespace versus::tf
