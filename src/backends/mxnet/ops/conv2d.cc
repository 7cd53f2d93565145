// conv2d in MXNet: the Convolution operator as gluon.nn.Conv2D(use_bias=False) calls it,
// dilation 1, symmetric padding. Backward (dX, dW) through autograd.
// Layouts:
//   nchw  NCHW data and OIHW weights, MXNet's own layouts, so nothing is converted.
//   nhwc  layout "NHWC", whose weight MXNet expects OHWI: the HWIO weight is converted to OHWI
//         once at prepare (a model stores its weights in the framework's layout), and dW back
//         to HWIO when the results are read, outside the timed run. Whether this MXNet build
//         convolves NHWC on the CPU is found by running a tiny NHWC case at prepare; where it
//         refuses, the case is unsupported with MXNet's own message. It is never emulated with
//         transposes, which would measure something other than an NHWC convolution.
//         MXNet 1.9.1's CPU build refuses both ways: its oneDNN convolution (the default) fails
//         with "could not create a descriptor for a dilated convolution forward propagation
//         primitive", and with MXNET_MKLDNN_ENABLED=0 its own kernel checks "Only support NCW,
//         NCHW and NCDHW layout". (Its cuDNN convolution is the one that takes NHWC.)
#include <string>

#include <fmt/format.h>

#include "backends/mxnet/mx_program.h"
#include "core/errors.h"
#include "core/op_registry.h"
#include "core/ops/conv2d.h"
#include "worker/op_table.h"

namespace versus::mx {
namespace {

// The Convolution recipe for `q`; `in` in MXNet's layouts (nhwc: W already OHWI).
std::unique_ptr<OpInstance> make_conv(const CaseSpec& c, const std::vector<HostTensor>& in, const Conv2dParams& q) {
  std::vector<Param> params = {{"kernel", pair_param(q.r, q.s)},
                               {"stride", pair_param(q.stride, q.stride)},
                               {"dilate", pair_param(1, 1)},
                               {"pad", pair_param(q.pad, q.pad)},
                               {"num_filter", std::to_string(q.k)},
                               {"num_group", "1"},
                               {"no_bias", "True"},
                               {"layout", q.nhwc() ? "NHWC" : "NCHW"}};
  return make_instance(c, in,
                       {.forward =
                            [params](Program& p, const std::vector<Program::Value>& x) {
                              return p.call("Convolution", {x[0], x[1]}, params);
                            },
                        // dW alone: X is not marked, so the Convolution's backward skips dX.
                        .grads_of = q.weight_grad_only ? std::vector<size_t>{1} : std::vector<size_t>{0, 1}});
}

// `in` (the contract's X, HWIO W, dY) with W converted to OHWI.
std::vector<HostTensor> with_ohwi_weight(const std::vector<HostTensor>& in, const Conv2dParams& q) {
  std::vector<HostTensor> out = in;
  out.at(1) = {in[1].name, {q.k, q.r, q.s, q.c}, permute_axes(in[1].data, q.w_shape(), kHwioToOhwi)};
  return out;
}

// An nhwc case: run() is MXNet's; outputs() returns dW as HWIO (MXNet computes it OHWI).
class NhwcConv final : public OpInstance {
 public:
  NhwcConv(std::unique_ptr<OpInstance> inner, const Conv2dParams& q, bool backward)
      : inner_(std::move(inner)), ohwi_{q.k, q.r, q.s, q.c}, backward_(backward), dw_index_(q.weight_grad_only ? 0 : 1) {}
  void run() override { inner_->run(); }
  std::vector<std::vector<float>> outputs() override {
    std::vector<std::vector<float>> out = inner_->outputs();
    if (backward_) out.at(dw_index_) = permute_axes(out.at(dw_index_), ohwi_, kOhwiToHwio);
    return out;
  }

 private:
  std::unique_ptr<OpInstance> inner_;
  std::vector<int64_t> ohwi_;
  bool backward_;
  size_t dw_index_;
};

// Throws UnsupportedCase, with MXNet's message, when MXNet refuses an NHWC convolution in
// `c`'s direction: tried on a tiny case, as the refusal depends on the build, not the shape.
void require_nhwc_convolution(const CaseSpec& c) {
  CaseSpec tiny = c;
  tiny.params = {{"n", 1}, {"c", 2}, {"h", 5}, {"w", 5}, {"k", 2}, {"r", 3}, {"s", 3}, {"layout", "nhwc"}};
  const Conv2dParams q = parse_conv2d_params(tiny.params);
  try {
    make_conv(tiny, with_ohwi_weight(find_op("conv2d").make_inputs(tiny), q), q)->run();
  } catch (const std::runtime_error& e) {
    // MXNet's message without the stack trace it appends.
    std::string why = e.what();
    why = why.substr(0, why.find("\nStack trace:"));
    why.erase(why.find_last_not_of(" \n") + 1);
    throw UnsupportedCase(fmt::format("mxnet: Convolution with layout NHWC fails on this build's CPU: {}", why));
  }
}

std::unique_ptr<OpInstance> prepare_conv2d(const CaseSpec& c, const std::vector<HostTensor>& in, const MxContext&) {
  const Conv2dParams q = parse_conv2d_params(c.params);
  if (!q.nhwc()) return make_conv(c, in, q);
  require_nhwc_convolution(c);
  return std::make_unique<NhwcConv>(make_conv(c, with_ohwi_weight(in, q), q), q, c.direction == "backward");
}
VERSUS_REGISTER_OP(MxContext, "conv2d", prepare_conv2d);

}  // namespace
}  // namespace versus::mx
