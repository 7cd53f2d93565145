// max_pool and avg_pool in TensorFlow graph mode: MaxPool / AvgPool, as tf.nn.max_pool2d /
// keras MaxPooling2D put them in a graph; X stays NCHW where this build's CPU kernels take it,
// else is transposed to NHWC and back inside the timed graph (layout.h).
// Padding: TF pools know only 'VALID' and 'SAME' (keras pooling layers likewise; a keras
// ZeroPadding2D would pad with zeros, which max and average would count). pad = 0 is 'VALID';
// a symmetric pad is run as 'SAME' only where SAME places every window identically (layout.h);
// any other pad is unsupported rather than computed differently.
// Backward: the C++ gradients (MaxPoolGrad, AvgPoolGrad).
#include <fmt/format.h>

#include "backends/tensorflow/graph_builder.h"
#include "backends/tensorflow/layout.h"
#include "core/ops/pool.h"
#include "worker/op_table.h"

namespace versus::tf {
namespace {

template <bool kMax>
std::unique_ptr<OpInstance> build(const CaseSpec& c, const std::vector<HostTensor>& in, const TfContext& ctx,
                                  Layout layout) {
  const PoolParams p = parse_pool_params(c.op, c.params);
  const bool nchw = layout == Layout::kNchw;
  const bool same = p.pad > 0;  // prepare_pool() admitted it only where SAME is exact
  GraphBuilder g(c, ctx);
  const TF_Output x = g.feed(in.at(0));
  const TF_Output input = nchw ? x : g.transpose(x, {0, 2, 3, 1});
  const TF_Output pooled = g.op(kMax ? "MaxPool" : "AvgPool", {input}, [&](Desc d) {
    attr_ints(d, "ksize", spatial(layout, p.window, p.window));
    attr_ints(d, "strides", spatial(layout, p.stride, p.stride));
    attr_string(d, "padding", same ? "SAME" : "VALID");
    attr_string(d, "data_format", nchw ? "NCHW" : "NHWC");
  });
  const TF_Output y = nchw ? pooled : g.transpose(pooled, {0, 3, 1, 2});
  if (!g.backward()) return g.finish({y});
  return g.finish(g.gradients(y, g.feed(in.at(1)), {x}), {y});
}

template <bool kMax>
std::unique_ptr<OpInstance> prepare_pool(const CaseSpec& c, const std::vector<HostTensor>& in,
                                         const TfContext& ctx) {
  const PoolParams p = parse_pool_params(c.op, c.params);
  if (p.pad > 0) {
    if (!same_matches(p.h, p.window, p.stride, p.pad) || !same_matches(p.w, p.window, p.stride, p.pad))
      throw UnsupportedCase(
          fmt::format("tensorflow pooling has only 'VALID' and 'SAME' padding, and for h={} w={} window={} "
                      "stride={} 'SAME' does not place the windows where symmetric pad={} does",
                      p.h, p.w, p.window, p.stride, p.pad));
    ctx.note("padding",
             fmt::format("symmetric pad {} run as 'SAME', which places the windows identically", p.pad));
  }
  const nlohmann::json tiny = {{"n", 1}, {"c", 2}, {"h", 4}, {"w", 4}, {"window", 2}, {"stride", 2}};
  return build_in_best_layout(c, in, ctx, tiny, build<kMax>);
}

std::unique_ptr<OpInstance> prepare_max_pool(const CaseSpec& c, const std::vector<HostTensor>& in,
                                             const TfContext& ctx) {
  return prepare_pool<true>(c, in, ctx);
}
std::unique_ptr<OpInstance> prepare_avg_pool(const CaseSpec& c, const std::vector<HostTensor>& in,
                                             const TfContext& ctx) {
  return prepare_pool<false>(c, in, ctx);
}
VERSUS_REGISTER_OP(TfContext, "max_pool", prepare_max_pool);
VERSUS_REGISTER_OP(TfContext, "avg_pool", prepare_avg_pool);

}  // namespace
}  // namespace versus::tf
