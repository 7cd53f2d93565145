// batch_norm (training mode) in TensorFlow graph mode: FusedBatchNormV3 with is_training=true,
// what keras BatchNormalization(fused) runs for 4-D inputs, with epsilon = 1e-5 passed
// explicitly (TF and Keras default to 1e-3). In training mode the op computes the batch
// statistics itself, so its mean/variance inputs are empty, as Keras passes them; the running
// averages it also outputs are not modelled by the catalogue and not fetched.
// X stays NCHW where this build's CPU kernel takes it, else is transposed to NHWC and back
// inside the timed graph (layout.h).
// Backward: the C++ gradient, FusedBatchNormGradV3: dX, dGamma, dBeta.
#include "backends/tensorflow/graph_builder.h"
#include "backends/tensorflow/layout.h"
#include "core/ops/batchnorm.h"
#include "worker/op_table.h"

namespace versus::tf {
namespace {

std::unique_ptr<OpInstance> build(const CaseSpec& c, const std::vector<HostTensor>& in, const TfContext& ctx,
                                  Layout layout) {
  const bool nchw = layout == Layout::kNchw;
  GraphBuilder g(c, ctx);
  const TF_Output x = g.feed(in.at(0)), gamma = g.feed(in.at(1)), beta = g.feed(in.at(2));
  const TF_Output input = nchw ? x : g.transpose(x, {0, 2, 3, 1});
  const TF_Output empty = g.const_float({}, {0});
  const TF_Output normalised = g.op("FusedBatchNormV3", {input, gamma, beta, empty, empty}, [&](Desc d) {
    TF_SetAttrFloat(d, "epsilon", static_cast<float>(kBatchNormEps));
    TF_SetAttrBool(d, "is_training", true);
    attr_string(d, "data_format", nchw ? "NCHW" : "NHWC");
  });
  const TF_Output y = nchw ? normalised : g.transpose(normalised, {0, 3, 1, 2});
  if (!g.backward()) return g.finish({y});
  return g.finish(g.gradients(y, g.feed(in.at(3)), {x, gamma, beta}), {y});
}

std::unique_ptr<OpInstance> prepare_batch_norm(const CaseSpec& c, const std::vector<HostTensor>& in,
                                               const TfContext& ctx) {
  const nlohmann::json tiny = {{"n", 2}, {"c", 2}, {"h", 2}, {"w", 2}};
  return build_in_best_layout(c, in, ctx, tiny, build);
}
VERSUS_REGISTER_OP(TfContext, "batch_norm", prepare_batch_norm);

}  // namespace
}  // namespace versus::tf
