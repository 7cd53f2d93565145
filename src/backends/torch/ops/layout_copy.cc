// transpose and nchw_to_nhwc in libtorch. In torch, t() and permute() are strided views (no
// work); the copy is what .contiguous() does after them: x.t().contiguous(), and
// x.permute({0, 2, 3, 1}).contiguous() — the same copy kernel as x.contiguous(ChannelsLast),
// which is what channels_last costs. Forward copies the view into a preallocated Y with copy_,
// the kernel .contiguous() runs, without the allocation (as the other ops use out= variants).
// Backward: autograd records x.t().contiguous() (resp. the permute) and returns dX as the view
// dY.t() (resp. dY permuted back) — no work. loss.backward() would then copy it into x.grad in
// x's layout (AccumulateGrad keeps the parameter's strides), so run() makes dX contiguous: the
// same copy, inside the timed region, where it cannot be skipped.
#include "backends/torch/ops/instances.h"
#include "core/ops/layout_copy.h"
#include "worker/op_table.h"

namespace versus::th {
namespace {

// The strided view whose materialisation is the op.
torch::Tensor permuted(const torch::Tensor& x, const std::vector<int64_t>& perm) {
  return perm.size() == 2 ? x.t() : x.permute(perm);
}

// TorchBackward (instances.h) with dX materialised in X's layout, as x.grad would hold it.
class CopyBackward final : public OpInstance {
 public:
  CopyBackward(const torch::Device& device, torch::Tensor x, std::vector<int64_t> perm, torch::Tensor dy)
      : device_(device), x_(std::move(x)), perm_(std::move(perm)), dy_(std::move(dy)) {}

  void run() override {
    const torch::Tensor y = permuted(x_, perm_).contiguous();
    const auto grads = torch::autograd::grad({y}, {x_}, {dy_}, /*retain_graph=*/false, /*create_graph=*/false,
                                             /*allow_unused=*/false);
    dx_ = grads.at(0).contiguous();
    synchronize(device_);
  }

  std::vector<std::vector<float>> outputs() override { return {to_host(dx_)}; }

 private:
  torch::Device device_;
  torch::Tensor x_;
  std::vector<int64_t> perm_;
  torch::Tensor dy_, dx_;
};

std::unique_ptr<OpInstance> prepare_layout_copy(const CaseSpec& c, const std::vector<HostTensor>& in,
                                                const TorchContext& ctx) {
  const LayoutCopyParams p = parse_layout_copy_params(c.op, c.params);
  if (is_backward(c))
    return std::make_unique<CopyBackward>(ctx.device, leaf(in.at(0), ctx.device), p.perm,
                                          from_host(in.at(1), ctx.device));
  const torch::Tensor x = from_host(in.at(0), ctx.device);
  torch::Tensor y = torch::empty(p.y_shape(), x.options());
  return std::make_unique<TorchForward>(ctx.device, [x, y, perm = p.perm]() mutable {
    y.copy_(permuted(x, perm));
    return y;
  });
}
VERSUS_REGISTER_OP(TorchContext, "transpose", prepare_layout_copy);

// VERSUS_REGISTER_OP names its flag after the function, so the second op needs its own name.
std::unique_ptr<OpInstance> prepare_nchw_to_nhwc(const CaseSpec& c, const std::vector<HostTensor>& in,
                                                 const TorchContext& ctx) {
  return prepare_layout_copy(c, in, ctx);
}
VERSUS_REGISTER_OP(TorchContext, "nchw_to_nhwc", prepare_nchw_to_nhwc);

}  // namespace
}  // namespace versus::th
