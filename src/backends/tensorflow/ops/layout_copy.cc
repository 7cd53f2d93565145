// transpose and nchw_to_nhwc in TensorFlow graph mode: one Transpose node with a Const
// permutation, what tf.transpose / tf.keras's layout conversions put in a graph ({1, 0} and
// {0, 2, 3, 1}). TF's Transpose always materialises its output (it has no strided views), so
// every run() copies.
// Backward: the registered C++ gradient of Transpose, Transpose(dY, InvertPermutation(perm)),
// seeded with the fed dY; the forward Transpose is kept as a target so it runs every time.
#include "backends/tensorflow/graph_builder.h"
#include "core/ops/layout_copy.h"
#include "worker/op_table.h"

namespace versus::tf {
namespace {

std::unique_ptr<OpInstance> prepare_layout_copy(const CaseSpec& c, const std::vector<HostTensor>& in,
                                                const TfContext& ctx) {
  const LayoutCopyParams p = parse_layout_copy_params(c.op, c.params);
  GraphBuilder g(c, ctx);
  const TF_Output x = g.feed(in.at(0));
  const TF_Output y = g.transpose(x, std::vector<int32_t>(p.perm.begin(), p.perm.end()));
  if (!g.backward()) return g.finish({y});
  return g.finish(g.gradients(y, g.feed(in.at(1)), {x}), {y});
}
VERSUS_REGISTER_OP(TfContext, "transpose", prepare_layout_copy);

// VERSUS_REGISTER_OP names its flag after the function, so the second op needs its own name.
std::unique_ptr<OpInstance> prepare_nchw_to_nhwc(const CaseSpec& c, const std::vector<HostTensor>& in,
                                                 const TfContext& ctx) {
  return prepare_layout_copy(c, in, ctx);
}
VERSUS_REGISTER_OP(TfContext, "nchw_to_nhwc", prepare_nchw_to_nhwc);

}  // namespace
}  // namespace versus::tf
