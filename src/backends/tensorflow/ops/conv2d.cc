// conv2d in TensorFlow graph mode: Conv2D, as tf.nn.conv2d / keras Conv2D put it in a graph.
//
// Layouts. TF's Conv2D filter is HWIO in every data format.
//   nchw  X is NCHW and W is OIHW: W is converted to HWIO once, before timing, as a TF model stores
//         its weights (and as torch and MXNet convert theirs at prepare); dW comes out HWIO and is
//         converted back when the result is read, outside the timed run. X and Y stay NCHW where
//         this build's CPU kernels take it, else are transposed to NHWC and back (layout.h):
//         those bridge Transposes are in the timed graph, and the result's graph notes say so.
//   nhwc  X is NHWC and W is HWIO, TF's (and Keras's) own layouts: Conv2D with data_format
//         NHWC takes them as fed, and the graph has no Transpose at all.
// Padding, symmetric `pad`: 0 is 'VALID'; 'SAME' where it places the windows identically
// (layout.h); otherwise an explicit Pad then 'VALID', what keras ZeroPadding2D + Conv2D does.
// Conv2D's own 'EXPLICIT' padding is avoided because TF's C++ gradient of Conv2D does not pass
// explicit_paddings on to the backprop ops.
// Backward: the C++ gradient (Conv2DBackpropInput, Conv2DBackpropFilter, and those of any
// Transposes and Pad), dX and dW coming out in the layouts of X and W (dW alone for
// weight_grad_only).
#include <fmt/format.h>

#include "backends/tensorflow/graph_builder.h"
#include "backends/tensorflow/layout.h"
#include "core/ops/conv2d.h"
#include "nets/layout.h"
#include "worker/op_table.h"

namespace versus::tf {
namespace {

// An NCHW case's dW comes out HWIO (the layout the filter was fed in); the case's reference is
// OIHW. Converted when the result is read, never inside run().
class FilterGradToOihw final : public OpInstance {
 public:
  FilterGradToOihw(std::unique_ptr<OpInstance> inner, size_t index, const HostTensor& filter)
      : inner_(std::move(inner)), index_(index), filter_(filter) {}
  void run() override { inner_->run(); }
  std::vector<std::vector<float>> outputs() override {
    std::vector<std::vector<float>> out = inner_->outputs();
    HostTensor hwio = filter_;
    hwio.shape = {filter_.shape[2], filter_.shape[3], filter_.shape[1], filter_.shape[0]};
    hwio.data = out.at(index_);
    out[index_] = layout::hwio_to_oihw(hwio).data;
    return out;
  }

 private:
  std::unique_ptr<OpInstance> inner_;
  size_t index_;
  HostTensor filter_;  // the OIHW filter, for its shape
};

// `layout` is the graph's; the case's own is p.layout. They differ only for an nchw case on
// kernels that reject NCHW, bridged by Transposes.
std::unique_ptr<OpInstance> build(const CaseSpec& c, const std::vector<HostTensor>& in, const TfContext& ctx,
                                  Layout layout) {
  const Conv2dParams p = parse_conv2d_params(c.params);
  const bool nchw = layout == Layout::kNchw;
  const bool bridge = !p.nhwc() && !nchw;  // an NCHW case in an NHWC graph
  GraphBuilder g(c, ctx);
  const TF_Output x = g.feed(in.at(0));
  const TF_Output w = g.feed(p.nhwc() ? in.at(1) : layout::oihw_to_hwio(in.at(1)));  // HWIO either way
  TF_Output input = bridge ? g.transpose(x, {0, 2, 3, 1}) : x;
  const TF_Output filter = w;
  std::string padding = "VALID";
  if (p.pad > 0 && same_matches(p.h, p.r, p.stride, p.pad) && same_matches(p.w, p.s, p.stride, p.pad)) {
    padding = "SAME";
    ctx.note("padding",
             fmt::format("symmetric pad {} run as 'SAME', which places the windows identically", p.pad));
  } else if (p.pad > 0) {
    const auto q = static_cast<int32_t>(p.pad);
    const std::vector<int32_t> pads =
        nchw ? std::vector<int32_t>{0, 0, 0, 0, q, q, q, q} : std::vector<int32_t>{0, 0, q, q, q, q, 0, 0};
    input = g.op("Pad", {input, g.const_int32(pads, {4, 2})});
    ctx.note(
        "padding",
        fmt::format("symmetric pad {} as an explicit Pad op then 'VALID' (part of the timed graph)", p.pad));
  }
  const TF_Output conv = g.op("Conv2D", {input, filter}, [&](Desc d) {
    attr_ints(d, "strides", spatial(layout, p.stride, p.stride));
    attr_string(d, "padding", padding);
    attr_string(d, "data_format", nchw ? "NCHW" : "NHWC");
  });
  const TF_Output y = bridge ? g.transpose(conv, {0, 3, 1, 2}) : conv;
  if (bridge) ctx.note("bridge", "this build's CPU Conv2D takes NHWC only: X and Y are transposed in the timed graph");
  if (!g.backward()) return g.finish({y});
  // dW alone: the session then never runs the Conv2DBackpropInput the gradient also emits.
  const size_t dw_index = p.weight_grad_only ? 0 : 1;
  std::unique_ptr<OpInstance> run = p.weight_grad_only ? g.finish(g.gradients(y, g.feed(in.at(2)), {w}), {y})
                                                       : g.finish(g.gradients(y, g.feed(in.at(2)), {x, w}), {y});
  if (p.nhwc()) return run;
  return std::make_unique<FilterGradToOihw>(std::move(run), dw_index, in.at(1));
}

std::unique_ptr<OpInstance> prepare_conv2d(const CaseSpec& c, const std::vector<HostTensor>& in,
                                           const TfContext& ctx) {
  if (parse_conv2d_params(c.params).nhwc()) {
    ctx.note("layout", "NHWC data and an HWIO filter, TF's own layouts: the graph has no Transpose");
    return build(c, in, ctx, Layout::kNhwc);
  }
  const nlohmann::json tiny = {{"n", 1}, {"c", 2}, {"h", 5}, {"w", 5}, {"k", 2}, {"r", 3}, {"s", 3}};
  return build_in_best_layout(c, in, ctx, tiny, build);
}
VERSUS_REGISTER_OP(TfContext, "conv2d", prepare_conv2d);

}  // namespace
}  // namespace versus::tf
