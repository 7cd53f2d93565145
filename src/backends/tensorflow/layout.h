// NCHW cases (conv2d, pooling, batch_norm) in a framework whose CPU kernels may be NHWC-only.
//
// The catalogue's tensors are NCHW. Whether TF's CPU kernels take NCHW depends on the build and
// the machine: with oneDNN on (TF enables it by default only on CPUs with AVX512-VNNI/BF16,
// AVX-VNNI or AMX, or with TF_ENABLE_ONEDNN_OPTS=1) the _Mkl kernels accept NCHW, while the
// default Eigen kernels reject it ("... only supports NHWC on device type CPU"). The answer is
// not exposed by the C API, so it is found by running a tiny instance of the very graph the
// case builds (same ops, same direction) in NCHW: if TF rejects the layout, the case is built
// NHWC with explicit Transpose ops in the graph, and says so in the results' graph_notes.
#pragma once
#include <algorithm>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/tensorflow/tf_graph.h"
#include "core/case_spec.h"
#include "core/op_registry.h"
#include "worker/backend.h"

namespace versus::tf {

enum class Layout { kNchw, kNhwc };

// Builds a case's graph with activations in `layout` (NHWC: X transposed on entry, Y back to
// NCHW on exit, inside the graph).
using LayoutBuild = std::unique_ptr<OpInstance> (*)(const CaseSpec&, const std::vector<HostTensor>&,
                                                    const TfContext&, Layout);

// NCHW if this TF runs `build`'s graph in NCHW on the CPU (tried on `tiny_params`, a small valid
// parameter set of the same op), else NHWC. Any failure other than a rejected layout is the
// case's own problem and propagates.
inline Layout choose_layout(const CaseSpec& c, const TfContext& ctx, const nlohmann::json& tiny_params,
                            LayoutBuild build) {
  CaseSpec tiny = c;
  tiny.params = tiny_params;
  const std::vector<HostTensor> inputs = find_op(c.op).make_inputs(tiny);
  try {
    build(tiny, inputs, TfContext{ctx.session_config, nullptr}, Layout::kNchw)->run();
    return Layout::kNchw;
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()).find("NHWC") == std::string::npos) throw;
    return Layout::kNhwc;
  }
}

// Builds `c` in the layout choose_layout() picks, and records the choice.
inline std::unique_ptr<OpInstance> build_in_best_layout(const CaseSpec& c, const std::vector<HostTensor>& in,
                                                        const TfContext& ctx,
                                                        const nlohmann::json& tiny_params,
                                                        LayoutBuild build) {
  const Layout layout = choose_layout(c, ctx, tiny_params, build);
  ctx.note("layout", layout == Layout::kNchw
                         ? "NCHW, taken natively by this build's CPU kernels"
                         : "NHWC: this build's CPU kernels reject NCHW, so the graph transposes the NCHW "
                           "tensors to NHWC and back, and those Transpose ops are part of every timed run");
  return build(c, in, ctx, layout);
}

// A 4-D attribute (strides, ksize) that is 1 on the batch and channel axes, in `layout`'s order.
inline std::vector<int64_t> spatial(Layout layout, int64_t h, int64_t w) {
  return layout == Layout::kNchw ? std::vector<int64_t>{1, 1, h, w} : std::vector<int64_t>{1, h, w, 1};
}

// Whether TF's 'SAME' padding puts the windows exactly where symmetric padding `pad` does along
// one axis: the same number of outputs, and SAME's leading padding (half the total, rounded
// down, the rest trailing) equal to `pad`. Then every window covers the same input elements,
// and SAME, like the catalogue, never counts padding (max ignores it, AvgPool divides by the
// real elements, convolution pads with zeros).
inline bool same_matches(int64_t size, int64_t window, int64_t stride, int64_t pad) {
  const int64_t out = (size + 2 * pad - window) / stride + 1;
  const int64_t same_out = (size + stride - 1) / stride;
  const int64_t total = std::max<int64_t>((same_out - 1) * stride + window - size, 0);
  return out == same_out && total / 2 == pad;
}

}  // namespace versus::tf
