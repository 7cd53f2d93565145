// softmax_cross_entropy, binary_cross_entropy and mse (core/ops/losses.cc) in the native
// backend, variant "eigen" only: Eigen array expressions (a loop over rows for the softmax), as
// the plain-C++ baseline that framework loss kernels are compared with. Single-threaded: Eigen
// threads only its matrix products. No dY: the upstream gradient of a loss is 1.
// Backward cases time forward + backward: one training step of the op, the same in every
// backend; run() computes the loss (to scratch) and then the gradient, every time.
//   openblas, onednn  unsupported: neither library has loss functions (oneDNN 2.6 has softmax
//                     and log-softmax but no cross-entropy; composing it would be our code).
#include <cmath>

#include <Eigen/Core>

#include "backends/native/host_instance.h"
#include "backends/native/native_context.h"
#include "worker/op_table.h"

namespace versus {
namespace {

using RowArray = Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Array = Eigen::Map<Eigen::ArrayXf>;
using ConstArray = Eigen::Map<const Eigen::ArrayXf>;

std::unique_ptr<OpInstance> softmax_cross_entropy(const CaseSpec& c, const std::vector<HostTensor>& in) {
  auto inst = std::make_unique<HostInstance>();
  const Eigen::Index batch = in[0].shape.at(0), classes = in[0].shape.at(1);
  const Eigen::Map<const RowArray> logits(inst->input(in[0]).data(), batch, classes);
  const Eigen::Map<const RowArray> labels(inst->input(in[1]).data(), batch, classes);
  const float inv_batch = 1.0f / static_cast<float>(batch);
  // Per row: lse = max + log Σ exp(x - max), max-shifted so exp never overflows.
  auto forward = [=](float* loss) {
    return [=] {
      float total = 0;
      for (Eigen::Index i = 0; i < batch; ++i) {
        const auto x = logits.row(i);
        const float m = x.maxCoeff();
        const float lse = m + std::log((x - m).exp().sum());
        total += (labels.row(i) * (lse - x)).sum();
      }
      *loss = total * inv_batch;
    };
  };
  if (!is_backward(c)) {
    inst->set_body(forward(inst->output(1).data()));
    return inst;
  }
  Eigen::Map<RowArray> grad(inst->output(in[0].data.size()).data(), batch, classes);
  inst->set_forward(forward(inst->scratch(1).data()));
  inst->set_body([=]() mutable {
    for (Eigen::Index i = 0; i < batch; ++i) {
      const auto x = logits.row(i);
      const auto y = labels.row(i);
      const float m = x.maxCoeff();
      const float lse = m + std::log((x - m).exp().sum());
      grad.row(i) = ((x - lse).exp() * y.sum() - y) * inv_batch;
    }
  });
  return inst;
}

// binary_cross_entropy (P, T) and mse (X, Yt): a mean of per-element terms.
std::unique_ptr<OpInstance> element_loss(const CaseSpec& c, const std::vector<HostTensor>& in) {
  auto inst = std::make_unique<HostInstance>();
  const auto n = static_cast<Eigen::Index>(in[0].data.size());
  const ConstArray p(inst->input(in[0]).data(), n), t(inst->input(in[1]).data(), n);
  const float inv_n = 1.0f / static_cast<float>(n);
  const bool bce = c.op == "binary_cross_entropy";
  auto forward = [=](float* loss) -> std::function<void()> {
    if (bce) return [=] { *loss = -(t * p.log() + (1.0f - t) * (1.0f - p).log()).sum() * inv_n; };
    return [=] { *loss = (p - t).square().sum() * inv_n; };
  };
  if (!is_backward(c)) {
    inst->set_body(forward(inst->output(1).data()));
    return inst;
  }
  Array grad(inst->output(size_t(n)).data(), n);
  inst->set_forward(forward(inst->scratch(1).data()));
  if (bce) inst->set_body([=]() mutable { grad = (p - t) / (p * (1.0f - p)) * inv_n; });
  else inst->set_body([=]() mutable { grad = 2.0f * (p - t) * inv_n; });
  return inst;
}

std::unique_ptr<OpInstance> prepare_loss(const CaseSpec& c, const std::vector<HostTensor>& in, const NativeContext&) {
  if (c.variant != "eigen") unsupported_variant(c, c.variant + " has no loss functions (use the eigen variant)");
  return c.op == "softmax_cross_entropy" ? softmax_cross_entropy(c, in) : element_loss(c, in);
}

[[maybe_unused]] const bool registered = [] {
  for (const char* op : {"softmax_cross_entropy", "binary_cross_entropy", "mse"})
    OpTable<NativeContext>::get().add(op, prepare_loss, {"eigen"});
  return true;
}();

}  // namespace
}  // namespace versus
